"""Step 2 of a batch: the file's reviews through `Pipeline.process`, in this process or on the queue's workers.

The reviews arrive through a `WorkFeed` while the file is still being imported, so the model is busy from the
first stored rows instead of after the last one. In-process, `concurrency` tasks share one pipeline (and the
rate-limited LLM); on the queue, each review is enqueued once (keyed by its id) and progress is read back from
the database, the source of truth either way. A review that fails is tried again at the end of the run while
it has attempts left (`max_attempts` counts every pass through the pipeline, across runs), so a passing outage
costs a retry, not a review.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col

from assistant.db.models import LLMCall, Review, ReviewStatus, utcnow
from assistant.domain.reviews.service import ReviewService
from assistant.processing.saq_queue import enqueue_review

if TYPE_CHECKING:  # types only: a batch on the queue never builds a pipeline here (see saq_queue.py)
    from assistant.llm.client import CallLog, CallRecord
    from assistant.processing.pipeline import Pipeline

TERMINAL = (ReviewStatus.pending_approval, ReviewStatus.approved, ReviewStatus.rejected, ReviewStatus.failed)
CHUNK = 500
CLAIM_GROUP = 16  # reviews claimed per statement in-process
CLOSING = 64  # pending reviews at which a queued run polls faster
WATCHED = CHUNK  # pending reviews a poll reads: the first enqueued, which the workers take first
FULL_POLL_EVERY = 40  # polls between reads of every pending review (one finished out of turn is seen within ~10 s)
TOKENS_EVERY = 8  # polls between refreshes of the token count the progress shows
CALL_LOG_DELAY = 0.5  # > BufferedCallLog's interval (0.25 s) and its write: the run's last calls are counted
RETRY_DELAY = 2.0  # seconds before a failed review's job runs again
# Ids stored but not yet taken, at most: 3.5 s of work at C = 16 and L = 0.1 s. The import stores a group of rows
# per round trip (assistant/batch/importer.py), so it keeps ahead of the pipeline beside it in the same interpreter
# (row by row, each round trip waited behind the pipeline's work: 2,000 rows took 43 s instead of 3 s on
# PostgreSQL). With room for 4,096 it stored a whole 2,000-row file in the run's first ~2 s, on the event loop and
# (SQLite) the one connection the first reviews' claims and reads waited for: the model's 16 slots stood idle
# 3-4 slot-seconds in each half second after the first request instead of 0.2-1.2 (cold in-process command on
# SQLite, alternating: 17.43 / 17.58 / 17.24 s → 17.00 / 16.80 / 16.50 s in three pairs, 17.47 → 18.63 s in one
# taken in a slow spell of the VM; PostgreSQL, two pairs: the same).
FEED_BOUND = 512
OnDone = Callable[[int, str], None]


class WorkFeed:
    """Review ids handed from the import to processing as each row is stored, in file order. Bounded, so a
    reader far ahead of the model waits instead of piling up ids; `close` says the import is over."""

    def __init__(self, bound: int = FEED_BOUND):
        self.bound = bound
        self._ids: deque[int] = deque()
        self._closed = False
        self._changed = asyncio.Condition()

    async def put(self, review_id: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._ids) < self.bound)
            self._ids.append(review_id)
            self._changed.notify_all()

    async def close(self) -> None:
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    async def take(self, most: int, least: int | None = None) -> list[int]:
        """Up to `most` ids, waiting until `least` (default: `most`) are in or for the end of the import; [] once
        it is over and all were taken. Waiting for a whole group keeps claims at one statement per group."""
        wanted = min(most if least is None else least, most, self.bound)
        async with self._changed:
            await self._changed.wait_for(lambda: self._closed or len(self._ids) >= wanted)
            taken = [self._ids.popleft() for _ in range(min(most, len(self._ids)))]
            self._changed.notify_all()
        return taken

    async def has_work(self) -> bool:
        """Whether any id comes: waits for the first one or the end of the import."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._closed or bool(self._ids))
            return bool(self._ids)

    async def __aiter__(self) -> AsyncIterator[int]:
        """Every id as soon as it is stored (the queue's jobs are enqueued one by one: a group gains nothing)."""
        while taken := await self.take(CHUNK, least=1):
            for review_id in taken:
                yield review_id


