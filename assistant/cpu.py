"""Where the CPU work on untrusted review text runs (rules, prompt building, the guard): one thread, or, for a
batch run on a machine with more than one core, one process of its own.

Why one and why a thread: the event loop must keep answering (/health, the API) while a 20,000-character review is
read, so this work leaves the loop. Python's `re` holds the GIL for a whole call, though, so every thread doing
such calls makes the loop wait longer for its turn; a single thread keeps that wait to about one call (the
linear-time test keeps each call short: tests/unit/test_linear_time.py).

Why a process for a batch: one interpreter runs Python on one core at a time, and an in-process batch is bound by
it — on a 2-core VM, 2,000 reviews took 20–29 s of CPU in one process against a 13.8 s ideal, about half of it
this text work (py-spy `--gil`: the guard 28 %, the rules 18 %). In a process of its own the text work runs on
the other core while this one sends model requests and stores results. The process is spawned (this one has
threads, so no fork), loads its own tables on its first call (the pipeline's warm-up), and gets its calls
pickled: module-level functions and plain arguments only. Objects of the types the caller names as unchanging
(`send_once`: the playbook, 16 KB pickled, an argument of all three calls of every review) cross once and are
referred to after that. A process that dies is replaced on the next call; the calls it held fail
(`BrokenProcessPool`) and their reviews are retried like any failed review. It ends with the process that started
it, even one killed outright.

Why a pipe and not `ProcessPoolExecutor`: three calls per review, and the executor hands each through two threads
of this process (its manager and its queue's feeder): 120–160 µs of this process's CPU per call on a 2-core VM,
against 30–55 µs written straight to the pipe with one thread reading the answers (bench/text_process.py); at
2,000 reviews that is ~0.6 s of the batch process's CPU, the process whose turnaround the model's slots wait for.
The calls still run one at a time, in order, as on the executor's single worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import gc
import importlib
import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-cpu")
_process: TextProcess | None = None
_users = 0  # callers that asked for the process (it stops with the last one)
_send_once: tuple[type, ...] = ()  # types whose objects never change: sent to the process once, then by reference
_sent: dict[int, object] = {}  # id → object the process holds (kept alive here, so that no id is reused)
_kept: dict[int, object] = {}  # in the text process: what was sent once, by the sender's id
KEY_BYTES = 8  # a call's number, ahead of its pickle in every message (`_framed`)
MAX_SENT = 256  # beyond this many distinct objects, send by value (a long-running caller reloading playbooks)


def cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class TextProcess:
    """A spawned process that runs the calls written to its pipe, one at a time, in order; a thread here reads
    the answers and settles each call's future. A future is `running()` once the calls before it are answered."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        calls, self._calls = context.Pipe(duplex=False)
        self._answers, answers = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, args=(calls, answers), name="text", daemon=True)
        self._process.start()
        calls.close()  # the child's ends: once it ends, writing fails and reading ends
        answers.close()
        self._pending: OrderedDict[int, Future[Any]] = OrderedDict()  # in the order the process runs them
        self._lock = threading.Lock()
        self._next = 0
        self.broken = False
        self._reader = threading.Thread(target=self._read_answers, name="text-answers", daemon=True)
        self._reader.start()

    def submit(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> Future[T]:
        """Send-once objects travel with the first call that refers to them (none is sent for a call that cannot
        be pickled); `BrokenProcessPool` when the process is gone."""
        buffer = io.BytesIO()
        pickler = _ByReference(buffer)
        pickler.dump((fn, args, kwargs))
        future: Future[T] = Future()
        with self._lock:
            if self.broken:
                raise BrokenProcessPool("the text process ended")
            key, self._next = self._next, self._next + 1
            try:
                self._calls.send_bytes(_framed(key, (pickler.new, buffer.getvalue())))
            except OSError as exc:  # it died and the answer reader has not seen it yet
                raise BrokenProcessPool("the text process ended") from exc
            _sent.update(pickler.new)
            if not self._pending:
                future.set_running_or_notify_cancel()
            self._pending[key] = future
        return future

    def _read_answers(self) -> None:
        while True:
            try:
                key, answer = _unframed(self._answers.recv_bytes())
            except (EOFError, OSError):
                break
            try:
                ok, value = pickle.loads(answer)
            except Exception as exc:  # an answer of a type this process cannot load fails its own call
                ok, value = False, exc
            with self._lock:
                future = self._pending.pop(key)
                if self._pending:
                    next(iter(self._pending.values())).set_running_or_notify_cancel()
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._answers.close()
        with self._lock:  # the process ended: what it held will never be answered
            self.broken = True
            pending, self._pending = list(self._pending.values()), OrderedDict()
        for future in pending:  # a cancelled one was told so already, or is now
            if future.running() or (not future.cancelled() and future.set_running_or_notify_cancel()):
                future.set_exception(BrokenProcessPool("the text process ended before answering"))

    def stop(self) -> None:
        """Let it answer what it was sent, then end (blocking: call it from a thread)."""
        with self._lock:
            if not self.broken:
                with contextlib.suppress(OSError):  # it already ended
                    self._calls.send_bytes(b"")
        self._process.join()
        self._reader.join()
        self._calls.close()

    def kill(self) -> None:
        """End it now: the calls it holds fail."""
        self._process.kill()


def _serve(calls: multiprocessing.connection.Connection, answers: multiprocessing.connection.Connection) -> None:
    """The text process: each call in order until an empty message. A thread takes the calls
    off the pipe as they come, so the sender never waits for a long call to finish before its write returns."""
    _in_text_process()
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def take_calls() -> None:
        try:
            while message := calls.recv_bytes():
                inbox.put(message)
        except (EOFError, OSError):
            pass
        inbox.put(b"")

    threading.Thread(target=take_calls, name="text-calls", daemon=True).start()
    while message := inbox.get():
        key, call = _unframed(message)
        try:
            new, payload = pickle.loads(call)
            _kept.update(new)
            answer = _framed(key, (True, _call(payload)))
        except Exception as exc:  # every failure goes back to the caller
            answer = _failure(key, exc)
        answers.send_bytes(answer)


def _framed(key: int, obj: object) -> bytes:
    """A message: the call's number, then its pickle, so that one that cannot be unpickled is still answered."""
    return key.to_bytes(KEY_BYTES, "little") + pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def _unframed(message: bytes) -> tuple[int, memoryview]:
    return int.from_bytes(message[:KEY_BYTES], "little"), memoryview(message)[KEY_BYTES:]


def _failure(key: int, exc: BaseException) -> bytes:
    """The exception itself for the caller, with where it was raised here as a note; one that cannot be pickled
    goes back as a RuntimeError that names it."""
    exc.add_note("in the text process:\n" + "".join(traceback.format_exception(exc)).rstrip())
    try:
        return _framed(key, (False, exc))
    except Exception:
        return _framed(key, (False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _in_text_process() -> None:
    """The text process's set-up. Ctrl-C reaches every process of the terminal's group: the batch handles it
    (stops this process, says how to resume), so here it is ignored instead of printing a
    KeyboardInterrupt traceback from an idle worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """In the text process: end when the process that started it ends, however it ends. A killed batch (SIGKILL,
    the OOM killer) stops nothing, and its pipe's end shows only between calls (a warm-up, a long call): this
    ends it at once (before the pipe, under `ProcessPoolExecutor`, it waited forever, ~300 MB each)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), name="parent-watch", daemon=True)
        watch.start()


def _exit_when_ready(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def start_text_process(*, warm_up: str | None = None) -> None:
    """From now on, text work runs in a process of its own, until every caller has called `stop_text_process`.
    `warm_up` ("module:function") is called there at once: the process imports and loads its tables on another
    core while the caller goes on (its own imports, the database)."""
    global _process, _users
    _users += 1
    if _process is None:
        _process = _new_process()
        if warm_up:
            _process.submit(_warm_up, (warm_up,), {})


def _new_process() -> TextProcess:
    return TextProcess()


def send_once(*types: type) -> None:
    """Objects of these types never change (frozen): a text process receives each once and keeps it, and later
    calls refer to it, wherever it sits in their arguments."""
    global _send_once
    _send_once = tuple(dict.fromkeys((*_send_once, *types)))


def wants_text_process(choice: bool | None) -> bool:
    """`choice` (the `batch_text_process` setting), else whether a core is to spare."""
    return choice if choice is not None else cores() > 1


def _warm_up(name: str) -> None:
    """Call a function named "module:function" (by name: the caller need not import its module), then move what
    it loaded out of the collector's sight (`gc.freeze`): the tables stay for the process's life, and walking
    them again in every full collection and at exit cost the batch's end 0.2 s."""
    module, _, function = name.partition(":")
    getattr(importlib.import_module(module), function)()
    gc.freeze()


async def stop_text_process(*, at_once: bool = False) -> None:
    """Release the text process; the last release stops it once its calls end, or `at_once`: the caller is done
    with it whatever it is doing (a command that failed to start would otherwise wait seconds for a warm-up it
    will never use; its calls fail with `BrokenProcessPool`)."""
    global _process, _users
    _users = max(0, _users - 1)
    if _users or _process is None:
        return
    process, _process = _process, None
    _sent.clear()
    if at_once:
        process.kill()
    await asyncio.to_thread(process.stop)


def in_process() -> bool:
    """Whether text work runs in a process of its own now."""
    return _process is not None


def submit_cpu(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """`fn(*args, **kwargs)` where text work runs; the future is `running()` once the work is under way."""
    global _process
    if _process is not None:
        try:
            return _process.submit(fn, args, kwargs)
        except BrokenProcessPool:  # it died (killed, out of memory): a new one takes the calls from now on
            broken, _process = _process, _new_process()
            _sent.clear()
            threading.Thread(target=broken.stop, name="text-stop", daemon=True).start()  # reap it
            return _process.submit(fn, args, kwargs)
    context = contextvars.copy_context()  # the caller's context variables hold on the thread too
    return _THREAD.submit(functools.partial(context.run, fn, *args, **kwargs))


async def run_cpu(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`await run_cpu(check_draft, text, …)`: `fn(*args, **kwargs)` where text work runs."""
    return await asyncio.wrap_future(submit_cpu(fn, *args, **kwargs))


class _ByReference(pickle.Pickler):
    """Pickles a call, putting a reference in place of each send-once object; `new` lists the ones to send first."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.new: dict[int, object] = {}

    def persistent_id(self, obj: object) -> int | None:
        if not _send_once or not isinstance(obj, _send_once):
            return None
        key = id(obj)
        if key not in _sent and key not in self.new:
            if len(_sent) + len(self.new) >= MAX_SENT:
                return None
            self.new[key] = obj
        return key


class _FromReference(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> object:
        return _kept[pid]


def _call(payload: bytes) -> Any:
    fn, args, kwargs = _FromReference(io.BytesIO(payload)).load()
    return fn(*args, **kwargs)
