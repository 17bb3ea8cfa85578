"""Where text work runs (assistant/cpu.py): the text thread by default, a process of its own for a batch — a real
spawned process here, killed for real to show it is replaced."""

from __future__ import annotations

import contextvars
import functools
import os
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from assistant import cpu
from assistant.domain.classification.language import detect_language
from assistant.domain.classification.rules import classify_rules
from assistant.domain.drafting.warm_up import SAMPLES
from assistant.playbooks import Action, Playbook, PlaybookRegistry
from assistant.settings import Settings
from tests.support.processes import running

ROOT = Path(__file__).resolve().parents[2]
_NAME: contextvars.ContextVar[str] = contextvars.ContextVar("name", default="unset")


def pid_and_name() -> tuple[int, str]:
    return os.getpid(), _NAME.get()


_WARM = False


def warm() -> None:
    global _WARM
    _WARM = True


def is_warm() -> bool:
    return _WARM


def slow_warm_up() -> None:
    time.sleep(60)


def fail(message: str) -> None:
    raise ValueError(message)


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def size(text: str) -> int:
    return len(text)


def answer_that_cannot_travel() -> object:
    return lambda: None


def answer_that_cannot_be_loaded() -> object:
    return LoadsAsAnError()


class LoadsAsAnError:
    """Pickles fine; loading it raises, on either side of the pipe (arguments or an answer of a type not loadable there)."""

    def __reduce__(self) -> tuple:
        return fail, ("cannot be loaded",)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kept_by_reference(obj: object) -> list[int]:
    """In the text process: the keys of what it was sent once, when `obj` is one of them (not a copy that came
    pickled with the call)."""
    return list(cpu._kept) if any(kept is obj for kept in cpu._kept.values()) else []


@pytest.fixture
def settings_playbook() -> Playbook:
    return PlaybookRegistry.from_directory(Settings().playbooks_dir).for_business(None)


@pytest.fixture
async def text_process():
    cpu.start_text_process()
    try:
        yield
    finally:
        await cpu.stop_text_process()
    assert not cpu.in_process()


async def test_text_work_runs_on_the_thread_with_the_callers_context_variables() -> None:
    _NAME.set("caller")
    assert await cpu.run_cpu(pid_and_name) == (os.getpid(), "caller")


async def test_a_text_process_runs_the_work_in_another_process_and_passes_errors_back(text_process) -> None:
    pid, _ = await cpu.run_cpu(pid_and_name)
    assert pid != os.getpid()
    assert (await cpu.run_cpu(pid_and_name))[0] == pid, "one process, kept between calls"
    with pytest.raises(ValueError, match="bad review"):
        await cpu.run_cpu(fail, "bad review")


async def test_a_call_is_running_once_the_calls_before_it_are_answered(text_process) -> None:
    """The rules' time budget counts from when a review's call starts (assistant/processing/pipeline.py), not
    from when it was queued behind other reviews' calls."""
    first = cpu.submit_cpu(nap, 0.5)
    second = cpu.submit_cpu(nap, 0.0)
    assert first.running() and not second.running(), "queued behind the first"
    assert first.result(timeout=30) == 0.5
    assert second.result(timeout=30) == 0.0


async def test_sending_a_call_does_not_wait_for_the_one_running(text_process) -> None:
    """A megabyte of text (a long review in its prompt) is more than a pipe holds: the process takes calls off
    the pipe while it works, so the caller's event loop is not held until the running call ends."""
    await cpu.run_cpu(nap, 0.0)
    running = cpu.submit_cpu(nap, 3.0)
    started = time.monotonic()
    queued = cpu.submit_cpu(size, "ж" * 1_000_000)
    assert time.monotonic() - started < 1.5, "the write waited for the running call"
    assert running.result(timeout=30) == 3.0 and queued.result(timeout=30) == 1_000_000


async def test_what_cannot_travel_fails_its_own_call_only(text_process) -> None:
    pid, _ = await cpu.run_cpu(pid_and_name)
    with pytest.raises(ValueError, match="cannot be loaded") as raised:
        await cpu.run_cpu(size, LoadsAsAnError())
    assert any("in the text process" in note for note in getattr(raised.value, "__notes__", []))
    with pytest.raises((pickle.PicklingError, AttributeError)):
        await cpu.run_cpu(answer_that_cannot_travel)
    with pytest.raises(ValueError, match="cannot be loaded"):
        await cpu.run_cpu(answer_that_cannot_be_loaded)
    assert (await cpu.run_cpu(pid_and_name))[0] == pid, "the same process answers the next call"


async def test_a_text_process_that_dies_fails_its_calls_and_is_replaced(text_process, settings_playbook) -> None:
    cpu.send_once(Playbook)
    first, _ = await cpu.run_cpu(pid_and_name)
    assert await cpu.run_cpu(kept_by_reference, settings_playbook)
    with pytest.raises(BrokenProcessPool):
        await cpu.run_cpu(die)
    second, _ = await cpu.run_cpu(pid_and_name)
    assert second not in (first, os.getpid())
    assert await cpu.run_cpu(kept_by_reference, settings_playbook), "the new process is sent the playbook again"


