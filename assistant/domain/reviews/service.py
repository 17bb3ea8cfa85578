"""Ingest and read reviews. Idempotent on (source, external_id), else on an Idempotency-Key: a replay
returns the stored review, the same key with other content is a conflict. Safe under concurrent
duplicates: the database's unique constraints decide, the loser reads the winner's row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Event, Review, ReviewStatus, utcnow
from assistant.domain.reviews.schemas import ReviewIn
from assistant.errors import AssistantError, Conflict, InvalidInput, InvalidTransition, NotFound


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


def _stored_key(review: ReviewIn, idempotency_key: str | None) -> str | None:
    """The idempotency key a review is stored under (none when it has an external id); raises for bad input."""
    check_text_fields(review)
    idempotency_key = (idempotency_key or "").strip() or None  # an empty header is no key
    if idempotency_key is not None and ("\x00" in idempotency_key or len(idempotency_key) > 300):
        raise InvalidInput("Idempotency-Key must be at most 300 characters without NUL bytes")
    return None if review.external_id else idempotency_key


def _identity(source: str, external_id: str | None, key: str | None) -> str:
    return f"id:{source}\x00{external_id}" if external_id else f"key:{key}"


def _new_row(review: ReviewIn, key: str | None, digest: str) -> Review:
    return Review(
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


def _replayed(existing: Review, digest: str) -> Review:
    """A replay returns the stored review; the same identity with other content is a conflict."""
    if existing.content_hash != digest:
        raise Conflict(
            "this idempotency key was already used for a review with different content", review_id=existing.id
        )
    return existing


class ReviewService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def ingest(self, review: ReviewIn, idempotency_key: str | None = None) -> tuple[Review, bool]:
        """Store a review once. Returns (review, created)."""
        key, digest = _stored_key(review, idempotency_key), content_hash(review)
        existing = await self._find(review.source, review.external_id, key)
        if existing is None:
            row = _new_row(review, key, digest)
            self.session.add(row)
            try:
                await self.session.commit()
                return row, True
            except IntegrityError:  # a concurrent duplicate won the race
                await self.session.rollback()
                existing = await self._find(review.source, review.external_id, key)
                if existing is None:
                    raise
        return _replayed(existing, digest), False

    async def ingest_many(
        self, reviews: Sequence[tuple[ReviewIn, str | None]]
    ) -> list[tuple[Review, bool] | AssistantError]:
        """`ingest` for a group of independent reviews (a batch file's rows) in one lookup and one commit instead
        of a round trip or three per review: row by row, the import was most of a batch's start-up. Each outcome
        is (review, created) or the error that review alone gets; a concurrent writer storing one of them first
        sends the group through `ingest` one at a time, which settles such races."""
        outcomes: dict[int, tuple[Review, bool] | AssistantError] = {}
        todo: list[tuple[int, ReviewIn, str | None, str]] = []
        for index, (review, idempotency_key) in enumerate(reviews):
            try:
                todo.append((index, review, _stored_key(review, idempotency_key), content_hash(review)))
            except AssistantError as exc:
                outcomes[index] = exc
        found = await self._find_many([(review.source, review.external_id, key) for _, review, key, _ in todo])
        new: list[tuple[int, Review]] = []
        for index, review, key, digest in todo:
            existing = found.get(_identity(review.source, review.external_id, key))
            if existing is None:
                new.append((index, _new_row(review, key, digest)))
                continue
            try:
                outcomes[index] = (_replayed(existing, digest), False)
            except AssistantError as exc:
                outcomes[index] = exc
        if new:
            self.session.add_all([row for _, row in new])
            try:
                await self.session.commit()
                outcomes.update((index, (row, True)) for index, row in new)
            except IntegrityError:
                await self.session.rollback()
                for index, _ in new:
                    try:
                        outcomes[index] = await self.ingest(*reviews[index])
                    except AssistantError as exc:
                        outcomes[index] = exc
        return [outcomes[index] for index in range(len(reviews))]

    async def _find(self, source: str, external_id: str | None, key: str | None) -> Review | None:
        if external_id:
            query = select(Review).where(Review.source == source, Review.external_id == external_id)
        elif key:
            query = select(Review).where(Review.idempotency_key == key)
        else:
            return None
        return (await self.session.execute(query)).scalars().first()

    async def _find_many(self, wanted: Sequence[tuple[str, str | None, str | None]]) -> dict[str, Review]:
        """The stored reviews among (source, external_id, key) identities, by `_identity`."""
        ids: dict[str, list[str]] = {}
        keys: list[str] = []
        for source, external_id, key in wanted:
            if external_id:
                ids.setdefault(source, []).append(external_id)
            elif key:
                keys.append(key)
        queries = [
            select(Review).where(col(Review.source) == source, col(Review.external_id).in_(external_ids))
            for source, external_ids in ids.items()
        ]
        queries += [select(Review).where(col(Review.idempotency_key).in_(keys))] if keys else []
        found: dict[str, Review] = {}
        for query in queries:
            for review in (await self.session.execute(query)).scalars():
                found[_identity(review.source, review.external_id, review.idempotency_key)] = review
        return found

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
