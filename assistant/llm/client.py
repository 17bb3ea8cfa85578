"""The one seam to language models: every call goes through `LLM.chat` / `LLM.chat_json`.

Each attempt is one `completer.complete(...)` (completers.py: the SDK call to any OpenAI-compatible server or
the embedded one, possibly wrapped in rate limits and a thread of its own). Around it, `LLM` retries with
tenacity on 429 (honouring Retry-After), 5xx, timeouts, connection errors and garbled answers within a
bounded budget, takes each call's tokens from the server's count (its `usage`; else counts them with
tiktoken), and logs every call — prompt, response, tokens, latency, error — through a `CallLog`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import jsonschema
import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from assistant.errors import LLMBadOutput, LLMError, LLMUnavailable
from assistant.llm.completers import Completer, Completion, GarbledAnswer, retry_after
from assistant.text.tokens import count_message_tokens, count_tokens


@dataclass(frozen=True)
class LLMReply:
    text: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_ms: int
    attempts: int


@dataclass(frozen=True)
class CallRecord:
    template: str
    model: str
    messages: list[dict[str, Any]]
    response: str | None
    tokens_in: int
    tokens_out: int
    latency_ms: int
    attempts: int
    error: str | None
    review_id: int | None


class CallLog(Protocol):
    async def record(self, call: CallRecord) -> None: ...


class MemoryCallLog:
    """Keeps calls in a list: for eval runs and batch dry runs that have no database."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)


def _tokens(answer: Completion | None, messages: list[dict[str, Any]]) -> tuple[int, int]:
    """(prompt, answer) tokens: the server's own count, else tiktoken's (a failed call: the prompt's). Counting here
    needs tiktoken's table (0.2 s to load) in this process, where bulk work builds no prompt."""
    if answer is not None and answer.tokens_in is not None:
        return answer.tokens_in, answer.tokens_out or 0
    return count_message_tokens(messages), count_tokens(answer.text if answer else "")


def _retryable(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.APIResponseValidationError,
            GarbledAnswer,
        ),
    ) or (isinstance(exc, openai.APIStatusError) and exc.status_code >= 500)


class LLM:
    def __init__(
        self,
        completer: Completer,
        model: str,
        *,
        call_log: CallLog | None = None,
        max_attempts: int = 4,
        max_retry_wait: float = 30.0,
        base_wait: float = 0.5,
        context_tokens: int = 8192,
        draft_seconds: float | None = None,
        warning: str | None = None,
    ):
        self.completer = completer
        self.model = model
        self.context_tokens = context_tokens  # prompts are trimmed to fit (drafting reads this)
        self.draft_seconds = draft_seconds  # read by drafting: past it, the reply is composed from the playbook
        self.warning = warning  # shown by /health: the tiny default drafts
        self.call_log = call_log or MemoryCallLog()
        self.max_attempts = max_attempts
        self.max_retry_wait = max_retry_wait
        self.base_wait = base_wait

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after(exc)
        if hinted is None:
            hinted = self.base_wait * 2 ** (state.attempt_number - 1)
        return min(hinted, self.max_retry_wait)

    async def chat(
        self,
        template: str,
        messages: list[dict[str, Any]],
        *,
        review_id: int | None = None,
        max_tokens: int = 400,
        temperature: float = 0.7,
        **params: Any,
    ) -> LLMReply:
        """One completion, retried within the budget, logged whatever happens."""
        started = time.perf_counter()
        attempts, answer, error = 0, None, None
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.max_attempts),
                wait=self._wait,
                retry=retry_if_exception(_retryable),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    answer = await self.completer.complete(
                        messages, max_tokens=max_tokens, temperature=temperature, **params
                    )
        except GarbledAnswer as exc:
            error = f"bad output: {exc}"
            raise LLMBadOutput(str(exc), attempts=attempts) from exc
        except openai.APIError as exc:
            error = f"{type(exc).__name__}: {exc}"
            if _retryable(exc):
                raise LLMUnavailable(f"model unavailable after {attempts} attempts: {exc}", attempts=attempts) from exc
            raise LLMError(error, attempts=attempts) from exc
        finally:
            latency_ms = int((time.perf_counter() - started) * 1000)
            text = answer.text if answer else None
            tokens_in, tokens_out = _tokens(answer, messages)
            await self.call_log.record(
                CallRecord(
                    template=template,
                    model=self.model,
                    messages=messages,
                    response=text,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    latency_ms=latency_ms,
                    attempts=attempts,
                    error=error,
                    review_id=review_id,
                )
            )
        return LLMReply(
            text=text or "",
            model=self.model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_ms=latency_ms,
            attempts=attempts,
        )

    async def close(self) -> None:
        """Close the completer (its HTTP client, its thread): in the event loop that made the calls."""
        await self.completer.close()

    async def chat_json(
        self,
        template: str,
        messages: list[dict[str, Any]],
        *,
        schema: dict[str, Any],
        review_id: int | None = None,
        max_tokens: int = 300,
    ) -> dict[str, Any]:
        """A structured answer validated against `schema`; LLMBadOutput when it isn't one."""
        response_format = {"type": "json_schema", "json_schema": {"name": template, "schema": schema}}
        reply = await self.chat(
            template,
            messages,
            review_id=review_id,
            max_tokens=max_tokens,
            temperature=0.0,
            response_format=response_format,
        )
        return parse_json_answer(reply.text, schema)


_FENCE = re.compile(r"^\s*```(?:json)?\s*|(?<!\s)\s*```\s*$", re.IGNORECASE)  # one start per space run


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    """A checked validator per schema, built once (checking a schema costs more than validating an answer)."""
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def parse_json_answer(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    cleaned = _FENCE.sub("", text.strip())
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start == -1 or end < start:
        raise LLMBadOutput("the answer holds no JSON object", answer=text[:500])
    try:
        value = json.loads(cleaned[start : end + 1])
        error = jsonschema.exceptions.best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(value))
        if error is not None:
            raise error
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.message
        raise LLMBadOutput(f"invalid JSON answer: {message}", answer=text[:500]) from exc
    return value
