"""HTTP endpoints for webhook deliveries: see what failed, send it again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import WebhookDelivery
from assistant.domain.keys.guards import requires
from assistant.domain.webhooks.service import WebhookService


class DeliveryOut(msgspec.Struct):
    id: int
    draft_id: int
    review_id: int
    url: str
    event: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None  # when the next attempt is due (pending only)
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes; the API always answers with an offset."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def present(delivery: WebhookDelivery, review_id: int) -> DeliveryOut:
    payload: dict[str, Any] = delivery.payload or {}
    return DeliveryOut(
        id=delivery.id,
        draft_id=delivery.draft_id,
        review_id=review_id,
        url=delivery.url,
        event=str(payload.get("event", "")),
        status=delivery.status,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        next_attempt_at=_utc(delivery.next_attempt_at) if delivery.status == "pending" else None,
        created_at=_utc(delivery.created_at),
        delivered_at=_utc(delivery.delivered_at),
    )


class WebhookController(Controller):
    path = "/webhooks/deliveries"
    tags = ["webhooks"]
    guards = [requires("admin")]

    @get("/", summary="Webhook deliveries, newest first (status=failed shows what needs attention)")
    async def list_deliveries(
        self,
        db_session: AsyncSession,
        status: Literal["pending", "delivered", "failed"] | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> DeliveryPage:
        rows, total = await WebhookService(db_session).list(status=status, limit=limit, offset=offset)
        return DeliveryPage(items=[present(d, r) for d, r in rows], total=total, limit=limit, offset=offset)

    @get("/{delivery_id:int}", summary="One delivery")
    async def read(self, delivery_id: int, db_session: AsyncSession) -> DeliveryOut:
        return present(*await WebhookService(db_session).get(delivery_id))

    @post("/{delivery_id:int}/retry", status_code=202, summary="Send a failed delivery again now")
    async def retry(self, delivery_id: int, db_session: AsyncSession, request: Request) -> DeliveryOut:
        return present(*await WebhookService(db_session).retry(delivery_id, actor=request.user.name))