class CountingCallLog:
    """Passes every call record on, counting calls and tokens for the progress bar and the summary."""

    def __init__(self, inner: CallLog):
        self.inner = inner
        self.calls = 0
        self.tokens_in = 0
        self.tokens_out = 0

    async def record(self, call: CallRecord) -> None:
        self.calls += 1
        self.tokens_in += call.tokens_in
        self.tokens_out += call.tokens_out
        await self.inner.record(call)

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out


@dataclass
class ProcessResult:
    statuses: Counter[str] = field(default_factory=Counter)
    failed: dict[int, str] = field(default_factory=dict)  # review id → error
    retried: int = 0
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0


async def _retry_if_allowed(sessions: async_sessionmaker, review_id: int, max_attempts: int) -> tuple[bool, str]:
    """Reset a failed review to `received` when it has attempts left; else (False, its error)."""
    async with sessions() as session:
        service = ReviewService(session)
        review = await service.get(review_id)
        if review.status != ReviewStatus.failed:
            return True, ""
        if review.attempts >= max_attempts:
            return False, review.error or "failed"
        await service.retry(review_id)
        return True, ""


async def process_local(
    work: WorkFeed,
    pipeline: Pipeline,
    *,
    concurrency: int,
    max_attempts: int,
    calls: CountingCallLog | None = None,
    on_done: OnDone | None = None,
) -> ProcessResult:
    """`concurrency` tasks take claimed reviews from a shared buffer; whoever finds it empty claims the next
    `CLAIM_GROUP` ids (retries first, then the feed's) in one statement (a claimed review that a killed run never
    finished stays claimable). The pipeline warms up (language models, dictionaries) while the first ids come."""
    result = ProcessResult()
    started = time.perf_counter()

    async def warm_up() -> None:
        if await work.has_work():  # a run with nothing left to do doesn't pay for it
            await pipeline.warm_up()

    retries, claimed = deque[int](), deque[Row]()
    refill = asyncio.Lock()

    async def settle(review_id: int, status: str) -> None:
        if status == ReviewStatus.failed:
            again, error = await _retry_if_allowed(pipeline.sessions, review_id, max_attempts)
            if again:
                result.retried += 1
                retries.append(review_id)
                return
            result.failed[review_id] = error
        result.statuses[str(status)] += 1
        if on_done:
            on_done(review_id, str(status))

    async def next_group() -> list[int]:
        if retries:
            return [retries.popleft() for _ in range(min(CLAIM_GROUP, len(retries)))]
        return await work.take(CLAIM_GROUP)

    async def next_review() -> Row | None:
        while not claimed:
            async with refill:
                if claimed:
                    continue
                group = sorted(await next_group())  # one lock order
                if not group:
                    return None
                outcome = await pipeline.claim(group)
                claimed.extend(outcome.reviews)
                for review_id, status in outcome.others.items():
                    await settle(review_id, status)
        return claimed.popleft()

    async def drain() -> None:
        while (review := await next_review()) is not None:
            await settle(review.id, await pipeline.process_claimed(review))

    await asyncio.gather(warm_up(), *(drain() for _ in range(max(1, concurrency))))
    result.seconds = time.perf_counter() - started
    if calls:
        result.calls, result.tokens_in, result.tokens_out = calls.calls, calls.tokens_in, calls.tokens_out
    return result


