"""The queue's state machine (assistant/domain/queue/states.py) through the API: every review ends in a human
decision — approved, rejected (reopenable), handled without a reply (who and why), escalated (to a role) —
a spam review never becomes a clean bulk-approvable draft by any path, decisions can be undone inside their
window, and reviews the model failed on are retried on their own, then written by hand."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from assistant.processing import in_process as dispatch
from assistant.server.app import create_app
from tests.conftest import confirming, wait_for_status

SPAM = {
    "text": "Earn $500 a day from home! Visit www.easy-money.example and use promo code WIN500 now",
    "source": "google",
    "external_id": "spam-1",
    "rating": 5,
}
JUG = {
    "text": "The blender arrived with a cracked jug. Please send a new one.",
    "source": "shop",
    "external_id": "s-1",
    "rating": 2,
}
REPLY = "We are sorry the jug arrived cracked. We will send a replacement jug this week. The support team"


async def _drafted(client, review: dict) -> dict:
    created = (await client.post("/api/v1/reviews", json=review)).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    return body


async def _events(client, review_id: int) -> list[dict]:
    return (await client.get(f"/api/v1/reviews/{review_id}/events")).json()


async def test_spam_cannot_become_a_clean_bulk_approvable_draft_by_any_path(client, scripted_llm):
    body = await _drafted(client, SPAM)
    draft = body["draft"]
    assert body["classification"]["action"] == "do_not_engage" and draft["flagged"] and draft["text"] == ""
    url = f"/api/v1/drafts/{draft['id']}"
    # regenerate (the `g` path) and a typed edit are refused without "draft anyway" and a reason
    assert (await client.post(f"{url}/regenerate", json={})).status_code == 409
    assert (await client.patch(url, json={"text": REPLY, "version": 1})).status_code == 409
    assert (await client.post(f"{url}/approve", json={})).status_code == 409  # nothing to publish
    assert (await client.post(f"{url}/draft-anyway", json={"reason": ""})).status_code == 400
    # a correction of the action does not wash the flag off either
    corrected = await client.post(f"/api/v1/reviews/{body['id']}/classification", json={"action": "thank"})
    assert corrected.status_code == 200 and corrected.json()["action"] == "thank"
    # draft anyway, generated and then typed: still flagged, never clean
    scripted_llm.reply("Thank you for your review! We appreciate it. The support team")
    anyway = await client.post(f"{url}/draft-anyway", json={"reason": "the customer also asked about delivery"})
    assert anyway.status_code == 200, anyway.text
    assert anyway.json()["flagged"] and "drafted_anyway" in anyway.json()["flags"]
    assert any(f.startswith("do_not_engage") for f in anyway.json()["flags"])
    edited = await client.patch(url, json={"text": REPLY, "version": anyway.json()["version"]})
    assert edited.status_code == 200 and edited.json()["flagged"]
    regenerated = await client.post(f"{url}/regenerate", json={"instruction": "shorter"})
    assert regenerated.status_code == 200 and regenerated.json()["flagged"]
    bulk = (await client.post("/api/v1/drafts/bulk-approve", json={"ids": [draft["id"]]})).json()
    assert bulk["approved"] == [] and "flagged" in bulk["refused"][0]["reason"]
    actions = [e["action"] for e in await _events(client, body["id"])]
    assert actions[-4:] == ["draft_anyway", "regenerate", "edit", "regenerate"]
    assert "corrected" in actions


async def test_do_not_engage_is_handled_with_who_and_why_and_can_be_reopened(client):
    body = await _drafted(client, {**SPAM, "external_id": "spam-2"})
    url = f"/api/v1/drafts/{body['draft']['id']}"
    assert (await client.post(f"{url}/handle", json={"reason": "  "})).status_code == 400
    handled = await client.post(f"{url}/handle", json={"reason": "advert for a money scheme; reported to google"})
    assert handled.status_code == 200 and handled.json()["status"] == "handled"
    assert handled.json()["decided_by"] == "bootstrap"
    assert (await client.get(f"/api/v1/reviews/{body['id']}")).json()["status"] == "handled"
    listed = (await client.get("/api/v1/drafts", params={"status": "handled"})).json()
    assert [d["id"] for d in listed["items"]] == [body["draft"]["id"]]
    event = (await _events(client, body["id"]))[-1]
    assert event["action"] == "handled" and event["detail"]["reason"].startswith("advert")
    assert (await client.post(f"{url}/approve", json={})).status_code == 409  # decided: no second decision
    reopened = await client.post(f"{url}/reopen", json={"reason": "customer wrote again"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "pending"
    assert (await client.get(f"/api/v1/reviews/{body['id']}")).json()["status"] == "pending_approval"


async def test_escalation_goes_to_a_role_and_only_that_role_decides(client, settings):
    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.keys.service import create_key

    body = await _drafted(client, JUG)
    url = f"/api/v1/drafts/{body['draft']['id']}"
    assert (await client.post(f"{url}/escalate", json={"note": "x", "role": "ceo"})).status_code == 400
    escalated = await client.post(f"{url}/escalate", json={"note": "mentions a court; a lead should sign off"})
    assert escalated.status_code == 200 and escalated.json()["status"] == "escalated"
    assert (await client.get(f"/api/v1/reviews/{body['id']}")).json()["status"] == "escalated"
    event = (await _events(client, body["id"]))[-1]
    assert event["action"] == "escalated" and event["detail"]["to"] == "admin"
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            agent_key = await create_key(session, "agent only", ["agent"])
    finally:
        await engine.dispose()
    as_agent = {"Authorization": f"Bearer {agent_key}"}
    refused = await client.post(f"{url}/approve", json={}, headers=as_agent)
    assert refused.status_code == 409 and "lead" in refused.json()["detail"]
    approved = await client.post(f"{url}/approve", json=confirming(body["draft"]))  # the bootstrap key is an admin
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_rejected_reopens_for_a_new_draft_or_a_hand_written_one(client, scripted_llm):
    body = await _drafted(client, JUG)
    url = f"/api/v1/drafts/{body['draft']['id']}"
    assert (await client.post(f"{url}/reject", json={"reason": "wrong facts"})).status_code == 200
    assert (await client.post(f"{url}/regenerate", json={})).status_code == 409  # decided
    assert (await client.post(f"{url}/reopen")).status_code == 200
    scripted_llm.reply(REPLY)
    again = await client.post(f"{url}/regenerate", json={"instruction": "mention the replacement"})
    assert again.status_code == 200 and again.json()["status"] == "pending"
    written = await client.patch(url, json={"text": REPLY + " (written by hand)", "version": again.json()["version"]})
    assert written.status_code == 200
    actions = [e["action"] for e in await _events(client, body["id"])]
    assert actions == ["drafted", "rejected", "reopened", "regenerate", "edit"]


async def test_undo_inside_the_window_only(client):
    body = await _drafted(client, JUG)
    url = f"/api/v1/drafts/{body['draft']['id']}"
    assert (await client.post(f"{url}/undo")).status_code == 409  # nothing decided yet
    assert (await client.post(f"{url}/approve", json=confirming(body["draft"]))).status_code == 200
    undone = await client.post(f"{url}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "pending"
    assert (await client.get(f"/api/v1/reviews/{body['id']}")).json()["status"] == "pending_approval"
    await client.post(f"{url}/reject", json={"reason": "tone"})
    await asyncio.sleep(0.05)
    late = await client.post(f"{url}/undo", json={"window_seconds": 0})
    assert late.status_code == 409 and "too late" in late.json()["detail"]
    assert [e["action"] for e in await _events(client, body["id"])][-3:] == ["approved", "undone", "rejected"]


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(dispatch, "MODEL_RETRY", (0.2, 0.5))
    monkeypatch.setattr(dispatch, "MODEL_RETRIES", 2)


async def test_failed_review_is_retried_on_its_own_while_the_model_comes_back(settings, scripted_llm, quick_retries):
    scripted_llm.empty_choices(times=settings.llm_max_attempts)  # one whole drafting call answers nothing usable
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update({"Authorization": f"Bearer {settings.bootstrap_api_key}"})
        created = (await client.post("/api/v1/reviews", json=JUG)).json()
        body = await wait_for_status(client, created["id"], "pending_approval", timeout=20)
        assert body["attempts"] >= 2 and body["draft"]["text"]  # failed once, then succeeded without a person


async def test_model_down_for_good_leaves_it_to_a_person_who_writes_the_reply(settings, scripted_llm, quick_retries):
    # the model answers nothing usable (a model that is down gets a reply composed from the playbook instead)
    scripted_llm.set_rates(empty_choices=1.0)
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update({"Authorization": f"Bearer {settings.bootstrap_api_key}"})
        created = (await client.post("/api/v1/reviews", json=JUG)).json()
        deadline = asyncio.get_running_loop().time() + 20
        while True:  # failed, retried twice on its own, failed for good
            body = (await client.get(f"/api/v1/reviews/{created['id']}")).json()
            if body["status"] == "failed" and body["attempts"] >= 3:
                break
            assert asyncio.get_running_loop().time() < deadline, body
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.8)
        body = (await client.get(f"/api/v1/reviews/{created['id']}")).json()
        assert body["status"] == "failed" and body["attempts"] == 3 and body["error"]
        assert (await client.post(f"/api/v1/reviews/{created['id']}/reply", json={"text": " "})).status_code == 400
        written = await client.post(f"/api/v1/reviews/{created['id']}/reply", json={"text": REPLY})
        assert written.status_code == 201, written.text
        assert written.json()["status"] == "pending" and written.json()["text"] == REPLY
        again = await client.post(f"/api/v1/reviews/{created['id']}/reply", json={"text": REPLY})
        assert again.status_code == 409
        assert (await client.get(f"/api/v1/reviews/{created['id']}")).json()["status"] == "pending_approval"
        approved = await client.post(f"/api/v1/drafts/{written.json()['id']}/approve", json=confirming(written.json()))
        assert approved.status_code == 200


async def test_a_claim_locks_the_review_for_others_until_it_expires(client, settings):
    from datetime import timedelta

    from sqlalchemy import update

    from assistant.db.engine import create_engine, session_factory
    from assistant.db.models import Review, utcnow
    from assistant.domain.queue.service import DraftService
    from assistant.errors import Conflict
    from assistant.playbooks import PlaybookRegistry

    body = await _drafted(client, JUG)
    draft_id = body["draft"]["id"]
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            service = DraftService(session, PlaybookRegistry.from_directory(settings.playbooks_dir))
            await service.claim(body["id"], actor="anna@example.com", minutes=15)
            for attempt in (
                lambda: service.approve(draft_id, actor="boris@example.com"),
                lambda: service.reject(draft_id, actor="boris@example.com", reason="no"),
                lambda: service.edit(draft_id, text=REPLY, version=1, actor="boris@example.com"),
                lambda: service.handle(draft_id, actor="boris@example.com", reason="spam"),
            ):
                with pytest.raises(Conflict) as held:
                    await attempt()
                assert held.value.extra["claimed_by"] == "anna@example.com"
            edited = await service.edit(draft_id, text=REPLY, version=1, actor="anna@example.com")  # hers: fine
            assert edited.version == 2
            await session.execute(
                update(Review).where(Review.id == body["id"]).values(claimed_until=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
            approved = await service.approve(draft_id, actor="boris@example.com")  # expired: anyone
            assert approved.status == "approved"
    finally:
        await engine.dispose()


async def test_bad_input_to_the_new_moves_is_a_4xx_problem_never_a_500(client):
    body = await _drafted(client, JUG)
    url = f"/api/v1/drafts/{body['draft']['id']}"
    cases = [
        ("post", f"{url}/handle", {"reason": "x" * 2001}),
        ("post", f"{url}/handle", {"reason": "spam", "extra": 1}),
        ("post", f"{url}/escalate", {"note": "look", "role": "ceo"}),
        ("post", f"{url}/escalate", {"note": ""}),
        ("post", f"{url}/undo", {"window_seconds": -1}),
        ("post", f"{url}/draft-anyway", {"reason": "why", "text": "\x00"}),
        ("post", f"{url}/reopen", {"reason": 5}),
        ("post", "/api/v1/drafts/999999/handle", {"reason": "spam"}),
        ("post", f"/api/v1/reviews/{body['id']}/classification", {"action": "shout"}),
        ("post", f"/api/v1/reviews/{body['id']}/classification", {"language": "x"}),
        ("post", f"/api/v1/reviews/{body['id']}/classification", {"topics": ["t" * 41]}),
        ("post", f"/api/v1/reviews/{body['id']}/classification", {"topics": ["a"] * 13}),
        ("post", "/api/v1/reviews/999999/reply", {"text": REPLY}),
        ("post", f"/api/v1/reviews/{body['id']}/reply", {"text": ""}),
    ]
    for method, path, payload in cases:
        response = await getattr(client, method)(path, json=payload)
        assert 400 <= response.status_code < 500, (path, payload, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), response.headers
