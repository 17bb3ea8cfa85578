"""A shared limit on model calls: requests and tokens per minute, requests at once, and a common pause after a 429.

Providers limit both requests and tokens per minute. `aiolimiter` (a small, well-kept leaky bucket) meters
both; every attempt of every call — including the LLM seam's own tenacity retries — passes through it, since
`RateLimited` is a completer (`assistant/llm/completers.py`): a layer around the seam's per-attempt call. A 429
means "slow down", not "broken": its Retry-After pauses *all* callers sharing the limiter, and the attempt is
repeated here (up to `max_throttled` times) instead of spending the seam's small retry budget meant for real
failures.

The limiter is per process: with several `assistant worker` processes, give each its share of the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

import openai
from aiolimiter import AsyncLimiter

from assistant.llm.completers import Completer, Completion, retry_after
from assistant.text.tokens import count_message_tokens

DEFAULT_BACKOFF = 1.0
# Reviews in flight per model request allowed at once: while some reviews wait for the model, others are
# classified, guarded and stored, so the model's slots never wait for this process.
REVIEWS_PER_MODEL_SLOT = 3
_PART = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(k|m)?\s*(rpm|tpm)?\s*$", re.IGNORECASE)


def parse_rate_limit(spec: str) -> tuple[float | None, float | None]:
    """`"500"`, `"500,200k"`, `"200000tpm"`, `"60rpm, 1m tpm"` → (requests/min, tokens/min); 0 = no limit."""
    requests: float | None = None
    tokens: float | None = None
    for index, part in enumerate(p for p in spec.split(",") if p.strip()):
        match = _PART.match(part)
        if not match:
            raise ValueError(f"can't read rate limit {part.strip()!r}: use RPM[,TPM], e.g. 500,200k")
        value = float(match.group(1)) * {"k": 1e3, "m": 1e6}.get((match.group(2) or "").lower(), 1)
        unit = (match.group(3) or ("rpm" if index == 0 else "tpm")).lower()
        if unit == "rpm":
            requests = value or None
        else:
            tokens = value or None
    return requests, tokens


class RateLimiter:
    """Requests and tokens per minute, plus `concurrency`: model requests in flight at once (the load a batch
    puts on the model server; the pipeline keeps more reviews than that in flight so that their classification,
    guard and database work overlaps the model calls of others)."""

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        concurrency: int | None = None,
    ):
        self.requests = AsyncLimiter(requests_per_minute, 60) if requests_per_minute else None
        self.tokens = AsyncLimiter(tokens_per_minute, 60) if tokens_per_minute else None
        self.slots = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()
        self._resume_at = 0.0
        self.throttled = 0  # 429 answers seen

    @property
    def counts_tokens(self) -> bool:
        return self.tokens is not None

    async def acquire(self, tokens: int = 0) -> None:
        while (delay := self._resume_at - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        if self.requests is not None:
            await self.requests.acquire()
        if self.tokens is not None and tokens > 0:
            await self.tokens.acquire(min(float(tokens), self.tokens.max_rate))

    def back_off(self, seconds: float) -> None:
        """Everyone sharing this limiter waits `seconds` from now (a 429's Retry-After)."""
        resume = time.monotonic() + seconds
        if resume > self._resume_at:
            self._resume_at = resume
        self.throttled += 1


class RateLimited:
    """A completer sending every attempt of `inner` through `limiter`; 429s pause everyone and are repeated here,
    each pause at most `max_wait` seconds."""

    def __init__(self, inner: Completer, limiter: RateLimiter, *, max_wait: float = 30.0, max_throttled: int = 8):
        self.inner = inner
        self.limiter = limiter
        self.max_wait = max_wait
        self.max_throttled = max_throttled

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        limiter = self.limiter
        cost = count_message_tokens(messages) + int(params.get("max_tokens") or 0) if limiter.counts_tokens else 0
        for attempt in range(self.max_throttled + 1):
            await limiter.acquire(cost)
            try:
                async with limiter.slots:
                    return await self.inner.complete(messages, **params)
            except openai.RateLimitError as exc:
                hinted = retry_after(exc)
                limiter.back_off(min(hinted if hinted is not None else DEFAULT_BACKOFF * 2**attempt, self.max_wait))
                if attempt == self.max_throttled:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.inner.close()
