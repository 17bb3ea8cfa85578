"""The webhook on approval: an outbox row committed with the approval, signed POSTs to a real local HTTP
receiver, exponential backoff that survives restarts, and failures visible and retryable through the API."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from assistant.domain.webhooks.signing import sign, verify
from assistant.server.app import create_app
from tests.conftest import AUTH, confirming, wait_for_status

SECRET = "whsec-test-secret"
REVIEW = {
    "text": "The courier left the parcel in the rain and the box was soaked.",
    "source": "shop",
    "external_id": "wh-1",
    "rating": 2,
    "business": "default",
}


class Receiver:
    """A real HTTP endpoint in a thread: answers the scripted statuses in order, then `default`."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.default = 200
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "path": self.path,
                        "at": time.monotonic(),
                    }
                )
                status = receiver.script.pop(0) if receiver.script else receiver.default
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver is having a bad day")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/replies"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


def hook_settings(settings, receiver: Receiver, **overrides: Any):
    return settings.model_copy(
        update={
            "webhook_url": receiver.url,
            "webhook_secret": SECRET,
            "webhook_backoff_initial": 0.1,
            "webhook_backoff_max": 0.5,
            "webhook_poll_interval": 0.05,
            "webhook_max_attempts": 5,
            **overrides,
        }
    )


async def approved_draft(client: AsyncTestClient, **review: Any) -> dict:
    created = (await client.post("/api/v1/reviews", json={**REVIEW, **review})).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    if not body["draft"]["text"].strip():  # the guard left it empty: give it a reply a person would write
        edited = await client.patch(
            f"/api/v1/drafts/{body['draft']['id']}",
            json={
                "text": "We are sorry the parcel arrived soaked. The support team",
                "version": body["draft"]["version"],
            },
        )
        body["draft"] = edited.json()
    approved = await client.post(
        f"/api/v1/drafts/{body['draft']['id']}/approve",
        json=confirming(body["draft"], version=body["draft"]["version"]),
    )
    assert approved.status_code == 200, approved.text
    return approved.json()


async def wait_for_delivery(client: AsyncTestClient, status: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        items = (await client.get("/api/v1/webhooks/deliveries")).json()["items"]
        if items and items[0]["status"] == status:
            return items[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"delivery never became {status}: {items}")
        await asyncio.sleep(0.05)


async def test_signed_delivery_succeeds_after_two_server_errors(settings, receiver):
    receiver.script = [500, 500]
    async with AsyncTestClient(app=create_app(hook_settings(settings, receiver))) as client:
        client.headers.update(AUTH)
        draft = await approved_draft(client)
        delivery = await wait_for_delivery(client, "delivered")
        assert delivery["attempts"] == 3 and delivery["last_error"] is None
        assert delivery["draft_id"] == draft["id"] and delivery["delivered_at"]
        events = (await client.get(f"/api/v1/reviews/{draft['review_id']}/events")).json()
    assert len(receiver.requests) == 3
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.requests, receiver.requests[1:])]
    # lower bounds only (initial 0.1 s doubling, jitter ±0.025 s): a loaded machine can only make gaps longer
    assert gaps[0] >= 0.075 and gaps[1] >= 0.175, f"backoff does not grow: {gaps}"
    for request in receiver.requests:  # every attempt is signed over its own timestamp and the exact body
        headers = request["headers"]
        assert headers["content-type"] == "application/json"
        assert verify(SECRET, headers["x-webhook-timestamp"], request["body"], headers["x-signature"])
        assert headers["x-signature"] == sign(SECRET, int(headers["x-webhook-timestamp"]), request["body"])
        assert headers["x-webhook-id"] == str(delivery["id"])
    last = receiver.requests[-1]
    assert not verify(
        "wrong-secret", last["headers"]["x-webhook-timestamp"], last["body"], last["headers"]["x-signature"]
    )
    assert not verify(
        SECRET, int(last["headers"]["x-webhook-timestamp"]) + 1, last["body"], last["headers"]["x-signature"]
    ), "the timestamp must be part of the signed string"
    assert not verify(
        SECRET,
        last["headers"]["x-webhook-timestamp"],
        last["body"],
        last["headers"]["x-signature"],
        now=time.time() + 3600,
    ), "a replay an hour later must fail the freshness check"
    payload = json.loads(last["body"])
    assert payload["id"] == delivery["id"] and payload["event"] == "reply.approved"
    assert payload["data"]["draft"]["text"] == draft["text"]
    assert payload["data"]["draft"]["approved_by"] == "bootstrap"
    assert payload["data"]["review"]["external_id"] == "wh-1" and payload["data"]["review"]["text"] == REVIEW["text"]
    assert payload["data"]["classification"]["action"]
    assert "webhook_delivered" in [e["action"] for e in events]


