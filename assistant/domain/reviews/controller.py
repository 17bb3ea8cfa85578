"""HTTP endpoints for reviews: thin; the service owns queries and transactions."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.keys.guards import requires
from assistant.domain.reviews.presenters import present_review
from assistant.domain.reviews.schemas import (
    BATCH_BODY_LIMIT,
    BatchIn,
    BatchItemResult,
    BatchOut,
    ReviewIn,
    ReviewOut,
)
from assistant.domain.reviews.service import ReviewService
from assistant.errors import AssistantError, InvalidInput

IdempotencyKey = Annotated[str | None, Parameter(header="Idempotency-Key", required=False, max_length=300)]


class ReviewController(Controller):
    path = "/reviews"
    tags = ["reviews"]

    @post(
        "/",
        guards=[requires("ingest")],
        summary="Ingest a review (idempotent)",
        responses={200: ResponseSpec(ReviewOut, description="A replay: the review stored earlier")},
    )
    async def create(
        self, data: ReviewIn, db_session: AsyncSession, state: State, idempotency_key: IdempotencyKey = None
    ) -> Response[ReviewOut]:
        service = ReviewService(db_session)
        review, created = await service.ingest(data, idempotency_key)
        if created:
            await state.dispatcher.submit(review.id)
        return Response(await present_review(db_session, review), status_code=201 if created else 200)

    @post(
        "/batch",
        guards=[requires("ingest")],
        status_code=200,
        summary="Ingest up to 1,000 reviews",
        request_max_body_size=BATCH_BODY_LIMIT,
    )
    async def create_batch(
        self, data: BatchIn, db_session: AsyncSession, state: State, idempotency_key: IdempotencyKey = None
    ) -> BatchOut:
        limit = state.settings.batch_max_items
        if len(data.reviews) > limit:
            raise InvalidInput(f"a batch holds at most {limit} reviews; got {len(data.reviews)}")
        service = ReviewService(db_session)
        results: list[BatchItemResult] = []
        for index, item in enumerate(data.reviews):
            results.append(
                await self._ingest_one(
                    service, state, index, item, f"{idempotency_key}:{index}" if idempotency_key else None
                )
            )
        return BatchOut(
            created=sum(r.status == 201 for r in results),
            replayed=sum(r.status == 200 for r in results),
            failed=sum(r.status >= 400 for r in results),
            results=results,
        )

    @staticmethod
    async def _ingest_one(
        service: ReviewService, state: State, index: int, item: Any, key: str | None
    ) -> BatchItemResult:
        try:
            review_in = msgspec.convert(item, ReviewIn)
        except msgspec.ValidationError as exc:
            return BatchItemResult(index=index, status=400, error={"title": "Invalid input", "detail": str(exc)})
        try:
            review, created = await service.ingest(review_in, key)
        except AssistantError as exc:
            return BatchItemResult(
                index=index, status=exc.status_code, error={"title": exc.title, "detail": exc.detail, **exc.extra}
            )
        if created:
            await state.dispatcher.submit(review.id)
        return BatchItemResult(index=index, status=201 if created else 200, id=review.id)

    @get("/{review_id:int}", guards=[requires("ingest")], summary="A review with its classification and latest draft")
    async def read(self, review_id: int, db_session: AsyncSession) -> ReviewOut:
        service = ReviewService(db_session)
        return await present_review(db_session, await service.get(review_id))

    @post("/{review_id:int}/retry", guards=[requires("agent")], status_code=202, summary="Reprocess a failed review")
    async def retry(self, review_id: int, db_session: AsyncSession, state: State) -> ReviewOut:
        service = ReviewService(db_session)
        review = await service.retry(review_id)
        await state.dispatcher.submit(review.id)
        return await present_review(db_session, review)

    @get("/{review_id:int}/events", guards=[requires("agent")], summary="The audit trail of a review")
    async def events(self, review_id: int, db_session: AsyncSession) -> list[dict[str, Any]]:
        events = await ReviewService(db_session).events(review_id)
        return [
            {
                "id": e.id,
                "draft_id": e.draft_id,
                "actor": e.actor,
                "action": e.action,
                "detail": e.detail,
                "created_at": e.created_at,
            }
            for e in events
        ]
