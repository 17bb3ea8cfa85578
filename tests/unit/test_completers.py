"""The model seam's layers (assistant/llm/completers.py): each alone, and composed the way bulk work composes
them — rate limits around every attempt, on the model thread, retries and the call log on the caller's loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx2
import openai
import pytest

from assistant.errors import LLMUnavailable
from assistant.llm import LLM
from assistant.llm.completers import Completion, GarbledAnswer, retry_after
from assistant.llm.model_thread import OnModelThread
from assistant.llm.scripted import ScriptedCompleter
from assistant.processing.rate_limits import RateLimited, RateLimiter
from assistant.processing.stand_in import default_responder

REVIEW = [{"role": "user", "content": "<<<REVIEW n1\nКурьер опоздал на два часа, суп остыл.\nREVIEW n1>>>"}]
QUOTED = "«Курьер опоздал на два часа»"  # the stand-in answers in Russian, quoting the review
SCHEMA = {
    "type": "object",
    "properties": {"action": {"enum": ["apologize", "thank"]}, "severity": {"type": "integer", "minimum": 1}},
    "required": ["action", "severity"],
}


def too_many_requests(seconds: str | None = "0.01") -> openai.RateLimitError:
    headers = {"retry-after": seconds} if seconds is not None else {}
    request = httpx2.Request("POST", "http://model.test/v1/chat/completions")
    return openai.RateLimitError(
        "slow down", response=httpx2.Response(429, headers=headers, request=request), body=None
    )


class Scripted(ScriptedCompleter):
    """The in-process scripted model, raising `failures` first, noting the thread of every attempt."""

    def __init__(self, *failures: BaseException):
        super().__init__(default_responder)
        self.failures = list(failures)
        self.threads: list[str] = []
        self.closed_on: str | None = None

    async def complete(self, messages, **params):
        self.threads.append(threading.current_thread().name)
        if self.failures:
            raise self.failures.pop(0)
        return await super().complete(messages, **params)

    async def close(self):
        self.closed_on = threading.current_thread().name


class NotedLimiter(RateLimiter):
    """A limiter noting the thread of every acquisition."""

    def __init__(self, **limits):
        super().__init__(**limits)
        self.acquired: list[str] = []

    async def acquire(self, tokens: int = 0) -> None:
        self.acquired.append(threading.current_thread().name)
        await super().acquire(tokens)


async def test_scripted_completer_answers_in_the_reviews_language_and_fits_the_schema():
    model = ScriptedCompleter(default_responder)
    llm = LLM(model, "scripted")
    reply = await llm.chat("draft", REVIEW, max_tokens=120)
    answer = await llm.chat_json("classify", REVIEW, schema=SCHEMA)
    assert QUOTED in reply.text and reply.tokens_in > 0 and reply.attempts == 1, "a Russian reply naming the review"
    assert answer == {"action": "apologize", "severity": 1}
    assert [body["max_tokens"] for body in model.requests] == [120, 300], "every request is kept, with its parameters"
    assert model.requests[1]["response_format"]["json_schema"]["schema"] == SCHEMA
    assert [call.template for call in llm.call_log.calls] == ["draft", "classify"]


async def test_a_responder_answers_from_the_request_body():
    llm = LLM(ScriptedCompleter(lambda body: json.dumps(body["messages"][-1]["content"][-8:])), "echo")
    assert (await llm.chat("draft", REVIEW)).text == json.dumps("REVIEW n1>>>"[-8:])


def test_retry_after_reads_both_headers():
    assert retry_after(too_many_requests("2")) == 2.0
    request = httpx2.Request("POST", "http://model.test/v1/chat/completions")
    ms = httpx2.Response(429, headers={"retry-after-ms": "250"}, request=request)
    assert retry_after(openai.RateLimitError("slow", response=ms, body=None)) == 0.25
    assert retry_after(too_many_requests(None)) is None and retry_after(too_many_requests("soon")) is None
    assert retry_after(ValueError("no response")) is None


async def test_rate_limited_repeats_a_429_after_pausing_everyone_without_spending_a_retry():
    model = Scripted(too_many_requests("0.05"))
    limiter = NotedLimiter(concurrency=1)
    llm = LLM(RateLimited(model, limiter, max_wait=1.0), "scripted", max_attempts=1)
    started = time.monotonic()
    reply = await llm.chat("draft", REVIEW)
    assert QUOTED in reply.text and reply.attempts == 1, "the 429 was repeated by the limiter, not retried"
    assert limiter.throttled == 1 and time.monotonic() - started >= 0.05, "the Retry-After was waited"
    assert len(model.threads) == 2 and len(limiter.acquired) == 2, "the repeat waited for the limits again"


async def test_rate_limited_gives_up_after_max_throttled_and_caps_the_pause():
    model = Scripted(*(too_many_requests("60") for _ in range(3)))
    limiter = RateLimiter()
    llm = LLM(RateLimited(model, limiter, max_wait=0.01, max_throttled=2), "scripted", max_attempts=1)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable):
        await llm.chat("draft", REVIEW)
    assert limiter.throttled == 3 and len(model.threads) == 3
    assert time.monotonic() - started < 5, "a Retry-After of 60 s waited max_wait"


async def test_bulk_layers_limit_every_attempt_on_the_model_thread():
    """OnModelThread(RateLimited(model)): what assistant/runtime.py builds for workers and batch runs."""
    model = Scripted(GarbledAnswer("no choices"), openai.APIConnectionError(request=httpx2.Request("POST", "http://m")))
    limiter = NotedLimiter(concurrency=1)
    llm = LLM(OnModelThread(RateLimited(model, limiter)), "scripted", max_attempts=3, base_wait=0.0)
    caller = threading.current_thread().name
    reply = await llm.chat("draft", REVIEW, review_id=7)
    assert reply.attempts == 3 and QUOTED in reply.text
    assert limiter.acquired == ["model-requests"] * 3, "each retry of the seam passed the limits, on the thread"
    assert model.threads == ["model-requests"] * 3
    assert [(c.review_id, c.attempts, c.error) for c in llm.call_log.calls] == [(7, 3, None)], "logged once"
    assert caller != "model-requests"
    await llm.close()
    assert model.closed_on == "model-requests", "the inner completer is closed on its own loop"
    await llm.close()  # twice is harmless


async def test_the_model_thread_carries_a_cancellation_over():
    started = asyncio.Event()

    class Slow(ScriptedCompleter):
        cancelled = False

        async def complete(self, messages, **params):
            self.loop_started.call_soon_threadsafe(started.set)
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                Slow.cancelled = True
                raise
            return Completion("")

    slow = Slow(default_responder)
    slow.loop_started = asyncio.get_running_loop()
    layer = OnModelThread(slow)
    try:
        call = asyncio.create_task(layer.complete(REVIEW))
        await asyncio.wait_for(started.wait(), 5)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await layer.run(asyncio.sleep(0.05))
        assert Slow.cancelled, "the request on the model loop was cancelled with its caller"
    finally:
        await layer.close()
