"""Step 1 of a batch: store the file's rows through `ReviewService.ingest_many`, and decide what still needs work.

Rows are stored in groups of up to `IMPORT_GROUP` (the first ones smaller), one lookup and one commit each
(`ReviewService.ingest_many`), so a run killed mid-import loses at most the group it had not yet committed (none of
which was reported stored) and a re-run replays the committed rows as "existing". A stored row that needs work is
handed to processing (a `WorkFeed`) as its group commits, so drafting starts while the rest of the file is read.
`survey` answers the same questions for `--dry-run` without writing anything: how many rows are new, duplicated in
the file or already in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.batch.reader import BadRow, Filtered, Item, Row
from assistant.db.models import Review, ReviewStatus
from assistant.domain.reviews.service import ReviewService
from assistant.errors import AssistantError
from assistant.processing.bulk import WorkFeed

NEEDS_WORK = (ReviewStatus.received, ReviewStatus.processing)
LOOKUP_CHUNK = 500
IMPORT_GROUP = 250  # new rows stored per transaction: a short wait before the first ids flow, few round trips
FIRST_GROUP = 16  # the first group is this small, each next one twice the last: the model starts after 16 rows


@dataclass(frozen=True)
class Failure:
    line: int
    reason: str
    review_id: int | None = None


@dataclass
class ImportResult:
    rows: int = 0  # records read (good, bad and filtered)
    created: int = 0
    existing: int = 0  # already in the database before this run
    duplicates: int = 0  # repeated within the file
    filtered: int = 0  # left out by --min-rating / --max-rating / --since
    finished: int = 0  # already drafted, approved or rejected: skipped
    retried: int = 0  # failed earlier, reset to be tried again
    failures: list[Failure] = field(default_factory=list)
    work: list[int] = field(default_factory=list)  # review ids to process, in file order
    lines: dict[int, int] = field(default_factory=dict)  # review id → line, for the work ids

    @property
    def skipped(self) -> int:
        return self.duplicates + self.filtered + self.finished


async def import_rows(
    items: Iterable[Item],
    sessions: async_sessionmaker,
    feed: WorkFeed,
    *,
    max_attempts: int,
    on_item: Callable[[Item, str], None] | None = None,
) -> ImportResult:
    """Ingest every good row, handing the ids that need work to `feed` as each group is stored (and closing it
    at the end, whatever happens); `on_item(item, outcome)` hears each record's fate, in file order:
    stored | failed | skipped."""
    result = ImportResult()
    seen: set[str] = set()
    group: list[tuple[Item, bool]] = []  # every record since the last store (and whether it is a row to store)
    rows, size = 0, min(FIRST_GROUP, IMPORT_GROUP)
    try:
        for item in items:
            first = isinstance(item, Row) and item.identity not in seen  # a repeat within the file is skipped
            if first and isinstance(item, Row):
                seen.add(item.identity)
                rows += 1
            group.append((item, first))
            if rows == size:
                await _store(group, sessions, feed, result, max_attempts, on_item)
                group, rows, size = [], 0, min(2 * size, IMPORT_GROUP)
        await _store(group, sessions, feed, result, max_attempts, on_item)
    finally:
        await feed.close()
    return result


async def _store(
    group: Sequence[tuple[Item, bool]],
    sessions: async_sessionmaker,
    feed: WorkFeed,
    result: ImportResult,
    max_attempts: int,
    on_item: Callable[[Item, str], None] | None,
) -> None:
    """One transaction for a group's rows (`ReviewService.ingest_many`), then each record's outcome in order. The
    session is closed before the ids go to the feed, which may wait for processing: no transaction waits with it."""
    rows = [item for item, first in group if first and isinstance(item, Row)]
    settled: list[tuple[Item, str, int | None]] = []  # record, outcome, review id to process
    async with sessions() as session:
        service = ReviewService(session)
        stored = await service.ingest_many([(row.review, row.key) for row in rows]) if rows else []
        outcomes = {id(row): outcome for row, outcome in zip(rows, stored, strict=True)}
        for item, _ in group:
            result.rows += 1
            if isinstance(item, BadRow):
                result.failures.append(Failure(item.line, item.reason))
                outcome = "failed"
            elif isinstance(item, Filtered):
                result.filtered += 1
                outcome = "skipped"
            elif id(item) not in outcomes:
                result.duplicates += 1
                outcome = "skipped"
            else:
                outcome = await _settle(service, item, outcomes[id(item)], result, max_attempts)
            settled.append((item, outcome, result.work[-1] if outcome == "stored" else None))
    for item, outcome, review_id in settled:
        if review_id is not None:
            await feed.put(review_id)
        if on_item:
            on_item(item, outcome)


async def _settle(
    service: ReviewService,
    row: Row,
    outcome: tuple[Review, bool] | AssistantError,
    result: ImportResult,
    max_attempts: int,
) -> str:
    """What a stored (or refused) row means for this run: processed, skipped as finished, or a failure."""
    if isinstance(outcome, AssistantError):
        result.failures.append(
            Failure(row.line, f"{outcome.title.lower()}: {outcome.detail}", outcome.extra.get("review_id"))
        )
        return "failed"
    review, created = outcome
    result.created += created
    result.existing += not created
    status, review_id = review.status, review.id
    assert review_id is not None, "a stored review has an id"
    if status == ReviewStatus.failed:
        if review.attempts >= max_attempts:
            result.failures.append(
                Failure(row.line, f"gave up after {review.attempts} attempts: {review.error}", review_id)
            )
            return "failed"
        await service.retry(review_id)
        result.retried += 1
        status = ReviewStatus.received
    if status in NEEDS_WORK:
        result.work.append(review_id)
        result.lines[review_id] = row.line
        return "stored"
    result.finished += 1
    return "skipped"


@dataclass
class Survey:
    """What an import would do, without writing: for `--dry-run`."""

    rows: int = 0
    new: int = 0
    existing: int = 0
    existing_pending: int = 0  # in the database but not drafted yet: a run would process them
    duplicates: int = 0
    filtered: int = 0
    bad: list[Failure] = field(default_factory=list)


async def survey(
    items: Iterable[Item], sessions: async_sessionmaker, *, on_row: Callable[[Row], None] | None = None
) -> Survey:
    """Count rows by fate; `on_row` sees every row a real run would process (new or not drafted yet)."""
    result = Survey()
    seen: set[str] = set()
    chunk: list[Row] = []

    async def flush() -> None:
        found = await _lookup(sessions, chunk)
        for row in chunk:
            status = found.get(row.identity)
            pending = status in (*NEEDS_WORK, ReviewStatus.failed)
            result.new += status is None
            result.existing += status is not None
            result.existing_pending += pending
            if on_row and (status is None or pending):
                on_row(row)
        chunk.clear()

    for item in items:
        result.rows += 1
        if isinstance(item, BadRow):
            result.bad.append(Failure(item.line, item.reason))
        elif isinstance(item, Filtered):
            result.filtered += 1
        elif item.identity in seen:
            result.duplicates += 1
        else:
            seen.add(item.identity)
            chunk.append(item)
            if len(chunk) >= LOOKUP_CHUNK:
                await flush()
    await flush()
    return result


async def _lookup(sessions: async_sessionmaker, rows: Sequence[Row]) -> dict[str, str]:
    """identity → status of the rows already stored (by source + id, or by idempotency key)."""
    if not rows:
        return {}
    source = rows[0].review.source  # one file, one source
    by_id = [r.review.external_id for r in rows if r.review.external_id]
    by_key = [r.key for r in rows if r.key]
    found: dict[str, str] = {}
    async with sessions() as session:
        if by_id:
            query = select(Review.external_id, Review.status).where(
                Review.source == source, Review.external_id.in_(by_id)
            )
            found.update((f"id:{ext}", status) for ext, status in (await session.execute(query)).all())
        if by_key:
            query = select(Review.idempotency_key, Review.status).where(Review.idempotency_key.in_(by_key))
            found.update((f"key:{key}", status) for key, status in (await session.execute(query)).all())
    return found
