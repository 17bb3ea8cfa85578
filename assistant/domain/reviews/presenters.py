"""What API clients get back for reviews, classifications and drafts: the read side that the reviews, queue
and replies controllers share (so none of them imports another's service to present a draft)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftVersion, Review
from assistant.domain.classification.service import escalation_of
from assistant.domain.reviews.schemas import ClassificationOut, DraftOut, GuardIssueOut, ReviewOut


async def present_review(session: AsyncSession, review: Review) -> ReviewOut:
    """A review with its classification and latest draft."""
    classification = (
        (await session.execute(select(Classification).where(Classification.review_id == review.id))).scalars().first()
    )
    draft = (
        (await session.execute(select(Draft).where(Draft.review_id == review.id).order_by(Draft.id.desc()).limit(1)))
        .scalars()
        .first()
    )
    return ReviewOut(
        id=review.id,
        status=review.status,
        source=review.source,
        external_id=review.external_id,
        business=review.business,
        text=review.text,
        rating=review.rating,
        author=review.author,
        url=review.url,
        review_created_at=review.review_created_at,
        created_at=review.created_at,
        error=review.error,
        attempts=review.attempts,
        classification=present_classification(classification) if classification else None,
        draft=await present_draft(session, draft) if draft else None,
    )


def present_classification(row: Classification) -> ClassificationOut:
    return ClassificationOut(
        action=row.action,
        language=row.language,
        topics=list(row.topics),
        severity=row.severity,
        fixable=row.fixable,
        confidence=row.confidence,
        reasons=list(row.reasons),
        dne_kind=row.dne_kind,
        method=row.method,
        needs_human=row.needs_human,
        escalate=escalation_of(row.reasons) is not None,
        escalate_reason=escalation_of(row.reasons),
    )


async def present_draft(session: AsyncSession, draft: Draft) -> DraftOut:
    latest = (
        (
            await session.execute(
                select(DraftVersion).where(DraftVersion.draft_id == draft.id, DraftVersion.version == draft.version)
            )
        )
        .scalars()
        .first()
    )
    return _draft_out(draft, latest)


async def present_drafts(session: AsyncSession, drafts: Sequence[Draft]) -> list[DraftOut]:
    """A page of drafts with their latest versions in one query, not one per draft."""
    rows = (
        (await session.execute(select(DraftVersion).where(DraftVersion.draft_id.in_([d.id for d in drafts]))))
        .scalars()
        .all()
        if drafts
        else []
    )
    latest = {(v.draft_id, v.version): v for v in rows}
    return [_draft_out(d, latest.get((d.id, d.version))) for d in drafts]


def _draft_out(draft: Draft, latest: DraftVersion | None) -> DraftOut:
    issues = [
        GuardIssueOut(code=i.get("code", ""), detail=i.get("detail", ""))
        for i in (latest.guard_issues if latest else [])
    ]
    return DraftOut(
        id=draft.id,
        review_id=draft.review_id,
        kind=draft.kind,
        status=draft.status,
        version=draft.version,
        text=draft.text,
        flagged=draft.flagged,
        flags=list(draft.flags),
        guard_issues=issues,
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        reject_reason=draft.reject_reason,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )
