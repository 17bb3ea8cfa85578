"""The pipeline a review goes through after ingest: classify → draft (+ guard) → `pending_approval`.

It is idempotent per review: a review already drafted is not drafted again, so a worker that dies
mid-way and a job delivered twice never produce two drafts. A failure keeps the review with status
`failed` and the error; `retry` sends it through again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import (Classification, Draft, DraftStatus, DraftVersion, Event, Review, ReviewStatus,
                                 utcnow)
from assistant.domain.classification.service import ClassificationResult, classify_review, warm_up
from assistant.domain.drafting.service import DraftOutcome, draft_reply
from assistant.llm import LLM
from assistant.playbooks import Action, PlaybookRegistry

log = logging.getLogger(__name__)
RECENT_REPLIES = 50
ACTIVE = (ReviewStatus.received, ReviewStatus.processing)
BULK_RECENT_REPLIES_TTL = 15.0  # seconds; batch runs and queue workers
_NO_SYNC = {"synchronize_session": False}  # nothing of these rows is loaded in the session
_CLAIM = (update(Review).where(Review.id == bindparam("review_id"), Review.status.in_(ACTIVE))
          .values(status=ReviewStatus.processing, attempts=Review.attempts + 1, updated_at=bindparam("now"))
          .returning(Review).execution_options(**_NO_SYNC))
_SET_STATUS = (update(Review).where(Review.id == bindparam("review_id"))
               .values(status=bindparam("status"), error=bindparam("error"), updated_at=bindparam("now"))
               .execution_options(**_NO_SYNC))
_DELETE_CLASSIFICATION = (delete(Classification).where(Classification.review_id == bindparam("review_id"))
                          .execution_options(**_NO_SYNC))
_INSERT_DRAFT = insert(Draft).returning(Draft.id)


@dataclass
class Pipeline:
    """`recent_replies_ttl` > 0 reuses a business's recent approved replies (the variety check's reference) for
    that many seconds: batch runs and workers draft thousands of reviews a minute, and an approval made in the
    last few seconds changes little about "do not repeat yourself"."""

    sessions: async_sessionmaker
    llm: LLM
    playbooks: PlaybookRegistry
    recent_replies_ttl: float = 0.0
    _warm: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _ready: bool = field(default=False, repr=False)
    _recent: dict[str, tuple[float, list[str]]] = field(default_factory=dict, repr=False)

    async def warm_up(self) -> None:
        """Load the classifier's language models and dictionaries (seconds) in a thread, once, so the
        event loop keeps serving requests meanwhile."""
        if self._ready:
            return
        async with self._warm:
            if not self._ready:
                await asyncio.to_thread(warm_up)
                self._ready = True

    async def process(self, review_id: int) -> str:
        """Run one review through; returns its final status. Never raises for a review's own failure.
        Two transactions on the way: the claim and the result (a review has a draft only once it is stored
        whole, so a claimable review has none; a concurrent processor's draft wins in `_finish`)."""
        await self.warm_up()
        async with self.sessions() as session:
            review = (await session.execute(_CLAIM, {"review_id": review_id, "now": utcnow()})).scalar_one_or_none()
            await session.commit()
            if review is None:
                status = (await session.execute(select(Review.status).where(Review.id == review_id))).scalar()
                return status or "missing"
        try:
            await self._run(review)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the review, none is lost
            log.warning("review %s failed: %s", review_id, exc)
            await self._set_status(review_id, ReviewStatus.failed, f"{type(exc).__name__}: {exc}"[:4000])
            return ReviewStatus.failed
        return ReviewStatus.pending_approval

    async def _run(self, review: Review) -> None:
        playbook = self.playbooks.for_business(review.business)
        result = await classify_review(review.text, review.rating, playbook, self.llm, review_id=review.id)
        if result.action == Action.do_not_engage:
            outcome = None
        else:
            outcome = await draft_reply(
                review_text=review.text, rating=review.rating, platform=review.source, language=result.language,
                action=Action(result.action), topics=list(result.topics), playbook=playbook, llm=self.llm,
                review_id=review.id, recent_replies=await self.recent_replies(review.business))
        await self._finish(review.id, result, outcome)

    async def recent_replies(self, business: str) -> list[str]:
        now = time.monotonic()
        cached = self._recent.get(business)
        if cached and now - cached[0] < self.recent_replies_ttl:
            return cached[1]
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft.text).join(Review, Review.id == Draft.review_id)
                .where(Review.business == business, Draft.status == DraftStatus.approved)
                .order_by(Draft.decided_at.desc()).limit(RECENT_REPLIES))
            replies = [text for text in rows.scalars().all() if text]
        if self.recent_replies_ttl > 0:
            self._recent[business] = (now, replies)
        return replies

    async def _finish(self, review_id: int, result: ClassificationResult, outcome: DraftOutcome | None) -> None:
        """Classification, draft, its first version, the event and the status, in one transaction. When another
        processor of the same review stored its draft first (unique review_id + kind), theirs stands."""
        if outcome is None:
            flags = [f"do_not_engage:{result.dne_kind or 'unspecified'}"]
            text, issues, overlap, attempts = "", [{"code": "do_not_engage", "detail": str(result.dne_kind or "")}], 0.0, 0
        else:
            issues = [{"code": i.code, "detail": i.detail} for i in outcome.guard.issues]
            flags = sorted({i["code"] for i in issues})
            text, overlap, attempts = outcome.text, outcome.guard.overlap, outcome.attempts
        if result.needs_human:
            flags.append("needs_human")
        try:
            await self._store(review_id, result, flags, text, issues, overlap, attempts)
        except IntegrityError:  # a concurrent processor of the same review stored its result first: theirs stands
            async with self.sessions() as session:
                theirs = (await session.execute(select(Draft.id).where(
                    Draft.review_id == review_id, Draft.kind == "reply"))).first()
            if theirs is None:
                raise
            await self._set_status(review_id, ReviewStatus.pending_approval, None)

    async def _store(self, review_id: int, result: ClassificationResult, flags: list[str], text: str,
                     issues: list[dict[str, str]], overlap: float, attempts: int) -> None:
        now = utcnow()  # fixed Core statements with parameters: compiled once, cheap to run thousands a minute
        async with self.sessions() as session:
            await session.execute(_DELETE_CLASSIFICATION, {"review_id": review_id})
            await session.execute(insert(Classification), {
                "review_id": review_id, "action": str(result.action), "language": result.language,
                "topics": list(result.topics), "severity": result.severity, "fixable": result.fixable,
                "confidence": result.confidence, "reasons": list(result.reasons),
                "dne_kind": str(result.dne_kind) if result.dne_kind else None, "method": result.method,
                "needs_human": result.needs_human, "created_at": now})
            draft_id = (await session.execute(_INSERT_DRAFT, {
                "review_id": review_id, "kind": "reply", "status": DraftStatus.pending, "version": 1, "text": text,
                "flagged": bool(flags), "flags": flags, "created_at": now, "updated_at": now})).scalar_one()
            await session.execute(insert(DraftVersion), {
                "draft_id": draft_id, "version": 1, "text": text, "origin": "llm", "author": "assistant",
                "guard_ok": not flags, "guard_issues": issues, "overlap": overlap, "attempts": attempts,
                "created_at": now})
            await session.execute(insert(Event), {
                "review_id": review_id, "draft_id": draft_id, "actor": "assistant", "action": "drafted",
                "detail": {"action": str(result.action), "flags": flags}, "created_at": now})
            await session.execute(_SET_STATUS, {"review_id": review_id, "status": ReviewStatus.pending_approval,
                                                "error": None, "now": now})
            await session.commit()

    async def _set_status(self, review_id: int, status: str, error: str | None) -> None:
        async with self.sessions() as session:
            await session.execute(_SET_STATUS, {"review_id": review_id, "status": status, "error": error,
                                                "now": utcnow()})
            await session.commit()
