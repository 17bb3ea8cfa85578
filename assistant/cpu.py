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
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import importlib
import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-cpu")
_process: ProcessPoolExecutor | None = None
_users = 0  # callers that asked for the process (it stops with the last one)
_send_once: tuple[type, ...] = ()  # types whose objects never change: sent to the process once, then by reference
_sent: dict[int, object] = {}  # id → object the process holds (kept alive here, so that no id is reused)
_kept: dict[int, object] = {}  # in the text process: what was sent once, by the sender's id
MAX_SENT = 256  # beyond this many distinct objects, send by value (a long-running caller reloading playbooks)


def cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _new_process() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_in_text_process)


def _in_text_process() -> None:
    """The text process's set-up. Ctrl-C reaches every process of the terminal's group: the batch handles it
    (stops this process, says how to resume), so here it is ignored instead of printing a
    KeyboardInterrupt traceback from an idle worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """In the text process: end when the process that started it ends, however it ends. A killed batch (SIGKILL,
    the OOM killer) stops nothing, and the process's own call queue never reports the loss (it holds both ends),
    so it waited on it forever, ~300 MB each."""
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
            _process.submit(_warm_up, warm_up)


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
    will never use; its calls are cancelled or fail with `BrokenProcessPool`)."""
    global _process, _users
    _users = max(0, _users - 1)
    if _users or _process is None:
        return
    process, _process = _process, None
    _sent.clear()
    if at_once:
        _kill_workers(process)
    await asyncio.to_thread(process.shutdown, wait=True, cancel_futures=True)


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    if hasattr(executor, "kill_workers"):  # Python 3.14
        executor.kill_workers()
        return
    for worker in list((executor._processes or {}).values()):  # before 3.14, the executor's own record of them
        worker.kill()


def in_process() -> bool:
    """Whether text work runs in a process of its own now."""
    return _process is not None


def submit_cpu(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """`fn(*args, **kwargs)` where text work runs; the future is `running()` once the work is handed over."""
    global _process
    if _process is not None:
        try:
            return _submit(_process, fn, args, kwargs)
        except BrokenProcessPool:  # it died (killed, out of memory): a new one takes the calls from now on
            broken, _process = _process, _new_process()
            _sent.clear()
            broken.shutdown(wait=False, cancel_futures=True)
            return _submit(_process, fn, args, kwargs)
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


def _submit(process: ProcessPoolExecutor, fn: Callable[..., T], args: tuple, kwargs: dict) -> Future[T]:
    """Send-once objects first, each as a call of its own that no caller holds (so none is cancelled: the process
    runs its calls in order, so it has them before the first call that refers to them), then the call itself."""
    buffer = io.BytesIO()
    pickler = _ByReference(buffer)
    pickler.dump((fn, args, kwargs))
    for key, obj in pickler.new.items():
        process.submit(_keep, key, obj)
        _sent[key] = obj
    return process.submit(_call, buffer.getvalue())


def _keep(key: int, obj: object) -> None:
    _kept[key] = obj


def _call(payload: bytes) -> Any:
    fn, args, kwargs = _FromReference(io.BytesIO(payload)).load()
    return fn(*args, **kwargs)
