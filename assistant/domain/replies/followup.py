"""Resolving a case: once the problem is solved, politely ask the customer to update their rating (most do: a
satisfied customer does not want to leave a negative review standing).

The follow-up is a second `Draft` (kind="follow_up") written by the same drafting loop and guard as any
reply, and it waits in the same queue for a person. The model is called *before* anything is written, so a
model failure changes nothing and the agent can simply try again; the case is then marked resolved, the
draft stored and both audited in one transaction, guarded by `resolved_at IS NULL` so two agents resolving
at once produce one follow-up.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftStatus, DraftVersion, Event, Review, utcnow
from assistant.domain.drafting.service import draft_reply
from assistant.errors import InvalidTransition, NotFound
from assistant.playbooks import Action, PlaybookRegistry

RECENT_FOLLOW_UPS = 20


async def _existing_follow_up(session: AsyncSession, review_id: int) -> int | None:
    return (
        await session.execute(
            select(Draft.id)
            .where(Draft.review_id == review_id, Draft.kind == "follow_up")
            .order_by(Draft.id.desc())
            .limit(1)
        )
    ).scalar()


async def _recent_follow_ups(session: AsyncSession, business: str) -> list[str]:
    rows = await session.execute(
        select(Draft.text)
        .join(Review, Review.id == Draft.review_id)
        .where(Review.business == business, Draft.kind == "follow_up", Draft.status == DraftStatus.approved)
        .order_by(Draft.decided_at.desc())
        .limit(RECENT_FOLLOW_UPS)
    )
    return [text for text in rows.scalars().all() if text]


async def resolve_case(
    session: AsyncSession, playbooks: PlaybookRegistry, llm: object | None, review_id: int, actor: str
) -> Draft:
    """Mark the review's case resolved and queue a guarded follow-up draft; returns the draft."""
    review = await session.get(Review, review_id)
    if review is None:
        raise NotFound(f"review {review_id} not found")
    if review.resolved_at is not None:
        raise InvalidTransition(
            f"review {review_id} is already resolved", follow_up_draft_id=await _existing_follow_up(session, review_id)
        )
    answered = (
        await session.execute(
            select(Draft.id).where(
                Draft.review_id == review_id, Draft.kind == "reply", Draft.status == DraftStatus.approved
            )
        )
    ).first()
    if answered is None:
        raise InvalidTransition("approve a reply to this review before resolving the case: the follow-up refers to it")
    if llm is None:
        raise InvalidTransition("no language model is configured in this process")
    classification = (
        (await session.execute(select(Classification).where(Classification.review_id == review_id))).scalars().first()
    )
    action = Action(classification.action) if classification else Action.apologize
    if action == Action.do_not_engage:
        action = Action.apologize  # an agent answered it after all; the guard still checks the follow-up
    playbook = playbooks.for_business(review.business)
    business, text, rating, source = review.business, review.text, review.rating, review.source
    outcome = await draft_reply(
        review_text=text,
        rating=rating,
        platform=source,
        language=classification.language if classification else "und",
        action=action,
        topics=list(classification.topics) if classification else [],
        playbook=playbook,
        llm=llm,
        review_id=review_id,
        kind="follow_up",
        recent_replies=await _recent_follow_ups(session, business),
    )

    now = utcnow()
    claimed = await session.execute(
        update(Review)
        .where(Review.id == review_id, Review.resolved_at.is_(None))
        .values(resolved_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:
        await session.rollback()
        raise InvalidTransition(
            f"review {review_id} is already resolved", follow_up_draft_id=await _existing_follow_up(session, review_id)
        )
    issues = [{"code": i.code, "detail": i.detail} for i in outcome.guard.issues]
    flags = sorted({i["code"] for i in issues})
    draft = Draft(review_id=review_id, kind="follow_up", text=outcome.text, flagged=bool(flags), flags=flags)
    session.add(draft)
    await session.flush()
    session.add(
        DraftVersion(
            draft_id=draft.id,
            version=1,
            text=outcome.text,
            origin="llm",
            guard_ok=outcome.guard.ok,
            guard_issues=issues,
            overlap=outcome.guard.overlap,
            attempts=outcome.attempts,
        )
    )
    session.add(
        Event(
            review_id=review_id,
            draft_id=draft.id,
            actor=actor,
            action="resolved",
            detail={"follow_up_draft_id": draft.id},
        )
    )
    session.add(
        Event(
            review_id=review_id,
            draft_id=draft.id,
            actor="assistant",
            action="drafted",
            detail={"kind": "follow_up", "action": str(action), "flags": flags},
        )
    )
    await session.commit()
    await session.refresh(draft)
    return draft
