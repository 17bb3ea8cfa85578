"""The model seam's one per-attempt call, as composable layers (in the style of httpx transports).

A `Completer` turns chat messages into an answer (`Completion`: its text, and the tokens the server counted), once:
`LLM` (client.py) owns what happens around a call — retries, token counts, the call log — and calls
`completer.complete(...)` per attempt. Whatever should apply to every attempt wraps a completer in another one,
so the order of layers is written where they are composed (`assistant/runtime.py`):

- `OpenAICompleter`: the SDK call to any OpenAI-compatible server (or the embedded one);
- `RateLimited(inner, limiter)` (`assistant/processing/rate_limits.py`): shared request/token limits, 429 pauses;
- `OnModelThread(inner)` (`model_thread.py`): bulk work's requests on an event loop of their own;
- `ScriptedCompleter` (`scripted.py`): answers in-process, never calling a model (the offline estimator, scripted
  evals, tests).

A completer raises the SDK's errors (`openai.APIError` subclasses) or `GarbledAnswer`; `LLM` decides which are
retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import openai
from openai.types.chat import ChatCompletion


@dataclass(frozen=True)
class Completion:
    """One answer: its text and, where the server reported its `usage`, the tokens the model itself counted
    (None: not reported, `LLM` counts them with tiktoken's cl100k, an estimate for any other tokenizer)."""

    text: str
    tokens_in: int | None = None
    tokens_out: int | None = None


class Completer(Protocol):
    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        """One attempt: the answer, or an exception."""
        ...

    async def close(self) -> None:
        """Release what the completer holds (HTTP client, thread); layers close their inner completer."""
        ...


class GarbledAnswer(Exception):
    """The server answered 200 but not with a usable completion (bad JSON body, no choices): worth a retry."""


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds a 429/503 asks the caller to wait (`retry-after-ms` or `retry-after`), or None."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(float(value) * scale, 0.0)
            except ValueError:
                return None
    return None


class OpenAICompleter:
    """One chat completion through the `openai` SDK; the client's own retries are off (`LLM` retries).

    It posts with `client.post`, the SDK's documented way to any endpoint: same request building, headers,
    errors and `ChatCompletion` parsing as `chat.completions.create`, without its type-driven walk over the
    request body first, which changes nothing in plain JSON messages and costs 0.4 ms of CPU per call (1.4 →
    1.0 ms, measured against a local server) — a batch's process is CPU-bound at ~150 calls a second."""

    def __init__(self, client: openai.AsyncOpenAI, model: str):
        self.client = client
        self.model = model

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        body = {"model": self.model, "messages": messages, **params}
        try:
            response = await self.client.post("/chat/completions", cast_to=ChatCompletion, body=body)
        except ValueError as exc:  # a 200 whose body is not JSON
            raise GarbledAnswer(f"invalid response body: {exc}") from exc
        if not isinstance(response, ChatCompletion):
            raise GarbledAnswer(f"not a chat completion: {str(response)[:200]!r}")
        if not response.choices or response.choices[0].message is None:
            raise GarbledAnswer("the answer had no choices")
        text, usage = response.choices[0].message.content or "", response.usage
        if usage is None or usage.prompt_tokens <= 0:  # not reported (some servers send zeros instead)
            return Completion(text)
        return Completion(text, usage.prompt_tokens, usage.completion_tokens)

    async def close(self) -> None:
        await self.client.close()
