"""Ingest and read reviews. Idempotent on (source, external_id), else on an Idempotency-Key: a replay
returns the stored review, the same key with other content is a conflict. Safe under concurrent
duplicates: the database's unique constraints decide, the loser reads the winner's row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftVersion, Review, ReviewStatus, utcnow
from assistant.domain.classification.service import escalation_of
from assistant.domain.reviews.schemas import ClassificationOut, DraftOut, GuardIssueOut, ReviewIn, ReviewOut
from assistant.errors import Conflict, InvalidInput, InvalidTransition, NotFound


def content_hash(review: ReviewIn) -> str:
    canonical = msgspec.json.encode(review, order="sorted")
    return hashlib.sha256(canonical).hexdigest()


def check_text_fields(review: ReviewIn) -> None:
    """What the schema can't say: no NUL bytes anywhere, and text that is more than whitespace."""
    for name in ("text", "source", "external_id", "author", "url", "business"):
        value = getattr(review, name)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput(f"'{name}' contains a NUL byte", field=name)
    if not review.text.strip():
        raise InvalidInput("'text' is empty", field="text")


class ReviewService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def ingest(self, review: ReviewIn, idempotency_key: str | None = None) -> tuple[Review, bool]:
        """Store a review once. Returns (review, created)."""
        check_text_fields(review)
        idempotency_key = (idempotency_key or "").strip() or None  # an empty header is no key
        if idempotency_key is not None and ("\x00" in idempotency_key or len(idempotency_key) > 300):
            raise InvalidInput("Idempotency-Key must be at most 300 characters without NUL bytes")
        digest = content_hash(review)
        key = None if review.external_id else idempotency_key
        existing = await self._find(review.source, review.external_id, key)
        if existing is None:
            row = Review(
                source=review.source,
                external_id=review.external_id,
                idempotency_key=key,
                content_hash=digest,
                business=(review.business or "default").lower(),
                text=review.text,
                rating=review.rating,
                author=review.author,
                url=review.url,
                review_created_at=review.created_at,
            )
            self.session.add(row)
            try:
                await self.session.commit()
                return row, True
            except IntegrityError:  # a concurrent duplicate won the race
                await self.session.rollback()
                existing = await self._find(review.source, review.external_id, key)
                if existing is None:
                    raise
        if existing.content_hash != digest:
            raise Conflict(
                "this idempotency key was already used for a review with different content", review_id=existing.id
            )
        return existing, False

    async def _find(self, source: str, external_id: str | None, key: str | None) -> Review | None:
        if external_id:
            query = select(Review).where(Review.source == source, Review.external_id == external_id)
        elif key:
            query = select(Review).where(Review.idempotency_key == key)
        else:
            return None
        return (await self.session.execute(query)).scalars().first()

    async def get(self, review_id: int) -> Review:
        review = await self.session.get(Review, review_id)
        if review is None:
            raise NotFound(f"review {review_id} not found")
        return review

    async def retry(self, review_id: int) -> Review:
        """Send a failed review back through the pipeline."""
        review = await self.get(review_id)
        result = await self.session.execute(
            update(Review)
            .where(Review.id == review_id, Review.status == ReviewStatus.failed)
            .values(status=ReviewStatus.received, error=None, updated_at=utcnow())
        )
        if result.rowcount == 0:
            raise InvalidTransition(f"review {review_id} is {review.status}; only failed reviews can be retried")
        await self.session.commit()
        await self.session.refresh(review)
        return review

    async def failed_ids(self) -> Sequence[int]:
        return (
            (await self.session.execute(select(Review.id).where(Review.status == ReviewStatus.failed))).scalars().all()
        )

    async def present(self, review: Review) -> ReviewOut:
        classification = (
            (await self.session.execute(select(Classification).where(Classification.review_id == review.id)))
            .scalars()
            .first()
        )
        draft = (
            (
                await self.session.execute(
                    select(Draft).where(Draft.review_id == review.id).order_by(Draft.id.desc()).limit(1)
                )
            )
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
            draft=await present_draft(self.session, draft) if draft else None,
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
