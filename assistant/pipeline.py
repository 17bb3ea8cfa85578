"""The pipeline a review goes through after ingest: classify → draft (+ guard) → `pending_approval`.

It is idempotent per review: a review already drafted is not drafted again, so a worker that dies
mid-way and a job delivered twice never produce two drafts. A failure keeps the review with status
`failed` and the error; `retry` sends it through again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
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


@dataclass
class Pipeline:
    sessions: async_sessionmaker
    llm: LLM
    playbooks: PlaybookRegistry
    _warm: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _ready: bool = field(default=False, repr=False)

    async def warm_up(self) -> None:
        """Load the classifier's language models and dictionaries (seconds) in a thread, once, so the
        event loop keeps serving requests meanwhile."""
        async with self._warm:
            if not self._ready:
                await asyncio.to_thread(warm_up)
                self._ready = True

    async def process(self, review_id: int) -> str:
        """Run one review through; returns its final status. Never raises for a review's own failure."""
        await self.warm_up()
        async with self.sessions() as session:
            claimed = await session.execute(
                update(Review).where(Review.id == review_id, Review.status.in_(ACTIVE))
                .values(status=ReviewStatus.processing, attempts=Review.attempts + 1, updated_at=utcnow()))
            await session.commit()
            review = await session.get(Review, review_id)
            if review is None or claimed.rowcount == 0:
                return review.status if review else "missing"
        try:
            await self._run(review)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the review, none is lost
            log.warning("review %s failed: %s", review_id, exc)
            await self._set_status(review_id, ReviewStatus.failed, f"{type(exc).__name__}: {exc}"[:4000])
            return ReviewStatus.failed
        await self._set_status(review_id, ReviewStatus.pending_approval, None)
        return ReviewStatus.pending_approval

    async def _run(self, review: Review) -> None:
        playbook = self.playbooks.for_business(review.business)
        async with self.sessions() as session:
            if (await session.execute(select(Draft.id).where(Draft.review_id == review.id, Draft.kind == "reply"))).first():
                return  # drafted by an earlier delivery of this job
        result = await classify_review(review.text, review.rating, playbook, self.llm, review_id=review.id)
        await self._store_classification(review.id, result)
        if result.action == Action.do_not_engage:
            outcome = None
        else:
            outcome = await draft_reply(
                review_text=review.text, rating=review.rating, platform=review.source, language=result.language,
                action=Action(result.action), topics=list(result.topics), playbook=playbook, llm=self.llm,
                review_id=review.id, recent_replies=await self.recent_replies(review.business))
        await self._store_draft(review.id, result, outcome)

    async def recent_replies(self, business: str) -> list[str]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft.text).join(Review, Review.id == Draft.review_id)
                .where(Review.business == business, Draft.status == DraftStatus.approved)
                .order_by(Draft.decided_at.desc()).limit(RECENT_REPLIES))
            return [text for text in rows.scalars().all() if text]

    async def _store_classification(self, review_id: int, result: ClassificationResult) -> None:
        async with self.sessions() as session:
            await session.execute(delete(Classification).where(Classification.review_id == review_id))
            session.add(Classification(
                review_id=review_id, action=str(result.action), language=result.language, topics=list(result.topics),
                severity=result.severity, fixable=result.fixable, confidence=result.confidence,
                reasons=list(result.reasons), dne_kind=str(result.dne_kind) if result.dne_kind else None,
                method=result.method, needs_human=result.needs_human))
            try:
                await session.commit()
            except IntegrityError:  # a concurrent processor of the same review stored it first
                await session.rollback()

    async def _store_draft(self, review_id: int, result: ClassificationResult, outcome: DraftOutcome | None) -> None:
        if outcome is None:
            flags = [f"do_not_engage:{result.dne_kind or 'unspecified'}"]
            text, issues, overlap, attempts = "", [{"code": "do_not_engage", "detail": str(result.dne_kind or "")}], 0.0, 0
        else:
            issues = [{"code": i.code, "detail": i.detail} for i in outcome.guard.issues]
            flags = sorted({i["code"] for i in issues})
            text, overlap, attempts = outcome.text, outcome.guard.overlap, outcome.attempts
        if result.needs_human:
            flags.append("needs_human")
        async with self.sessions() as session:
            draft = Draft(review_id=review_id, text=text, flagged=bool(flags), flags=flags)
            if not await self._insert_draft_once(session, draft):
                return
            session.add(DraftVersion(draft_id=draft.id, version=1, text=text, origin="llm", guard_ok=not flags,
                                     guard_issues=issues, overlap=overlap, attempts=attempts))
            session.add(Event(review_id=review_id, draft_id=draft.id, actor="assistant", action="drafted",
                              detail={"action": str(result.action), "flags": flags}))
            await session.commit()

    async def _insert_draft_once(self, session, draft: Draft) -> bool:
        """Add the review's reply draft; False when another processor already did (unique review_id+kind)."""
        session.add(draft)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return False
        return True

    async def _set_status(self, review_id: int, status: str, error: str | None) -> None:
        async with self.sessions() as session:
            await session.execute(update(Review).where(Review.id == review_id)
                                  .values(status=status, error=error, updated_at=utcnow()))
            await session.commit()