async def test_permanent_failure_is_visible_and_can_be_retried(settings, receiver):
    receiver.default = 503
    async with AsyncTestClient(app=create_app(hook_settings(settings, receiver, webhook_max_attempts=2))) as client:
        client.headers.update(AUTH)
        draft = await approved_draft(client)
        failed = await wait_for_delivery(client, "failed")
        assert failed["attempts"] == 2 and "HTTP 503" in failed["last_error"]
        listed = (await client.get("/api/v1/webhooks/deliveries", params={"status": "failed"})).json()
        assert listed["total"] == 1 and listed["items"][0]["id"] == failed["id"]
        assert (await client.get("/api/v1/webhooks/deliveries", params={"status": "delivered"})).json()["total"] == 0
        assert len(receiver.requests) == 2

        receiver.default = 200
        retried = await client.post(f"/api/v1/webhooks/deliveries/{failed['id']}/retry")
        assert retried.status_code == 202 and retried.json()["status"] == "pending"
        delivered = await wait_for_delivery(client, "delivered")
        assert delivered["id"] == failed["id"] and delivered["attempts"] == 1
        again = await client.post(f"/api/v1/webhooks/deliveries/{failed['id']}/retry")
        assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
        assert (await client.post("/api/v1/webhooks/deliveries/99999/retry")).status_code == 404
        assert (await client.get("/api/v1/webhooks/deliveries", params={"status": "bogus"})).status_code == 400
        actions = [e["action"] for e in (await client.get(f"/api/v1/reviews/{draft['review_id']}/events")).json()]
    assert actions.count("webhook_failed") == 1 and "webhook_retry" in actions and "webhook_delivered" in actions


async def test_schedule_survives_a_restart(settings, receiver):
    receiver.default = 500
    slow = hook_settings(settings, receiver, webhook_backoff_initial=1.5, webhook_backoff_max=1.5)
    async with AsyncTestClient(app=create_app(slow)) as client:
        client.headers.update(AUTH)
        await approved_draft(client)
        pending = await wait_for_delivery(client, "pending")
        deadline = time.monotonic() + 10
        while pending["attempts"] == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            pending = (await client.get(f"/api/v1/webhooks/deliveries/{pending['id']}")).json()
    assert pending["attempts"] == 1 and pending["status"] == "pending"
    assert datetime.fromisoformat(pending["next_attempt_at"]) > datetime.now(UTC)
    receiver.default = 200
    async with AsyncTestClient(app=create_app(slow)) as client:  # a new process: the row is still scheduled
        client.headers.update(AUTH)
        delivered = await wait_for_delivery(client, "delivered")
    assert delivered["id"] == pending["id"] and delivered["attempts"] == 2
    assert len(receiver.requests) == 2


async def test_no_row_without_an_approval_or_a_target(settings, receiver):
    async with AsyncTestClient(app=create_app(hook_settings(settings, receiver))) as client:
        client.headers.update(AUTH)
        created = (await client.post("/api/v1/reviews", json=REVIEW)).json()
        body = await wait_for_status(client, created["id"], "pending_approval", "failed")
        stale = await client.post(
            f"/api/v1/drafts/{body['draft']['id']}/approve", json={"version": body["draft"]["version"] + 5}
        )
        assert stale.status_code == 409
        assert (await client.get("/api/v1/webhooks/deliveries")).json()["total"] == 0
    async with AsyncTestClient(app=create_app(settings)) as client:  # no ASSISTANT_WEBHOOK_URL
        client.headers.update(AUTH)
        await approved_draft(client, external_id="wh-2")
        assert (await client.get("/api/v1/webhooks/deliveries")).json()["total"] == 0
    assert receiver.requests == []


async def test_deliveries_need_an_admin_key(client, settings):
    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.keys.service import create_key

    engine = create_engine(settings.resolved_database_url)  # this test's loop, not the app's
    try:
        async with session_factory(engine)() as session:
            agent_key = await create_key(session, "agent", ["agent"])
    finally:
        await engine.dispose()
    response = await client.get("/api/v1/webhooks/deliveries", headers={"Authorization": f"Bearer {agent_key}"})
    assert response.status_code == 403
