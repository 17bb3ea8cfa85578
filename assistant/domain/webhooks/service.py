"""The webhook outbox: a `WebhookDelivery` row is written in the same transaction as the approval, so an
approval is never lost and never sent without having happened. The deliverer (deliverer.py) sends rows
whose `next_attempt_at` is due; the schedule lives in the database, so it survives restarts.

The target comes from the settings, handed to every session through `Session.info` (see
`configure_sessions`): `DraftService.approve` needs no extra argument, and any code path that approves
(API, web queue, bulk approve) writes the outbox row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, Review, WebhookDelivery, utcnow
from assistant.domain import drafts
from assistant.errors import InvalidTransition, NotFound

TARGET_KEY = "webhook_target"
EVENT_APPROVED = "reply.approved"
STATUSES = ("pending", "delivered", "failed")


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str | None = None


def configure_sessions(sessions: async_sessionmaker, settings: Any) -> None:
    """Make the configured webhook target visible to every session the app opens."""
    if settings.webhook_url:
        sessions.configure(info={TARGET_KEY: WebhookTarget(settings.webhook_url, settings.webhook_secret)})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def enqueue_approval(session: AsyncSession, draft_id: int) -> WebhookDelivery | None:
    """Add the outbox row for an approved draft to the caller's transaction (no commit here)."""
    target: WebhookTarget | None = session.info.get(TARGET_KEY)
    if target is None:
        return None
    row = (
        await session.execute(
            select(
                Draft.id,
                Draft.kind,
                Draft.version,
                Draft.text,
                Draft.decided_by,
                Draft.decided_at,
                Review.id,
                Review.external_id,
                Review.source,
                Review.business,
                Review.rating,
                Review.text,
                Review.url,
                Classification.action,
                Classification.language,
                Classification.topics,
            )
            .join(Review, Review.id == Draft.review_id)
            .outerjoin(Classification, Classification.review_id == Review.id)
            .where(Draft.id == draft_id)
        )
    ).one()
    (
        _,
        kind,
        version,
        text,
        decided_by,
        decided_at,
        review_id,
        external_id,
        source,
        business,
        rating,
        review_text,
        url,
        action,
        language,
        topics,
    ) = row
    payload = {
        "event": EVENT_APPROVED,
        "data": {
            "draft": {
                "id": draft_id,
                "kind": kind,
                "version": version,
                "text": text,
                "approved_by": decided_by,
                "approved_at": _iso(decided_at),
            },
            "review": {
                "id": review_id,
                "external_id": external_id,
                "source": source,
                "business": business,
                "rating": rating,
                "text": review_text,
                "url": url,
            },
            "classification": {"action": action, "language": language, "topics": list(topics or [])}
            if action
            else None,
        },
    }
    delivery = WebhookDelivery(draft_id=draft_id, url=target.url, payload=payload)
    session.add(delivery)
    return delivery


class WebhookService:
    """What people see and do about deliveries: list them (failures first of interest), retry one."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def list(
        self, *, status: str | None, limit: int, offset: int
    ) -> tuple[list[tuple[WebhookDelivery, int]], int]:
        query = select(WebhookDelivery, Draft.review_id).join(Draft, Draft.id == WebhookDelivery.draft_id)
        if status:
            query = query.where(WebhookDelivery.status == status)
        total = (await self.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = await self.session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset))
        return [(delivery, review_id) for delivery, review_id in rows.all()], total

    async def get(self, delivery_id: int) -> tuple[WebhookDelivery, int]:
        row = (
            await self.session.execute(
                select(WebhookDelivery, Draft.review_id)
                .join(Draft, Draft.id == WebhookDelivery.draft_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
        if row is None:
            raise NotFound(f"webhook delivery {delivery_id} not found")
        return row[0], row[1]

    async def retry(self, delivery_id: int, *, actor: str) -> tuple[WebhookDelivery, int]:
        """Send a failed (or still pending) delivery again now, with a fresh attempt budget."""
        delivery, review_id = await self.get(delivery_id)
        previous = {
            "delivery_id": delivery_id,
            "previous_status": delivery.status,
            "previous_attempts": delivery.attempts,
            "last_error": delivery.last_error,
        }
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(("failed", "pending")))
            .values(status="pending", attempts=0, next_attempt_at=utcnow())
        )
        if result.rowcount == 0:
            raise InvalidTransition(f"webhook delivery {delivery_id} was already delivered")
        drafts.record(
            self.session, review_id, draft_id=delivery.draft_id, actor=actor, action="webhook_retry", detail=previous
        )
        await self.session.commit()
        await self.session.refresh(delivery)
        return delivery, review_id
