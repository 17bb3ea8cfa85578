"""The approval queue: list drafts, and the decisions agents take on them.

Every change goes through a conditional UPDATE on (id, version, status): two agents acting on the same
draft can't both win; the loser gets a Conflict carrying the current text and version. Every decision
appends an audit `Event`. Edits and regenerations append a `DraftVersion`, so history is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import (Classification, Draft, DraftStatus, DraftVersion, Event, Review, ReviewStatus,
                                 utcnow)
from assistant.domain.drafting.guard import GuardResult, check_draft
from assistant.domain.drafting.service import draft_reply
from assistant.domain.replies.followup import resolve_case
from assistant.domain.webhooks.service import enqueue_approval
from assistant.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from assistant.llm import LLM
from assistant.playbooks import Action, PlaybookRegistry

ORDERS = {"newest": Draft.created_at.desc(), "oldest": Draft.created_at.asc()}


class DraftService:
    def __init__(self, session: AsyncSession, playbooks: PlaybookRegistry, llm: LLM | None = None):
        self.session = session
        self.playbooks = playbooks
        self.llm = llm

    async def list(self, *, status: str | None, order: str, limit: int, offset: int) -> tuple[list[Draft], int]:
        query = select(Draft)
        if status:
            query = query.where(Draft.status == status)
        total = (await self.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = await self.session.execute(query.order_by(ORDERS[order], Draft.id).limit(limit).offset(offset))
        return list(rows.scalars().all()), total

    async def get(self, draft_id: int) -> Draft:
        draft = await self.session.get(Draft, draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id} not found")
        return draft

    async def versions(self, draft_id: int) -> list[DraftVersion]:
        rows = await self.session.execute(select(DraftVersion).where(DraftVersion.draft_id == draft_id)
                                          .order_by(DraftVersion.version))
        return list(rows.scalars().all())

    async def _context(self, draft: Draft) -> tuple[Review, Classification | None]:
        review = await self.session.get(Review, draft.review_id)
        classification = (await self.session.execute(
            select(Classification).where(Classification.review_id == draft.review_id))).scalars().first()
        return review, classification

    async def guard(self, draft: Draft, text: str) -> GuardResult:
        review, classification = await self._context(draft)
        action = Action(classification.action) if classification else Action.apologize
        return check_draft(text, review_text=review.text, language=classification.language if classification else "und",
                           action=action, playbook=self.playbooks.for_business(review.business), platform=review.source)

    async def _change(self, draft: Draft, expected_version: int | None, values: dict[str, Any]) -> None:
        """Apply `values` only if the draft is still pending at the version the agent saw."""
        draft_id = draft.id  # read before a rollback expires the object
        query = update(Draft).where(Draft.id == draft_id, Draft.status == DraftStatus.pending)
        if expected_version is not None:
            query = query.where(Draft.version == expected_version)
        result = await self.session.execute(query.values(updated_at=utcnow(), **values))
        if result.rowcount == 0:
            await self.session.rollback()
            current = await self._fresh(draft_id)
            if current.status != DraftStatus.pending:
                raise InvalidTransition(f"draft {draft_id} is already {current.status}", status=current.status)
            raise Conflict("the draft was changed by someone else; reload it and reapply your change",
                           current_version=current.version, current_text=current.text)

    async def _append_version(self, draft: Draft, text: str, *, origin: str, author: str, guard: GuardResult,
                              instruction: str | None = None, attempts: int = 0, expected: int | None = None) -> Draft:
        base = draft.version if expected is None else expected
        flags = sorted(set(guard.codes))
        await self._change(draft, base, {"version": base + 1, "text": text, "flagged": bool(flags), "flags": flags})
        self.session.add(DraftVersion(draft_id=draft.id, version=base + 1, text=text, origin=origin, author=author,
                                      instruction=instruction, guard_ok=guard.ok, overlap=guard.overlap,
                                      guard_issues=[{"code": i.code, "detail": i.detail} for i in guard.issues],
                                      attempts=attempts))
        self.session.add(Event(review_id=draft.review_id, draft_id=draft.id, actor=author, action=origin,
                               detail={"version": base + 1, "instruction": instruction, "flags": flags}))
        await self.session.commit()
        return await self._fresh(draft.id)

    async def _fresh(self, draft_id: int) -> Draft:
        draft = await self.get(draft_id)
        await self.session.refresh(draft)
        return draft

    async def edit(self, draft_id: int, *, text: str, version: int, actor: str) -> Draft:
        if "\x00" in text or not text.strip():
            raise InvalidInput("the draft text must be non-empty and contain no NUL bytes")
        draft = await self.get(draft_id)
        return await self._append_version(draft, text, origin="edit", author=actor, guard=await self.guard(draft, text),
                                          expected=version)

    async def regenerate(self, draft_id: int, *, actor: str, instruction: str | None = None) -> Draft:
        if self.llm is None:
            raise InvalidTransition("no language model is configured in this process")
        draft = await self.get(draft_id)
        if draft.status != DraftStatus.pending:
            raise InvalidTransition(f"draft {draft_id} is already {draft.status}")
        review, classification = await self._context(draft)
        seen_version = draft.version
        action = Action(classification.action) if classification else Action.apologize
        if action == Action.do_not_engage:
            action = Action.apologize  # an agent asked for a reply after all; the guard still checks it
        outcome = await draft_reply(
            review_text=review.text, rating=review.rating, platform=review.source,
            language=classification.language if classification else "und", action=action,
            topics=list(classification.topics) if classification else [],
            playbook=self.playbooks.for_business(review.business), llm=self.llm, review_id=review.id,
            kind=draft.kind, instruction=instruction)
        return await self._append_version(draft, outcome.text, origin="regenerate", author=actor, guard=outcome.guard,
                                          instruction=instruction, attempts=outcome.attempts, expected=seen_version)

    async def approve(self, draft_id: int, *, actor: str, version: int | None = None) -> Draft:
        draft = await self.get(draft_id)
        if draft.status == DraftStatus.pending and not draft.text.strip():
            raise InvalidTransition("this draft has no text to publish; write a reply first or reject it")
        now = utcnow()
        await self._change(draft, version, {"status": DraftStatus.approved, "decided_by": actor, "decided_at": now})
        await enqueue_approval(self.session, draft_id)  # the webhook outbox row commits with the approval
        await self._decide_review(draft, ReviewStatus.approved, actor, "approved", {"version": version or draft.version})
        return await self._fresh(draft_id)

    async def reject(self, draft_id: int, *, actor: str, reason: str, version: int | None = None) -> Draft:
        if not reason.strip() or "\x00" in reason:
            raise InvalidInput("a rejection needs a reason")
        draft = await self.get(draft_id)
        await self._change(draft, version, {"status": DraftStatus.rejected, "decided_by": actor,
                                            "decided_at": utcnow(), "reject_reason": reason})
        await self._decide_review(draft, ReviewStatus.rejected, actor, "rejected", {"reason": reason})
        return await self._fresh(draft_id)

    async def _decide_review(self, draft: Draft, status: str, actor: str, action: str, detail: dict[str, Any]) -> None:
        if draft.kind == "reply":
            await self.session.execute(update(Review).where(Review.id == draft.review_id)
                                       .values(status=status, updated_at=utcnow()))
        self.session.add(Event(review_id=draft.review_id, draft_id=draft.id, actor=actor, action=action, detail=detail))
        await self.session.commit()

    async def resolve(self, review_id: int, actor: str) -> Draft:
        """Mark the case resolved and queue a follow-up draft asking to update the rating (seed 002)."""
        return await resolve_case(self.session, self.playbooks, self.llm, review_id, actor)

    async def events(self, review_id: int) -> list[Event]:
        rows = await self.session.execute(select(Event).where(Event.review_id == review_id).order_by(Event.id))
        return list(rows.scalars().all())


    # -- claims and bulk decisions (the web queue) --------------------------------------------------
    async def claim(self, review_id: int, *, actor: str, minutes: int) -> Review:
        """Hold a review for `minutes` so others see who works on it; renewing your own claim is fine.

        Claims are advisory (decisions stay guarded by the draft version), but a claim held by someone else
        is a Conflict naming the holder, and bulk approval skips claimed reviews."""
        now = utcnow()
        until = now + timedelta(minutes=minutes)
        free = or_(Review.claimed_by.is_(None), Review.claimed_until.is_(None), Review.claimed_until < now,
                   Review.claimed_by == actor)
        result = await self.session.execute(update(Review).where(Review.id == review_id, free)
                                            .values(claimed_by=actor, claimed_until=until)
                                            .execution_options(synchronize_session=False))
        if result.rowcount == 0:
            await self.session.rollback()
            review = await self.session.get(Review, review_id)
            if review is None:
                raise NotFound(f"review {review_id} not found")
            await self.session.refresh(review)
            raise Conflict(f"review {review_id} is claimed by {review.claimed_by}", claimed_by=review.claimed_by,
                           claimed_until=review.claimed_until.isoformat() if review.claimed_until else None)
        self.session.add(Event(review_id=review_id, actor=actor, action="claimed",
                               detail={"until": until.isoformat(timespec="seconds")}))
        await self.session.commit()
        review = await self.session.get(Review, review_id)
        await self.session.refresh(review)
        return review

    async def release(self, review_id: int, *, actor: str) -> None:
        """Give a claim back (only its holder can; an expired claim needs no release)."""
        result = await self.session.execute(update(Review).where(Review.id == review_id, Review.claimed_by == actor)
                                            .values(claimed_by=None, claimed_until=None)
                                            .execution_options(synchronize_session=False))
        if result.rowcount:
            self.session.add(Event(review_id=review_id, actor=actor, action="released", detail={}))
        await self.session.commit()

    async def bulk_approve(self, ids: Sequence[int], actor: str) -> BulkResult:
        """Approve several drafts at once, but only those the guard passed: flagged drafts, empty ones,
        drafts no longer pending and reviews someone else has claimed are refused, each with a reason.
        Each approval goes through `approve` (same audit, same hooks) at the version seen here."""
        ids = list(dict.fromkeys(ids))
        if not ids or len(ids) > BULK_MAX:
            raise InvalidInput(f"bulk approval takes 1 to {BULK_MAX} draft ids")
        now = utcnow()
        rows = (await self.session.execute(
            select(Draft, Review.claimed_by, Review.claimed_until).join(Review, Review.id == Draft.review_id)
            .where(Draft.id.in_(ids)))).all()
        found = {draft.id: (draft, by, until) for draft, by, until in rows}
        result = BulkResult()
        for draft_id in ids:
            if draft_id not in found:
                result.refused.append((draft_id, "not found"))
                continue
            draft, claimed_by, claimed_until = found[draft_id]
            if claimed_until is not None and claimed_until.tzinfo is None:
                claimed_until = claimed_until.replace(tzinfo=UTC)  # SQLite hands back naive UTC
            if draft.status != DraftStatus.pending:
                reason = f"already {draft.status}"
            elif draft.flagged:
                reason = "flagged by the guard (" + ", ".join(draft.flags or ["flagged"]) + "); review it on its own"
            elif not draft.text.strip():
                reason = "no text to publish"
            elif claimed_by and claimed_by != actor and claimed_until and claimed_until > now:
                reason = f"claimed by {claimed_by}"
            else:
                try:
                    await self.approve(draft_id, actor=actor, version=draft.version)
                    result.approved.append(draft_id)
                    continue
                except (Conflict, InvalidTransition) as exc:
                    reason = exc.detail
            result.refused.append((draft_id, reason))
        return result


BULK_MAX = 500


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
