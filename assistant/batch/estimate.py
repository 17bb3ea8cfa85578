"""Cost before spending: tokens and money for a batch, estimated without calling the model (`--dry-run`).

The prompts counted are the real ones: a sample of the file's reviews goes through the real `Pipeline` in a
throwaway SQLite database, against a stand-in model that answers like the scripted test server (JSON that
fits the schema, a plain reply in the review's language). That measures how many calls a review costs and how
many prompt tokens (tiktoken cl100k) they take as a function of the review's own length; the estimate applies
that line to every review the run would process. Output tokens can't be known before a model writes them:
"expected" uses the stand-in's answers, "ceiling" each call's `max_tokens`.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.batch.reader import Row
from assistant.llm.client import LLM, MemoryCallLog
from assistant.llm.tokens import count_tokens
from assistant.settings import Settings

# USD per 1M tokens (input, output): list prices, mid-2025. `--price IN/OUT` prices any other model.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o": (2.50, 10.00),
    "local model (Ollama, vLLM, embedded)": (0.0, 0.0),
}
SAMPLE_SIZE = 24


class Sampler:
    """A fixed-size uniform sample of a stream (reservoir sampling), plus the sums the estimate needs."""

    def __init__(self, size: int = SAMPLE_SIZE, seed: int = 0):
        self.size = size
        self.rows: list[Row] = []
        self.count = 0
        self.text_tokens = 0
        self._random = random.Random(seed)

    def add(self, row: Row) -> None:
        self.count += 1
        self.text_tokens += count_tokens(row.review.text)
        if len(self.rows) < self.size:
            self.rows.append(row)
        elif (slot := self._random.randrange(self.count)) < self.size:
            self.rows[slot] = row


@dataclass(frozen=True)
class Profile:
    """Per review, measured on the sample: calls, and prompt tokens ≈ base + per_text_token × review tokens."""

    sample: int
    calls: float
    base: float
    per_text_token: float
    out_expected: float
    out_ceiling: float


@dataclass(frozen=True)
class Estimate:
    reviews: int
    calls: int
    tokens_in: int
    tokens_out: int
    tokens_out_ceiling: int

    def cost(self, price: tuple[float, float]) -> tuple[float, float]:
        """(expected, ceiling) in USD."""
        rate_in, rate_out = price
        base = self.tokens_in * rate_in / 1e6
        return base + self.tokens_out * rate_out / 1e6, base + self.tokens_out_ceiling * rate_out / 1e6

    def minutes_at(self, requests_per_minute: float | None, tokens_per_minute: float | None) -> float | None:
        """The least time a rate limit allows for this many calls and tokens, or None with no limit."""
        bounds = []
        if requests_per_minute:
            bounds.append(self.calls / requests_per_minute)
        if tokens_per_minute:
            bounds.append((self.tokens_in + self.tokens_out) / tokens_per_minute)
        return max(bounds) if bounds else None


def extrapolate(profile: Profile, reviews: int, text_tokens: int) -> Estimate:
    return Estimate(
        reviews=reviews,
        calls=round(profile.calls * reviews),
        tokens_in=round(profile.base * reviews + profile.per_text_token * text_tokens),
        tokens_out=round(profile.out_expected * reviews),
        tokens_out_ceiling=round(profile.out_ceiling * reviews),
    )


class _StandIn(LLM):
    """The LLM seam with the scripted server's answers instead of a network call; records each max_tokens."""

    def __init__(self, context_tokens: int) -> None:
        super().__init__(
            client=None,
            model="stand-in",
            call_log=MemoryCallLog(),  # type: ignore[arg-type]
            max_attempts=1,
            context_tokens=context_tokens,
        )
        self.max_tokens: list[tuple[int | None, int]] = []
        self.current: int | None = None

    async def _complete(self, messages: list[dict[str, Any]], **params: Any) -> str:
        from assistant.testing.scripted_llm import default_responder

        self.max_tokens.append((self.current, int(params.get("max_tokens") or 0)))
        return default_responder({"messages": messages, "response_format": params.get("response_format")})


async def profile_pipeline(rows: Sequence[Row], settings: Settings) -> Profile:
    """Run `rows` through the real pipeline in a scratch database and measure what each review costs."""
    from assistant.db.engine import create_engine, session_factory
    from assistant.db.migrate import upgrade
    from assistant.domain.reviews.service import ReviewService
    from assistant.playbooks import PlaybookRegistry
    from assistant.processing.pipeline import Pipeline

    if not rows:
        return Profile(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    llm = _StandIn(settings.embedded_context if settings.llm_is_embedded else settings.llm_context_tokens)
    samples: list[tuple[int, int, int, int, int]] = []  # text tokens, calls, tokens in, out, out ceiling
    with tempfile.TemporaryDirectory(prefix="assistant-estimate-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'estimate.db'}"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            pipeline = Pipeline(sessions, llm, PlaybookRegistry.from_directory(settings.playbooks_dir))
            for row in rows:
                async with sessions() as session:
                    review, _ = await ReviewService(session).ingest(row.review, row.key)
                llm.current = review.id
                await pipeline.process(review.id)
                calls = [c for c in llm.call_log.calls if c.review_id == review.id]  # type: ignore[attr-defined]
                ceiling = sum(m for rid, m in llm.max_tokens if rid == review.id)
                samples.append(
                    (
                        count_tokens(row.review.text),
                        len(calls),
                        sum(c.tokens_in for c in calls),
                        sum(c.tokens_out for c in calls),
                        ceiling,
                    )
                )
        finally:
            await engine.dispose()
    return _fit(samples)


def _fit(samples: Sequence[tuple[int, int, int, int, int]]) -> Profile:
    """Least squares of prompt tokens on review tokens (a review's text appears in some of its prompts)."""
    n = len(samples)
    xs, ys = [s[0] for s in samples], [s[2] for s in samples]
    calls = sum(s[1] for s in samples) / n
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var_x = sum((x - mean_x) ** 2 for x in xs)
    if var_x > 0:
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var_x
        slope = min(max(slope, 0.0), 2 * calls + 2)
    else:
        slope = calls
    base = max(mean_y - slope * mean_x, 0.0)
    return Profile(
        sample=n,
        calls=calls,
        base=base,
        per_text_token=slope,
        out_expected=sum(s[3] for s in samples) / n,
        out_ceiling=sum(s[4] for s in samples) / n,
    )


def parse_price(spec: str) -> tuple[float, float]:
    """`"0.15/0.60"` (USD per 1M input / output tokens)."""
    try:
        rate_in, rate_out = (float(part) for part in spec.replace(",", "/").split("/"))
    except ValueError as exc:
        raise ValueError(f"can't read price {spec!r}: use IN/OUT in USD per 1M tokens, e.g. 0.15/0.60") from exc
    if rate_in < 0 or rate_out < 0:
        raise ValueError("prices can't be negative")
    return rate_in, rate_out
