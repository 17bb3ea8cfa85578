"""Agents' decisions through the API: edit with optimistic concurrency, approve, reject, regenerate, audit."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from assistant.server.app import create_app
from tests.conftest import AUTH, confirming, wait_for_status

REVIEW = {
    "text": "The blender arrived with a cracked jug. Please send a new one.",
    "source": "shop",
    "external_id": "q-1",
    "rating": 2,
}


async def _drafted(client, **overrides) -> dict:
    created = (await client.post("/api/v1/reviews", json={**REVIEW, **overrides})).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    return body


async def test_edit_with_stale_version_is_a_conflict_with_the_current_text(client):
    draft = (await _drafted(client))["draft"]
    mine = await client.patch(
        f"/api/v1/drafts/{draft['id']}",
        json={
            "text": "We are sorry the jug cracked in transit. "
            "We will send a replacement jug this week. The support team",
            "version": 1,
        },
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["version"] == 2
    theirs = await client.patch(
        f"/api/v1/drafts/{draft['id']}",
        json={"text": "Other text from a second agent who had not reloaded the page in time.", "version": 1},
    )
    assert theirs.status_code == 409
    problem = theirs.json()
    assert problem["current_version"] == 2 and "replacement jug" in problem["current_text"]


async def test_approve_then_no_second_decision(client):
    body = await _drafted(client)
    draft_id = body["draft"]["id"]
    approved = await client.post(f"/api/v1/drafts/{draft_id}/approve", json=confirming(body["draft"], version=1))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == "bootstrap"
    assert (await client.get(f"/api/v1/reviews/{body['id']}")).json()["status"] == "approved"
    again = await client.post(f"/api/v1/drafts/{draft_id}/reject", json={"reason": "changed my mind"})
    assert again.status_code == 409
    pending = (await client.get("/api/v1/drafts", params={"status": "pending"})).json()
    assert all(d["id"] != draft_id for d in pending["items"])


async def test_reject_needs_a_reason_and_is_audited(client):
    body = await _drafted(client)
    draft_id = body["draft"]["id"]
    assert (await client.post(f"/api/v1/drafts/{draft_id}/reject", json={})).status_code == 400
    rejected = await client.post(f"/api/v1/drafts/{draft_id}/reject", json={"reason": "tone is off"})
    assert rejected.status_code == 200 and rejected.json()["reject_reason"] == "tone is off"
    events = (await client.get(f"/api/v1/reviews/{body['id']}/events")).json()
    assert [e["action"] for e in events] == ["drafted", "rejected"]
    assert events[-1]["actor"] == "bootstrap" and events[-1]["detail"]["reason"] == "tone is off"


async def test_regenerate_with_instruction_keeps_history(client, scripted_llm):
    body = await _drafted(client)
    draft_id = body["draft"]["id"]
    scripted_llm.reply(
        "We are sorry the jug arrived cracked. A replacement jug is on its way; reply here with "
        "your order number and we will confirm the delivery date. The support team"
    )
    response = await client.post(
        f"/api/v1/drafts/{draft_id}/regenerate", json={"instruction": "mention the replacement"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert "mention the replacement" in scripted_llm.requests[-1]["messages"][-1]["content"]
    detail = (await client.get(f"/api/v1/drafts/{draft_id}")).json()
    assert [v["origin"] for v in detail["versions"]] == ["llm", "regenerate"]
    assert detail["versions"][1]["instruction"] == "mention the replacement"


async def test_queue_pages_in_both_orders(client):
    ids = [(await _drafted(client, external_id=f"q-{i}"))["draft"]["id"] for i in range(3)]
    newest = (await client.get("/api/v1/drafts", params={"order": "newest", "limit": 2})).json()
    oldest = (await client.get("/api/v1/drafts", params={"order": "oldest", "limit": 2, "offset": 0})).json()
    assert newest["total"] == 3 and len(newest["items"]) == 2
    assert [d["id"] for d in newest["items"]] == [ids[2], ids[1]]
    assert [d["id"] for d in oldest["items"]] == [ids[0], ids[1]]
    assert (await client.get("/api/v1/drafts", params={"limit": 0})).status_code == 400
    assert (await client.get("/api/v1/drafts", params={"status": "bogus"})).status_code == 400


async def test_reviews_left_mid_processing_are_picked_up_on_restart(settings, scripted_llm):
    scripted_llm.hang(5, times=10)
    async with AsyncTestClient(app=create_app(settings)) as first:
        first.headers.update(AUTH)
        created = (await first.post("/api/v1/reviews", json=REVIEW)).json()
        assert created["status"] in ("received", "processing")
    scripted_llm.script.clear()
    async with AsyncTestClient(app=create_app(settings)) as second:
        second.headers.update(AUTH)
        body = await wait_for_status(second, created["id"], "pending_approval", "failed")
        assert body["status"] == "pending_approval", body["error"]