async def process_queued(
    work: WorkFeed,
    queue: object,
    sessions: async_sessionmaker,
    *,
    job_timeout: int,
    max_attempts: int,
    poll: float = 0.25,
    on_done: OnDone | None = None,
    on_tokens: Callable[[int, int, int], None] | None = None,
) -> ProcessResult:
    """Enqueue every id as the import hands it over (once: jobs are keyed by review), then wait for the workers,
    polling the database: every `poll` seconds, and four times as often once the last few dozen are pending, when
    the query is cheap and the end of the run should be noticed at once. A poll reads the first `WATCHED` pending
    reviews in queue order, and only those that finished; every `FULL_POLL_EVERY` polls it reads them all (reading
    every pending id each time cost 24 ms of CPU a poll at 2,000 reviews and 0.34 s at 100,000). The progress's
    token count adds up the calls of reviews that finished a refresh earlier (their calls are logged by then);
    the result's count is read once at the end, over every review."""

    async def enqueue(review_id: int, delay: float = 0.0) -> None:
        await enqueue_review(queue, review_id, timeout=job_timeout, delay=delay)  # type: ignore[arg-type]

    result = ProcessResult()
    started = time.perf_counter()
    since = utcnow()
    ids: list[int] = []
    async for review_id in work:
        await enqueue(review_id)
        ids.append(review_id)
    pending = set(ids)
    ahead = 0  # ids[:ahead] are all finished: where the next watched window starts
    finished: list[int] = []  # since the last token refresh
    settled: list[int] = []  # finished before the last token refresh: their calls are logged
    spent = (0, 0, 0)
    rounds = 0
    while pending:
        await asyncio.sleep(poll if len(pending) > CLOSING else poll / 4)
        rounds += 1
        while ahead < len(ids) and ids[ahead] not in pending:
            ahead += 1
        if rounds % FULL_POLL_EVERY == 0 or len(pending) <= WATCHED:
            watched = sorted(pending)
        else:
            watched = [i for i in ids[ahead : ahead + 4 * WATCHED] if i in pending][:WATCHED]
        for review_id, status, attempts, error in await _finished(sessions, watched):
            if status == ReviewStatus.failed and attempts < max_attempts:
                again, _ = await _retry_if_allowed(sessions, review_id, max_attempts)
                if again:
                    result.retried += 1
                    await enqueue(review_id, delay=RETRY_DELAY)
                    continue
            if status == ReviewStatus.failed:
                result.failed[review_id] = error or "failed"
            pending.discard(review_id)
            finished.append(review_id)
            result.statuses[status] += 1
            if on_done:
                on_done(review_id, status)
        if on_tokens and rounds % TOKENS_EVERY == 0:
            more = await _usage(sessions, settled, since) if settled else (0, 0, 0)
            spent = (spent[0] + more[0], spent[1] + more[1], spent[2] + more[2])
            settled, finished = finished, []
            on_tokens(*spent)
    result.seconds = time.perf_counter() - started
    await asyncio.sleep(CALL_LOG_DELAY)  # workers write call records in groups (processing/buffered_call_log.py)
    result.calls, result.tokens_in, result.tokens_out = await _usage(sessions, ids, since)
    if on_tokens:
        on_tokens(result.calls, result.tokens_in, result.tokens_out)
    return result


async def _finished(sessions: async_sessionmaker, ids: Sequence[int]) -> list[tuple[int, str, int, str | None]]:
    """(id, status, attempts, error) of those of `ids` whose review has reached a final state."""
    rows: list[tuple[int, str, int, str | None]] = []
    async with sessions() as session:
        for start in range(0, len(ids), CHUNK):
            query = select(Review.id, Review.status, Review.attempts, Review.error).where(
                Review.id.in_(ids[start : start + CHUNK]), col(Review.status).in_(TERMINAL)
            )
            rows.extend(tuple(r) for r in (await session.execute(query)).all())
    return rows


async def _usage(sessions: async_sessionmaker, ids: Sequence[int], since: datetime) -> tuple[int, int, int]:
    """LLM calls and tokens spent on these reviews since the run started (the workers logged them)."""
    calls = tokens_in = tokens_out = 0
    async with sessions() as session:
        for start in range(0, len(ids), CHUNK):
            query = select(
                func.count(LLMCall.id),
                func.coalesce(func.sum(LLMCall.tokens_in), 0),
                func.coalesce(func.sum(LLMCall.tokens_out), 0),
            ).where(LLMCall.review_id.in_(ids[start : start + CHUNK]), LLMCall.created_at >= since)
            row = (await session.execute(query)).one()
            calls, tokens_in, tokens_out = calls + row[0], tokens_in + int(row[1]), tokens_out + int(row[2])
    return calls, tokens_in, tokens_out
