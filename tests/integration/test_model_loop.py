"""Bulk work sends model requests from a loop of their own (`OnModelThread`, assistant/llm/model_thread.py), against
the real SDK and the scripted model server: answers, limits, 429 back-off, cancellation and shutdown all cross
the thread. The layers are composed as `assistant/runtime.py` composes them for bulk modes."""

from __future__ import annotations

import asyncio
import threading
import time
from functools import partial

import pytest

from assistant.llm import build_llm
from assistant.llm.model_thread import OnModelThread
from assistant.processing.rate_limits import RateLimited, RateLimiter
from assistant.settings import Settings

MESSAGES = [{"role": "user", "content": "Курьер опоздал на два часа."}]


class NotingThread:
    """A layer noting the thread each attempt runs on."""

    def __init__(self, inner, threads: list[str]):
        self.inner, self.threads = inner, threads

    async def complete(self, messages, **params):
        self.threads.append(threading.current_thread().name)
        return await self.inner.complete(messages, **params)

    async def close(self):
        await self.inner.close()


@pytest.fixture
def model_loop_llm(scripted_llm, tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/unused.db",
        data_dir=tmp_path,
        llm_base_url=scripted_llm.base_url,
        llm_model="scripted",
        llm_timeout=5.0,
        llm_max_attempts=3,
        llm_max_retry_wait=0.2,
    )
    limiter = RateLimiter(concurrency=2)
    threads: list[str] = []
    layers = [
        partial(RateLimited, limiter=limiter, max_wait=settings.llm_max_retry_wait),
        partial(NotingThread, threads=threads),
        OnModelThread,
    ]
    return build_llm(settings, layers=layers), limiter, threads


async def test_requests_run_on_the_model_loop_within_the_limits(model_loop_llm, scripted_llm):
    llm, limiter, threads = model_loop_llm
    scripted_llm.latency = 0.05
    scripted_llm.fail(429, retry_after=0.05)
    try:
        replies = await asyncio.gather(*(llm.chat("draft", MESSAGES, review_id=n) for n in range(8)))
    finally:
        await llm.close()
    assert all(reply.text for reply in replies)
    assert set(threads) == {"model-requests"}, threads
    assert scripted_llm.max_in_flight == 2, "the request slots hold on the model loop"
    calls = llm.call_log.calls
    assert limiter.throttled == 1, "the 429 paused everyone"
    # every request the server saw is an attempt of the seam or the 429's repeat, which spent none of the
    # seam's retries (on a loaded machine a request may time out: that one is an attempt, retried by the seam)
    assert sum(c.attempts for c in calls) + limiter.throttled == scripted_llm.served >= 9
    assert len(calls) == 8 and {c.review_id for c in calls} == set(range(8))


async def test_cancelling_the_caller_cancels_the_request_and_close_stops_the_thread(model_loop_llm, scripted_llm):
    llm, _, _ = model_loop_llm
    model_loop = llm.completer
    scripted_llm.hang(3.0)
    try:
        call = asyncio.create_task(llm.chat("draft", MESSAGES))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert time.monotonic() - started < 1.0
        pending = await model_loop.run(_other_tasks())
        assert pending == [], "the request on the model loop was cancelled too"
        assert (await llm.chat("draft", MESSAGES)).text, "the loop still serves the next call"
    finally:
        await llm.close()
    assert not model_loop._thread.is_alive() and model_loop.loop.is_closed()
    await llm.close()  # twice is harmless


async def _other_tasks() -> list[asyncio.Task]:
    await asyncio.sleep(0.05)  # let the cancellation land
    return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
