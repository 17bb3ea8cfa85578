"""The approval queue: list drafts, and the decisions agents take on them (the state machine is drawn in
`assistant/domain/queue/states.py`).

Every change goes through a conditional UPDATE on (id, version, status): two agents acting on the same
draft can't both win; the loser gets a Conflict carrying the current text and version. Every decision
appends an audit `Event`. Edits and regenerations append a `DraftVersion`, so history is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import (
    Classification,
    Draft,
    DraftKind,
    DraftStatus,
    DraftVersion,
    Review,
    ReviewStatus,
    WebhookDelivery,
    utcnow,
)
from assistant.db.timestamps import aware
from assistant.domain import drafts
from assistant.domain.drafting.guard import GuardResult, check_draft
from assistant.domain.queue import states
from assistant.domain.webhooks.service import enqueue_approval
from assistant.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from assistant.llm import LLM
from assistant.playbooks import Action, PlaybookRegistry


class DraftService:
    def __init__(self, session: AsyncSession, playbooks: PlaybookRegistry, llm: LLM | None = None):
        self.session = session
        self.playbooks = playbooks
        self.llm = llm

    async def get(self, draft_id: int) -> Draft:
        draft = await self.session.get(Draft, draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id} not found")
        return draft

    async def versions(self, draft_id: int) -> list[DraftVersion]:
        rows = await self.session.execute(
            select(DraftVersion).where(DraftVersion.draft_id == draft_id).order_by(DraftVersion.version)
        )
        return list(rows.scalars().all())

    async def _context(self, draft: Draft) -> tuple[Review, Classification | None]:
        review = await self.session.get(Review, draft.review_id)
        classification = (
            (await self.session.execute(select(Classification).where(Classification.review_id == draft.review_id)))
            .scalars()
            .first()
        )
        return review, classification

    async def guard(self, draft: Draft, text: str) -> GuardResult:
        review, classification = await self._context(draft)
        action = Action(classification.action) if classification else Action.apologize
        return check_draft(
            text,
            review_text=review.text,
            language=classification.language if classification else "und",
            action=action,
            playbook=self.playbooks.for_business(review.business),
            platform=review.source,
        )

    async def _change(
        self,
        draft: Draft,
        expected_version: int | None,
        values: dict[str, Any],
        allowed: tuple[str, ...] = (DraftStatus.pending,),
    ) -> None:
        """Apply `values` only if the draft is still in one of `allowed` states at the version the agent saw."""
        draft_id = draft.id  # read before a rollback expires the object
        if not await drafts.change(self.session, draft_id, values, allowed=allowed, version=expected_version):
            await self.session.rollback()
            current = await self._fresh(draft_id)
            if current.status not in allowed:
                raise InvalidTransition(f"draft {draft_id} is already {current.status}", status=current.status)
            raise Conflict(
                "the draft was changed by someone else; reload it and reapply your change",
                current_version=current.version,
                current_text=current.text,
            )

    async def _append_version(
        self,
        draft: Draft,
        text: str,
        *,
        origin: str,
        author: str,
        guard: GuardResult,
        instruction: str | None = None,
        attempts: int = 0,
        expected: int | None = None,
        extra_flags: tuple[str, ...] = (),
    ) -> Draft:
        base = draft.version if expected is None else expected
        _, classification = await self._context(draft)
        sticky = states.sticky_flags(draft.flags)
        if (
            classification is not None
            and (classification.action == Action.do_not_engage or classification.dne_kind)
            and not states.is_dne(sticky)
        ):
            sticky.append(f"{drafts.DNE_FLAG}:{classification.dne_kind or 'unspecified'}")
        flags = sorted(set(guard.codes) | set(sticky) | set(extra_flags))
        await self._change(
            draft,
            base,
            {"version": base + 1, "text": text, "flagged": bool(flags), "flags": flags},
            allowed=states.OPEN,
        )
        issues = drafts.issues_of(guard)
        issues += [
            {"code": f, "detail": "do-not-engage review: a public reply needs a person's explicit approval"}
            for f in flags
            if f not in guard.codes
        ]
        drafts.add_version(
            self.session,
            draft.id,
            base + 1,
            text,
            origin=origin,
            author=author,
            instruction=instruction,
            guard_ok=not flags,
            overlap=guard.overlap,
            guard_issues=issues,
            attempts=attempts,
        )
        drafts.record(
            self.session,
            draft.review_id,
            draft_id=draft.id,
            actor=author,
            action=origin,
            detail={"version": base + 1, "instruction": instruction, "flags": flags},
        )
        await self.session.commit()
        return await self._fresh(draft.id)

    async def _fresh(self, draft_id: int) -> Draft:
        draft = await self.get(draft_id)
        await self.session.refresh(draft)
        return draft

    @staticmethod
    def _needs_draft_anyway(draft: Draft) -> bool:
        return states.is_dne(draft.flags) and states.DRAFTED_ANYWAY not in (draft.flags or [])

    async def edit(self, draft_id: int, *, text: str, version: int, actor: str) -> Draft:
        if "\x00" in text or not text.strip():
            raise InvalidInput("the draft text must be non-empty and contain no NUL bytes")
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        if self._needs_draft_anyway(draft):
            raise InvalidTransition("this review is do-not-engage: a public reply takes 'draft anyway' with a reason")
        return await self._append_version(
            draft, text, origin="edit", author=actor, guard=await self.guard(draft, text), expected=version
        )

    async def regenerate(self, draft_id: int, *, actor: str, instruction: str | None = None) -> Draft:
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        if self._needs_draft_anyway(draft):
            raise InvalidTransition("this review is do-not-engage: a public reply takes 'draft anyway' with a reason")
        return await self._regenerate(draft, actor=actor, instruction=instruction)

    async def _regenerate(
        self, draft: Draft, *, actor: str, instruction: str | None, extra_flags: tuple[str, ...] = ()
    ) -> Draft:
        if self.llm is None:
            raise InvalidTransition("no language model is configured in this process")
        if draft.status not in states.OPEN:
            raise InvalidTransition(f"draft {draft.id} is already {draft.status}")
        review, classification = await self._context(draft)
        seen_version = draft.version
        outcome = await drafts.draft_for(
            review,
            classification,
            playbook=self.playbooks.for_business(review.business),
            llm=self.llm,
            kind=DraftKind(draft.kind),
            instruction=instruction,
            asked=True,  # a person asked for a reply, even to a do-not-engage review: the draft stays flagged
        )
        return await self._append_version(
            draft,
            outcome.text,
            origin="regenerate",
            author=actor,
            guard=outcome.guard,
            instruction=instruction,
            attempts=outcome.attempts,
            expected=seen_version,
            extra_flags=extra_flags,
        )

    async def draft_anyway(
        self, draft_id: int, *, actor: str, reason: str, text: str | None = None, version: int | None = None
    ) -> Draft:
        """A public reply for a do-not-engage review after all: the typed reason is audited and the draft keeps
        its do-not-engage flag (plus `drafted_anyway`), so it is never clean and never bulk-approved."""
        reason = _reason(reason, "'draft anyway' needs a reason")
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        if draft.status not in states.OPEN:
            raise InvalidTransition(f"draft {draft_id} is already {draft.status}", status=draft.status)
        drafts.record(
            self.session,
            draft.review_id,
            draft_id=draft.id,
            actor=actor,
            action="draft_anyway",
            detail={"reason": reason},
        )
        await self.session.commit()
        extra = (states.DRAFTED_ANYWAY,)
        if text is not None and text.strip():
            if "\x00" in text:
                raise InvalidInput("the draft text must contain no NUL bytes")
            return await self._append_version(
                draft,
                text,
                origin="edit",
                author=actor,
                guard=await self.guard(draft, text),
                expected=version,
                extra_flags=extra,
            )
        return await self._regenerate(draft, actor=actor, instruction=None, extra_flags=extra)

    async def approve(
        self,
        draft_id: int,
        *,
        actor: str,
        version: int | None = None,
        hold_seconds: float = 0.0,
        lead: bool = True,
        confirm: str | None = None,
    ) -> Draft:
        """`hold_seconds`: the webhook waits this long (the web UI's undo window); `lead`: may decide escalations;
        `confirm`: a flagged draft is approved only with its issues named (`states.confirmation`), by any path."""
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        self._check_escalation(draft, lead)
        if draft.status in states.OPEN and not draft.text.strip():
            raise InvalidTransition(
                "this draft has no text to publish; write a reply first, reject it or mark it handled"
            )
        if draft.status in states.OPEN and draft.flagged and confirm != states.confirmation(draft.flags):
            raise InvalidTransition(
                "the guard flagged this draft ("
                + ", ".join(draft.flags or ["flagged"])
                + "): approve it only if it is right despite them, by sending `confirm` naming these issues",
                issues=list(draft.flags or []),
                confirm=states.confirmation(draft.flags),
            )
        now = utcnow()
        await self._change(
            draft, version, {"status": states.APPROVED, "decided_by": actor, "decided_at": now}, allowed=states.OPEN
        )
        delivery = await enqueue_approval(self.session, draft_id)  # the outbox row commits with the approval
        if delivery is not None and hold_seconds > 0:
            delivery.next_attempt_at = now + timedelta(seconds=hold_seconds)
        await self._decide_review(
            draft,
            states.APPROVED,
            actor,
            "approved",
            {"version": version or draft.version, "undo_seconds": hold_seconds or None},
        )
        return await self._fresh(draft_id)

    async def reject(
        self, draft_id: int, *, actor: str, reason: str, version: int | None = None, lead: bool = True
    ) -> Draft:
        reason = _reason(reason, "a rejection needs a reason")
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        self._check_escalation(draft, lead)
        await self._change(
            draft,
            version,
            {"status": states.REJECTED, "decided_by": actor, "decided_at": utcnow(), "reject_reason": reason},
            allowed=states.OPEN,
        )
        await self._decide_review(draft, states.REJECTED, actor, "rejected", {"reason": reason})
        return await self._fresh(draft_id)

    async def handle(self, draft_id: int, *, actor: str, reason: str, lead: bool = True) -> Draft:
        """Handled without a public reply (do-not-engage: spam, extortion, …): who and why are kept."""
        reason = _reason(reason, "say why no public reply is needed")
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        self._check_escalation(draft, lead)
        await self._change(
            draft,
            None,
            {"status": states.HANDLED, "decided_by": actor, "decided_at": utcnow(), "reject_reason": reason},
            allowed=states.OPEN,
        )
        await self._decide_review(draft, states.HANDLED, actor, "handled", {"reason": reason})
        return await self._fresh(draft_id)

    async def escalate(self, draft_id: int, *, actor: str, role: str, note: str) -> Draft:
        if role not in states.ESCALATION_ROLES:
            raise InvalidInput(f"escalate to one of: {', '.join(states.ESCALATION_ROLES)}", field="role")
        note = _reason(note, "say what the person you escalate to should look at")
        draft = await self.get(draft_id)
        await self._check_claim(draft, actor)
        await self._change(draft, None, {"status": states.ESCALATED}, allowed=(states.PENDING,))
        await self._decide_review(draft, states.ESCALATED, actor, "escalated", {"to": role, "reason": note})
        return await self._fresh(draft_id)

    async def reopen(self, draft_id: int, *, actor: str, reason: str | None = None) -> Draft:
        """A rejected, handled or escalated draft back to pending (the same draft, its history kept)."""
        draft = await self.get(draft_id)
        allowed, _ = states.TRANSITIONS["reopen"]
        await self._change(
            draft,
            None,
            {"status": states.PENDING, "decided_by": None, "decided_at": None, "reject_reason": None},
            allowed=allowed,
        )
        await self._decide_review(
            draft, states.PENDING, actor, "reopened", {"from": draft.status, "reason": (reason or "").strip() or None}
        )
        return await self._fresh(draft_id)

    async def undo(self, draft_id: int, *, actor: str, window_seconds: float) -> Draft:
        """Take back an approval (or rejection / handling) made in the last `window_seconds`.

        An approval's webhook is held for the window (see `approve(hold_seconds=…)`): undo deletes the held
        outbox row with one conditional DELETE; a row the deliverer already claimed (its `next_attempt_at`
        pushed past the hold) is not touched, and the undo is refused: the reply has gone out."""
        draft = await self._fresh(draft_id)
        allowed, _ = states.TRANSITIONS["undo"]
        if draft.status not in allowed:
            raise InvalidTransition(
                f"draft {draft_id} is {draft.status}; there is nothing to undo", status=draft.status
            )
        now = utcnow()
        decided_at = aware(draft.decided_at)
        if decided_at is None or (now - decided_at).total_seconds() > window_seconds:
            raise InvalidTransition("too late to undo: the undo window has passed")
        if draft.status == states.APPROVED:
            hold_end = decided_at + timedelta(seconds=window_seconds + 1)
            rows = (
                await self.session.execute(
                    select(
                        WebhookDelivery.id,
                        WebhookDelivery.status,
                        WebhookDelivery.attempts,
                        WebhookDelivery.next_attempt_at,
                    ).where(WebhookDelivery.draft_id == draft_id)
                )
            ).all()
            for delivery_id, _status, _attempts, _due in rows:
                gone = await self.session.execute(
                    delete(WebhookDelivery).where(
                        WebhookDelivery.id == delivery_id,
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.attempts == 0,
                        WebhookDelivery.next_attempt_at > now,
                        WebhookDelivery.next_attempt_at <= hold_end,
                    )
                )
                if gone.rowcount == 0:
                    await self.session.rollback()
                    raise InvalidTransition("too late to undo: the approved reply has already been sent")
        await self._change(
            draft,
            None,
            {"status": states.PENDING, "decided_by": None, "decided_at": None, "reject_reason": None},
            allowed=(draft.status,),
        )
        await self._decide_review(draft, states.PENDING, actor, "undone", {"from": draft.status})
        return await self._fresh(draft_id)

    async def write_reply(self, review_id: int, *, actor: str, text: str) -> Draft:
        """ "Write the reply yourself" for a review that has no draft (the model failed): a pending draft, guarded."""
        if "\x00" in text or not text.strip():
            raise InvalidInput("write a reply first (it must not be empty)")
        review = await self.session.get(Review, review_id)
        if review is None:
            raise NotFound(f"review {review_id} not found")
        existing = (
            await self.session.execute(
                select(Draft.id).where(Draft.review_id == review_id, Draft.kind == DraftKind.reply)
            )
        ).scalar()
        if existing is not None:
            raise InvalidTransition(
                f"review {review_id} already has a draft (#{existing}); edit that one", draft_id=existing
            )
        if review.status in (ReviewStatus.received, ReviewStatus.processing):
            raise InvalidTransition(f"review {review_id} is being processed; wait for it or for its failure")
        draft = await drafts.new_draft(self.session, review_id, kind=DraftKind.reply, version=0)
        await self.session.commit()
        saved = await self._append_version(
            draft, text, origin="edit", author=actor, guard=await self.guard(draft, text), expected=0
        )
        await self.session.execute(
            update(Review)
            .where(Review.id == review_id)
            .values(status=ReviewStatus.pending_approval, error=None, updated_at=utcnow())
        )
        await self.session.commit()
        return saved

    async def _check_claim(self, draft: Draft, actor: str) -> None:
        """A review someone else holds (an unexpired claim) is theirs until it expires or they release it: others
        can read it but not change or decide it."""
        holder, until = (
            await self.session.execute(
                select(Review.claimed_by, Review.claimed_until).where(Review.id == draft.review_id)
            )
        ).one()
        until = aware(until)
        if holder and holder != actor and until is not None and until > utcnow():
            raise Conflict(
                f"review {draft.review_id} is claimed by {holder} until {until:%H:%M} UTC; it is theirs "
                "until then or until they release it",
                claimed_by=holder,
                claimed_until=until.isoformat(),
            )

    def _check_escalation(self, draft: Draft, lead: bool) -> None:
        if draft.status == states.ESCALATED and not lead:
            raise InvalidTransition(
                "this review is escalated to a team lead: only they can decide it now", status=draft.status
            )

    async def _decide_review(self, draft: Draft, status: str, actor: str, action: str, detail: dict[str, Any]) -> None:
        if draft.kind == DraftKind.reply:
            await self.session.execute(
                update(Review)
                .where(Review.id == draft.review_id)
                .values(status=states.REVIEW_STATUS[status], updated_at=utcnow())
            )
        drafts.record(self.session, draft.review_id, draft_id=draft.id, actor=actor, action=action, detail=detail)
        await self.session.commit()

    async def correct(
        self,
        review_id: int,
        *,
        actor: str,
        action: str | None = None,
        topics: list[str] | None = None,
        language: str | None = None,
    ) -> Classification:
        """An agent's correction of the classification; before and after go to the audit (insights and the eval
        sets read corrections from there). A do-not-engage draft keeps its flag whatever the new action."""
        classification = (
            (await self.session.execute(select(Classification).where(Classification.review_id == review_id)))
            .scalars()
            .first()
        )
        if classification is None:
            raise NotFound(f"review {review_id} has no classification to correct")
        changes: dict[str, Any] = {}
        if action is not None and action != classification.action:
            if action not in {a.value for a in Action}:
                raise InvalidInput("unknown action", field="action")
            changes["action"] = action
        if topics is not None:
            clean = sorted({t.strip().lower() for t in topics if t.strip()})
            if any(len(t) > 40 or "\x00" in t for t in clean) or len(clean) > 12:
                raise InvalidInput("topics: at most 12, each up to 40 characters", field="topics")
            if clean != sorted(classification.topics or []):
                changes["topics"] = clean
        if language is not None and language != classification.language:
            if not (2 <= len(language) <= 8 and language.replace("-", "").isalpha()):
                raise InvalidInput("language must be a language code like ru, uk, lv, en", field="language")
            changes["language"] = language.lower()
        if not changes:
            return classification
        before = {k: getattr(classification, k) for k in changes}
        await self.session.execute(
            update(Classification).where(Classification.id == classification.id).values(**changes)
        )
        drafts.record(
            self.session, review_id, actor=actor, action="corrected", detail={"before": before, "after": changes}
        )
        await self.session.commit()
        await self.session.refresh(classification)
        return classification

    # -- claims and bulk decisions (the web queue) --------------------------------------------------
    async def claim(self, review_id: int, *, actor: str, minutes: int) -> Review:
        """Hold a review for `minutes` so others see who works on it; renewing your own claim is fine.

        A claim locks the review for others until it expires or is released: their edits and decisions are a
        Conflict naming the holder (`_check_claim`), a second claim too, and bulk approval skips it."""
        now = utcnow()
        until = now + timedelta(minutes=minutes)
        free = or_(
            Review.claimed_by.is_(None),
            Review.claimed_until.is_(None),
            Review.claimed_until < now,
            Review.claimed_by == actor,
        )
        result = await self.session.execute(
            update(Review)
            .where(Review.id == review_id, free)
            .values(claimed_by=actor, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            await self.session.rollback()
            review = await self.session.get(Review, review_id)
            if review is None:
                raise NotFound(f"review {review_id} not found")
            await self.session.refresh(review)
            raise Conflict(
                f"review {review_id} is claimed by {review.claimed_by}",
                claimed_by=review.claimed_by,
                claimed_until=review.claimed_until.isoformat() if review.claimed_until else None,
            )
        drafts.record(
            self.session,
            review_id,
            actor=actor,
            action="claimed",
            detail={"until": until.isoformat(timespec="seconds")},
        )
        await self.session.commit()
        review = await self.session.get(Review, review_id)
        await self.session.refresh(review)
        return review

    async def release(self, review_id: int, *, actor: str) -> None:
        """Give a claim back (only its holder can; an expired claim needs no release)."""
        result = await self.session.execute(
            update(Review)
            .where(Review.id == review_id, Review.claimed_by == actor)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            drafts.record(self.session, review_id, actor=actor, action="released", detail={})
        await self.session.commit()

    async def bulk_approve(
        self, ids: Sequence[int], actor: str, hold_seconds: float = 0.0, seen: dict[int, int] | None = None
    ) -> BulkResult:
        """Approve several drafts at once, but only those the guard passed: flagged drafts, empty ones,
        drafts no longer pending and reviews someone else has claimed are refused, each with a reason.
        Each approval goes through `approve` (same audit, same hooks) at the version seen here, or at the version
        the agent saw in the preview (`seen`: draft id → version): a draft changed since is refused."""
        ids = list(dict.fromkeys(ids))
        if not ids or len(ids) > BULK_MAX:
            raise InvalidInput(f"bulk approval takes 1 to {BULK_MAX} draft ids")
        result = BulkResult()
        for draft_id, draft, reason in await self._bulk_check(ids, actor):
            if reason is None:
                try:
                    await self.approve(
                        draft_id,
                        actor=actor,
                        version=(seen or {}).get(draft_id, draft.version),
                        hold_seconds=hold_seconds,
                    )
                    result.approved.append(draft_id)
                    continue
                except Conflict:
                    reason = "changed since you saw it; review it again"
                except InvalidTransition as exc:
                    reason = exc.detail
            result.refused.append((draft_id, reason))
        return result

    async def bulk_preview(self, ids: Sequence[int], actor: str) -> list[tuple[Draft, Review | None, str | None]]:
        """What a bulk approval of `ids` would do, before it does it: (draft, review, refusal reason or None)."""
        ids = list(dict.fromkeys(ids))[:BULK_MAX]
        out = []
        for _draft_id, draft, reason in await self._bulk_check(ids, actor):
            review = await self.session.get(Review, draft.review_id) if draft is not None else None
            out.append((draft, review, reason))
        return [row for row in out if row[0] is not None]

    async def _bulk_check(self, ids: list[int], actor: str) -> list[tuple[int, Draft | None, str | None]]:
        now = utcnow()
        rows = (
            await self.session.execute(
                select(Draft, Review.claimed_by, Review.claimed_until)
                .join(Review, Review.id == Draft.review_id)
                .where(Draft.id.in_(ids))
            )
        ).all()
        found = {draft.id: (draft, by, until) for draft, by, until in rows}
        checked: list[tuple[int, Draft | None, str | None]] = []
        for draft_id in ids:
            if draft_id not in found:
                checked.append((draft_id, None, "not found"))
                continue
            draft, claimed_by, claimed_until = found[draft_id]
            claimed_until = aware(claimed_until)
            reason = None
            if draft.status != DraftStatus.pending:
                reason = f"already {draft.status}"
            elif draft.flagged or states.is_dne(draft.flags):
                reason = "flagged by the guard (" + ", ".join(draft.flags or ["flagged"]) + "); review it on its own"
            elif not draft.text.strip():
                reason = "no text to publish"
            elif claimed_by and claimed_by != actor and claimed_until and claimed_until > now:
                reason = f"claimed by {claimed_by}"
            checked.append((draft_id, draft, reason))
        return checked


BULK_MAX = 500


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def _reason(text: str | None, message: str) -> str:
    text = (text or "").strip()
    if not text or "\x00" in text or len(text) > 2000:
        raise InvalidInput(message + " (1 to 2,000 characters)", field="reason")
    return text