async def test_calls_behind_a_cancelled_one_fail_when_the_process_dies(text_process) -> None:
    """A caller that gave up (a review over its budget, a cancelled batch) leaves its call in the process's queue;
    when the process dies, the calls behind it fail too instead of waiting forever."""
    pid, _ = await cpu.run_cpu(pid_and_name)
    first = cpu.submit_cpu(nap, 0.3)
    given_up = cpu.submit_cpu(nap, 30.0)
    behind = cpu.submit_cpu(nap, 0.0)
    assert given_up.cancel(), "still queued behind the first"
    assert first.result(timeout=30) == 0.3
    time.sleep(0.3)  # the given-up call runs there now
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        behind.result(timeout=10)


async def test_a_playbook_crosses_to_the_text_process_once_then_by_reference(text_process, settings_playbook) -> None:
    """16 KB pickled, an argument of the rules, the prompt and the guard (inside a partial) of every review."""
    cpu.send_once(Playbook)
    key = [id(settings_playbook)]
    assert await cpu.run_cpu(kept_by_reference, settings_playbook) == key
    assert await cpu.run_cpu(functools.partial(kept_by_reference, settings_playbook)) == key, "once, not twice"
    _, rating, text, _ = SAMPLES[0]
    verdict = await cpu.run_cpu(classify_rules, text, rating, settings_playbook)
    assert verdict == classify_rules(text, rating, settings_playbook)
    copy = settings_playbook.model_copy(update={"name": "Another shop"})
    assert await cpu.run_cpu(kept_by_reference, copy) == [*key, id(copy)], "another playbook is sent on its own"


async def test_a_call_that_cannot_be_sent_does_not_leave_its_playbook_unsent(text_process, settings_playbook) -> None:
    cpu.send_once(Playbook)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        await cpu.run_cpu(kept_by_reference, (settings_playbook, lambda: None))
    assert await cpu.run_cpu(kept_by_reference, settings_playbook) == [id(settings_playbook)]


def test_the_text_process_ends_when_the_process_that_started_it_is_killed() -> None:
    """SIGKILL leaves the batch no time to stop its text process: the text process notices and ends by itself."""
    script = (
        "import os, sys, time\n"
        "from assistant import cpu\n"
        "cpu.start_text_process()\n"
        "print(cpu.submit_cpu(os.getpid).result(), flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # it runs
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
    finally:
        parent.kill()
    deadline = time.monotonic() + 10
    while running(child):
        assert time.monotonic() < deadline, f"text process {child} still runs after its parent was killed"
        time.sleep(0.05)


async def test_the_text_process_stops_with_its_last_user() -> None:
    cpu.start_text_process()
    cpu.start_text_process()
    pid, _ = await cpu.run_cpu(pid_and_name)
    await cpu.stop_text_process()
    assert cpu.in_process() and (await cpu.run_cpu(pid_and_name))[0] == pid, "one user left: it keeps running"
    await cpu.stop_text_process()
    assert not cpu.in_process() and (await cpu.run_cpu(pid_and_name))[0] == os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_a_text_process_warms_up_by_name_before_its_first_call() -> None:
    cpu.start_text_process(warm_up="tests.unit.test_cpu:warm")
    try:
        assert await cpu.run_cpu(is_warm), "the warm-up ran there first"
    finally:
        await cpu.stop_text_process()
    assert not is_warm(), "and not here"


async def test_stopping_at_once_does_not_wait_for_the_warm_up() -> None:
    """A command that fails before its first review (no database, a bad file) stops its early-started text process
    at once, instead of waiting out a warm-up it will never use (a minute here; seconds for the real one)."""
    cpu.start_text_process(warm_up="tests.unit.test_cpu:slow_warm_up")
    call = cpu.submit_cpu(pid_and_name)
    started = time.monotonic()
    await cpu.stop_text_process(at_once=True)
    assert time.monotonic() - started < 30, "it waited for the warm-up"
    assert not cpu.in_process()
    with pytest.raises((BrokenProcessPool, CancelledError)):  # cancelled while queued, broken once handed over
        call.result(timeout=5)


def test_the_text_process_is_wanted_as_set_else_with_a_core_to_spare() -> None:
    assert cpu.wants_text_process(True) and not cpu.wants_text_process(False)
    assert cpu.wants_text_process(None) == (cpu.cores() > 1)


def test_the_warm_up_samples_are_in_their_languages_and_go_the_whole_way(settings_playbook) -> None:
    """Each sample must reach the prompt and the guard (a do-not-engage one would stop at the rules)."""
    for language, rating, review, reply in SAMPLES:
        assert detect_language(review).code == language and detect_language(reply).code == language, review
        assert classify_rules(review, rating, settings_playbook).action != Action.do_not_engage, review


async def test_ctrl_c_is_left_to_the_batch_the_text_process_ignores_it(text_process) -> None:
    """Ctrl-C reaches the whole process group; an idle text process printed a KeyboardInterrupt traceback."""
    pid, _ = await cpu.run_cpu(pid_and_name)
    os.kill(pid, signal.SIGINT)
    time.sleep(0.3)
    assert (await cpu.run_cpu(pid_and_name))[0] == pid, "still there, same process"
