"""Sends due webhook deliveries: signed POSTs, exponential backoff kept in `next_attempt_at`, failures kept.

A row is *claimed* by pushing its `next_attempt_at` past the attempt's lease with a conditional UPDATE, so two
processes never send the same row at once, and a process that dies mid-send leaves a row that becomes due
again when the lease runs out (delivery is at least once; receivers dedupe on `X-Webhook-Id`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import httpx2
from litestar import Litestar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from tenacity import RetryCallState, wait_exponential_jitter

from assistant.db.models import Draft, WebhookDelivery, utcnow
from assistant.domain import drafts
from assistant.domain.webhooks.service import configure_sessions
from assistant.domain.webhooks.signing import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger(__name__)
BATCH = 20
CONCURRENCY = 5
USER_AGENT = "review-reply-assistant-webhooks/0.1"


def encode_body(delivery_id: int, payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps({"id": delivery_id, **payload}, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookDeliverer:
    def __init__(self, sessions: async_sessionmaker, settings: Any, client: httpx2.AsyncClient | None = None):
        self.sessions = sessions
        self.secret: str | None = settings.webhook_secret
        self.max_attempts: int = settings.webhook_max_attempts
        self.poll_interval: float = settings.webhook_poll_interval
        self.lease = timedelta(seconds=settings.webhook_timeout + 30)
        self.backoff = wait_exponential_jitter(
            initial=settings.webhook_backoff_initial,
            max=settings.webhook_backoff_max,
            jitter=settings.webhook_backoff_initial / 4,
        )
        self.client = client or httpx2.AsyncClient(
            timeout=settings.webhook_timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self._task: asyncio.Task | None = None

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (tenacity's exponential backoff + jitter)."""
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = attempts
        return self.backoff(state)

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhook-deliverer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.client.aclose()

    async def _loop(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("webhook deliverer: a round failed; retrying shortly")
                sent = 0
            if sent < BATCH:
                await asyncio.sleep(self.poll_interval)

    # -- one round ---------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim and send the due deliveries; returns how many were attempted."""
        claimed = await self._claim()
        if claimed:
            limit = asyncio.Semaphore(CONCURRENCY)

            async def bounded(row: WebhookDelivery) -> None:
                async with limit:
                    await self._attempt(row)

            await asyncio.gather(*(bounded(row) for row in claimed))
        return len(claimed)

    async def _claim(self) -> list[WebhookDelivery]:
        now = utcnow()
        async with self.sessions() as session:
            due = (
                (
                    await session.execute(
                        select(WebhookDelivery)
                        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                        .limit(BATCH)
                    )
                )
                .scalars()
                .all()
            )
            claimed = []
            for row in due:
                won = await session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == row.id,
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
                if won.rowcount:
                    claimed.append(row)
            await session.commit()
            return claimed

    async def _attempt(self, row: WebhookDelivery) -> None:
        body = encode_body(row.id, row.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            ID_HEADER: str(row.id),
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_HEADER: str(row.payload.get("event", "")),
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, body)
        error: str | None = None
        try:
            response = await self.client.post(row.url, content=body, headers=headers)
            if not response.is_success:
                error = f"HTTP {response.status_code}: {response.text[:300]}"
        except httpx2.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        await self._record(row, error)

    async def _record(self, row: WebhookDelivery, error: str | None) -> None:
        attempts = row.attempts + 1
        now = utcnow()
        if error is None:
            values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
            audit = ("webhook_delivered", {"delivery_id": row.id, "attempts": attempts})
        elif attempts >= self.max_attempts:
            values = {"status": "failed", "last_error": error}
            audit = ("webhook_failed", {"delivery_id": row.id, "attempts": attempts, "error": error})
            log.warning("webhook delivery %s failed for good after %s attempts: %s", row.id, attempts, error)
        else:
            values = {"last_error": error, "next_attempt_at": now + timedelta(seconds=self.delay_after(attempts))}
            audit = None
        async with self.sessions() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == row.id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.attempts == row.attempts,
                )
                .values(attempts=attempts, **values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount and audit:
                review_id = (
                    await session.execute(select(Draft.review_id).where(Draft.id == row.draft_id))
                ).scalar_one()
                drafts.record(
                    session, review_id, draft_id=row.draft_id, actor="webhooks", action=audit[0], detail=audit[1]
                )
            await session.commit()


async def start_deliverer(app: Litestar) -> None:
    """Litestar startup hook (after the app's own `start`, which opens the database)."""
    configure_sessions(app.state.sessions, app.state.settings)
    app.state.webhooks = WebhookDeliverer(app.state.sessions, app.state.settings)
    await app.state.webhooks.start()


async def stop_deliverer(app: Litestar) -> None:
    """Litestar shutdown hook (before the engine is disposed)."""
    deliverer = app.state.get("webhooks")
    if deliverer is not None:
        await deliverer.stop()
