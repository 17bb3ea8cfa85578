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

from assistant.db.models import Classification, Draft, DraftKind, DraftStatus, Review, utcnow
from assistant.domain import drafts
from assistant.errors import InvalidTransition, NotFound
from assistant.playbooks import PlaybookRegistry

RECENT_FOLLOW_UPS = 20


async def _existing_follow_up(session: AsyncSession, review_id: int) -> int | None:
    return (
        await session.execute(
            select(Draft.id)
            .where(Draft.review_id == review_id, Draft.kind == DraftKind.follow_up)
            .order_by(Draft.id.desc())
            .limit(1)
        )
    ).scalar()


async def _recent_follow_ups(session: AsyncSession, business: str) -> list[str]:
    rows = await session.execute(
        select(Draft.text)
        .join(Review, Review.id == Draft.review_id)
        .where(Review.business == business, Draft.kind == DraftKind.follow_up, Draft.status == DraftStatus.approved)
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
                Draft.review_id == review_id, Draft.kind == DraftKind.reply, Draft.status == DraftStatus.approved
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
    business = review.business
    outcome = await drafts.draft_for(
        review,
        classification,
        playbook=playbooks.for_business(business),
        llm=llm,
        kind=DraftKind.follow_up,
        recent_replies=await _recent_follow_ups(session, business),
        asked=True,  # an agent answered the review, even a do-not-engage one; the guard still checks the follow-up
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
    issues = drafts.issues_of(outcome.guard)
    flags = sorted({i["code"] for i in issues})
    draft = await drafts.new_draft(
        session, review_id, kind=DraftKind.follow_up, text=outcome.text, flags=flags, version=1
    )
    drafts.add_version(
        session,
        draft.id,
        1,
        outcome.text,
        origin="llm",
        guard_ok=outcome.guard.ok,
        guard_issues=issues,
        overlap=outcome.guard.overlap,
        attempts=outcome.attempts,
    )
    drafts.record(
        session, review_id, draft_id=draft.id, actor=actor, action="resolved", detail={"follow_up_draft_id": draft.id}
    )
    drafts.record(
        session,
        review_id,
        draft_id=draft.id,
        actor=drafts.ASSISTANT,
        action="drafted",
        detail={
            "kind": DraftKind.follow_up,
            "action": str(drafts.drafting_action(classification, asked=True)),
            "flags": flags,
        },
    )
    await session.commit()
    await session.refresh(draft)
    return draft
