"""Bulk work sends model requests from a loop of their own (assistant/llm/own_loop.py), against the real SDK and
the scripted model server: answers, limits, 429 back-off, cancellation and shutdown all cross the thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from assistant.llm import build_llm
from assistant.llm.own_loop import ModelLoop
from assistant.processing.rate_limits import RateLimiter, throttle
from assistant.settings import Settings

MESSAGES = [{"role": "user", "content": "Курьер опоздал на два часа."}]


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
    llm = build_llm(settings)
    limiter = RateLimiter(concurrency=2)
    throttle(llm, limiter)
    threads: list[str] = []
    attempt = llm._complete

    async def noting_thread(messages, **params):
        threads.append(threading.current_thread().name)
        return await attempt(messages, **params)

    llm._complete = noting_thread  # type: ignore[method-assign]
    return llm, limiter, threads


async def test_requests_run_on_the_model_loop_within_the_limits(model_loop_llm, scripted_llm):
    llm, limiter, threads = model_loop_llm
    scripted_llm.latency = 0.05
    scripted_llm.fail(429, retry_after=0.05)
    model_loop = ModelLoop(llm)
    try:
        replies = await asyncio.gather(*(llm.chat("draft", MESSAGES, review_id=n) for n in range(8)))
    finally:
        await model_loop.close()
    assert all(reply.text for reply in replies)
    assert set(threads) == {"model-requests"}, threads
    assert scripted_llm.max_in_flight == 2, "the request slots hold on the model loop"
    assert limiter.throttled == 1 and scripted_llm.served == 9, "the 429 paused and was repeated there"
    assert len(llm.call_log.calls) == 8 and {c.review_id for c in llm.call_log.calls} == set(range(8))


async def test_cancelling_the_caller_cancels_the_request_and_close_stops_the_thread(model_loop_llm, scripted_llm):
    llm, _, _ = model_loop_llm
    scripted_llm.hang(3.0)
    model_loop = ModelLoop(llm)
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
        await model_loop.close()
    assert not model_loop._thread.is_alive() and model_loop.loop.is_closed()
    await model_loop.close()  # twice is harmless


async def _other_tasks() -> list[asyncio.Task]:
    await asyncio.sleep(0.05)  # let the cancellation land
    return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
