"""Cost before spending: tokens and money for a batch, estimated without calling the model (`--dry-run`).

The prompts counted are the real ones: a sample of the file's reviews goes through the real `Pipeline` in a
throwaway SQLite database (`build_runtime(..., "estimate")`), against the in-process scripted model
(`assistant/llm/scripted.py`: JSON that fits the schema, a plain reply in the review's language), never the
network. That measures how many calls a review costs and how many prompt tokens (tiktoken cl100k) they take as
a function of the review's own length; the estimate applies that line to every review the run would process. Output tokens can't be known before a model writes them:
"expected" uses the stand-in's answers, "ceiling" each call's `max_tokens`.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.batch.importer import Survey, survey
from assistant.batch.prices import PRICES
from assistant.batch.reader import Row, read_rows
from assistant.db.engine import create_engine, session_factory
from assistant.db.migrate import upgrade
from assistant.domain.reviews.service import ReviewService
from assistant.llm import MemoryCallLog
from assistant.llm.scripted import ScriptedCompleter
from assistant.runtime import build_runtime
from assistant.settings import Settings
from assistant.text.tokens import count_tokens

if TYPE_CHECKING:
    from assistant.batch.run import BatchOptions

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


async def profile_pipeline(rows: Sequence[Row], settings: Settings) -> Profile:
    """Run `rows` through the real pipeline in a scratch database and measure what each review costs."""
    if not rows:
        return Profile(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    samples: list[tuple[int, int, int, int, int]] = []  # text tokens, calls, tokens in, out, out ceiling
    with tempfile.TemporaryDirectory(prefix="assistant-estimate-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'estimate.db'}"
        await asyncio.to_thread(upgrade, url)
        runtime = build_runtime(settings.model_copy(update={"database_url": url}), "estimate")
        try:
            model, log = runtime.llm.completer, runtime.call_log  # the stand-in's requests, the seam's calls
            assert isinstance(model, ScriptedCompleter) and isinstance(log, MemoryCallLog), "the estimate mode's"
            calls = log.calls
            for row in rows:
                async with runtime.sessions() as session:
                    review, _ = await ReviewService(session).ingest(row.review, row.key)
                asked, logged = len(model.requests), len(calls)
                await runtime.pipeline.process(review.id)
                mine = calls[logged:]
                samples.append(
                    (
                        count_tokens(row.review.text),
                        len(mine),
                        sum(c.tokens_in for c in mine),
                        sum(c.tokens_out for c in mine),
                        sum(int(body.get("max_tokens") or 0) for body in model.requests[asked:]),
                    )
                )
        finally:
            await runtime.close()
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


@dataclass
class DryRun:
    survey: Survey
    profile: Profile
    estimate: Estimate
    model: str
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)


async def dry_run(options: BatchOptions, settings: Settings) -> DryRun:
    """Counts, duplicates and the token/cost estimate, without writing reviews or calling the model."""
    engine = create_engine(settings.resolved_database_url)
    sampler = Sampler()
    try:
        surveyed = await survey(read_rows(options.path, options.read), session_factory(engine), on_row=sampler.add)
    finally:
        await engine.dispose()
    profile = await profile_pipeline(sampler.rows, settings)
    model = settings.model_name
    prices = dict(PRICES)
    if options.price:
        prices[model] = options.price
    return DryRun(surveyed, profile, extrapolate(profile, sampler.count, sampler.text_tokens), model, prices)
