"""Ingest and read reviews. Idempotent on (source, external_id), else on an Idempotency-Key: a replay
returns the stored review, the same key with other content is a conflict. Safe under concurrent
duplicates: the database's unique constraints decide, the loser reads the winner's row."""

from __future__ import annotations

import hashlib

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Event, Review, ReviewStatus, utcnow
from assistant.domain.reviews.schemas import ReviewIn
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

    async def events(self, review_id: int) -> list[Event]:
        """The review's audit trail, oldest first."""
        await self.get(review_id)
        rows = await self.session.execute(select(Event).where(Event.review_id == review_id).order_by(Event.id))
        return list(rows.scalars().all())
