"""The approval queue: list drafts, and the decisions agents take on them.

Every change goes through a conditional UPDATE on (id, version, status): two agents acting on the same
draft can't both win; the loser gets a Conflict carrying the current text and version. Every decision
appends an audit `Event`. Edits and regenerations append a `DraftVersion`, so history is never lost.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import (Classification, Draft, DraftStatus, DraftVersion, Event, Review, ReviewStatus,
                                 utcnow)
from assistant.domain.drafting.guard import GuardResult, check_draft
from assistant.domain.drafting.service import draft_reply
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

    async def events(self, review_id: int) -> list[Event]:
        rows = await self.session.execute(select(Event).where(Event.review_id == review_id).order_by(Event.id))
        return list(rows.scalars().all())

