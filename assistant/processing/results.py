"""Storing what the pipeline made of a review: classification, draft, its first version, the audit event and
the new status, in one transaction, so a review has a draft only once all of it is stored.

The service stores each review as it finishes (`store_one`). Bulk work (batch runs, queue workers) finishes
a hundred reviews a second, where a transaction per review costs more CPU than the rest of the pipeline's
bookkeeping; `GroupWriter` gathers the results finished within a few tens of milliseconds and stores them with
one multi-row statement per table. Each caller still waits until its own result is committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import Classification, Draft, DraftStatus, DraftVersion, Event, Review, ReviewStatus, utcnow
from assistant.domain.classification.service import ClassificationResult
from assistant.domain.drafting.service import DraftOutcome

# Core statements on the tables: the ORM's bulk paths cost more CPU per row than the rest of the bookkeeping,
# and nothing written here is loaded in a session.
_REVIEWS, _DRAFTS = Review.__table__, Draft.__table__
_DELETE_CLASSIFICATIONS = delete(Classification.__table__).where(
    Classification.__table__.c.review_id.in_(bindparam("ids", expanding=True))
)
_INSERT_CLASSIFICATIONS = insert(Classification.__table__)
_INSERT_DRAFTS = insert(_DRAFTS).returning(_DRAFTS.c.id, _DRAFTS.c.review_id, sort_by_parameter_order=True)
_INSERT_VERSIONS = insert(DraftVersion.__table__)
_INSERT_EVENTS = insert(Event.__table__)
_MARK_DRAFTED = (
    update(_REVIEWS)
    .where(_REVIEWS.c.id.in_(bindparam("ids", expanding=True)))
    .values(status=ReviewStatus.pending_approval, error=None, updated_at=bindparam("now"))
)


@dataclass(frozen=True)
class ReviewResult:
    """One review's rows, ready to insert (timestamps and ids are added when stored)."""

    review_id: int
    classification: dict[str, Any]
    draft: dict[str, Any]  # text, flagged, flags
    version: dict[str, Any]  # text, guard_ok, guard_issues, overlap, attempts
    event: dict[str, Any]  # the "drafted" event's detail


def result_of(review_id: int, result: ClassificationResult, outcome: DraftOutcome | None) -> ReviewResult:
    """The rows for a classified review and its guarded draft (`None`: do not engage, an empty flagged draft)."""
    if outcome is None:
        flags = [f"do_not_engage:{result.dne_kind or 'unspecified'}"]
        text, issues, overlap, attempts = "", [{"code": "do_not_engage", "detail": str(result.dne_kind or "")}], 0.0, 0
    else:
        issues = [{"code": i.code, "detail": i.detail} for i in outcome.guard.issues]
        flags = sorted({i["code"] for i in issues})
        text, overlap, attempts = outcome.text, outcome.guard.overlap, outcome.attempts
    if result.needs_human:
        flags.append("needs_human")
    classification = {
        "action": str(result.action),
        "language": result.language,
        "topics": list(result.topics),
        "severity": result.severity,
        "fixable": result.fixable,
        "confidence": result.confidence,
        "reasons": list(result.reasons),
        "dne_kind": str(result.dne_kind) if result.dne_kind else None,
        "method": result.method,
        "needs_human": result.needs_human,
    }
    return ReviewResult(
        review_id=review_id,
        classification=classification,
        draft={"text": text, "flagged": bool(flags), "flags": flags},
        version={"text": text, "guard_ok": not flags, "guard_issues": issues, "overlap": overlap, "attempts": attempts},
        event={"action": str(result.action), "flags": flags},
    )


async def store_results(sessions: async_sessionmaker, results: list[ReviewResult]) -> None:
    """All of `results` in one transaction; IntegrityError when any review already has its draft."""
    now = utcnow()
    ids = [r.review_id for r in results]
    async with sessions() as session:
        await session.execute(_DELETE_CLASSIFICATIONS, {"ids": ids})
        await session.execute(
            _INSERT_CLASSIFICATIONS,
            [{**r.classification, "review_id": r.review_id, "created_at": now} for r in results],
        )
        drafted = await session.execute(
            _INSERT_DRAFTS,
            [
                {
                    **r.draft,
                    "review_id": r.review_id,
                    "kind": "reply",
                    "status": DraftStatus.pending,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in results
            ],
        )
        draft_ids = {review_id: draft_id for draft_id, review_id in drafted.all()}
        await session.execute(
            _INSERT_VERSIONS,
            [
                {
                    **r.version,
                    "draft_id": draft_ids[r.review_id],
                    "version": 1,
                    "origin": "llm",
                    "author": "assistant",
                    "created_at": now,
                }
                for r in results
            ],
        )
        await session.execute(
            _INSERT_EVENTS,
            [
                {
                    "review_id": r.review_id,
                    "draft_id": draft_ids[r.review_id],
                    "actor": "assistant",
                    "action": "drafted",
                    "detail": r.event,
                    "created_at": now,
                }
                for r in results
            ],
        )
        await session.execute(_MARK_DRAFTED, {"ids": ids, "now": now})
        await session.commit()


async def store_one(sessions: async_sessionmaker, result: ReviewResult) -> None:
    """Store one review's result; when a concurrent processor of the same review stored its own first
    (unique review_id + kind), theirs stands and the review is marked drafted."""
    try:
        await store_results(sessions, [result])
    except IntegrityError:
        async with sessions() as session:
            theirs = (
                await session.execute(
                    select(Draft.id).where(Draft.review_id == result.review_id, Draft.kind == "reply")
                )
            ).first()
            if theirs is None:
                raise
            await session.execute(_MARK_DRAFTED, {"ids": [result.review_id], "now": utcnow()})
            await session.commit()


class GroupWriter:
    """Stores results in groups: whatever arrived within `interval` seconds, at most `max_items` at once.
    A group that meets a conflict is stored again one result at a time, so one review never fails another."""

    def __init__(self, sessions: async_sessionmaker, *, interval: float = 0.05, max_items: int = 64):
        self.sessions = sessions
        self.interval = interval
        self.max_items = max_items
        self._pending: list[tuple[ReviewResult, asyncio.Future[None]]] = []
        self._timer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.groups = 0  # groups written (for benchmarks and tests)

    async def store(self, result: ReviewResult) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, future))
        if len(self._pending) >= self.max_items:
            group, self._pending = self._pending, []
            self._spawn(self._write(group))
        elif self._timer is None:
            self._timer = self._spawn(self._write_after(self.interval))
        await future

    def _spawn(self, work: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return task

    async def _write_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._timer = None
        group, self._pending = self._pending, []
        await self._write(group)

    async def _write(self, group: list[tuple[ReviewResult, asyncio.Future[None]]]) -> None:
        if not group:
            return
        self.groups += 1
        try:
            await store_results(self.sessions, [result for result, _ in group])
        except IntegrityError:
            for result, future in group:
                await self._settle(future, store_one(self.sessions, result))
            return
        except Exception as exc:
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        except asyncio.CancelledError:  # shutting down: nobody waits for a result that may not be stored
            for _, future in group:
                future.cancel()
            raise
        for _, future in group:
            if not future.done():
                future.set_result(None)

    @staticmethod
    async def _settle(future: asyncio.Future[None], work: Any) -> None:
        try:
            await work
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(None)

    async def close(self) -> None:
        """Write what is still waiting (nothing, when every caller awaited its `store`)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await asyncio.gather(*self._tasks, return_exceptions=True)
        group, self._pending = self._pending, []
        await self._write(group)
