"""Resolving a case: the review is marked resolved and a guarded follow-up asking the satisfied customer to update the
rating joins the queue as a second draft; everything is audited."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from assistant.server.app import create_app
from tests.conftest import confirming, wait_for_status
from tests.integration.test_security import _sign_in, _token, _user

REVIEW = {
    "text": "The blender arrived with a cracked jug. Please send a new one.",
    "source": "shop",
    "external_id": "f-1",
    "rating": 2,
}
FOLLOW_UP = (
    "Thank you for your patience while we sorted out the cracked jug. The new one has been delivered, "
    "so if your impression has changed, would you consider updating your review? The support team"
)


async def answered(client, **overrides) -> dict:
    created = (await client.post("/api/v1/reviews", json={**REVIEW, **overrides})).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    approved = await client.post(f"/api/v1/drafts/{body['draft']['id']}/approve", json=confirming(body["draft"]))
    assert approved.status_code == 200, approved.text
    return body


async def test_resolve_queues_a_follow_up_draft(client, scripted_llm):
    body = await answered(client)
    scripted_llm.reply(FOLLOW_UP)
    response = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert response.status_code == 201, response.text
    resolved = response.json()
    follow_up = resolved["follow_up"]
    assert resolved["resolved_at"] and resolved["review_id"] == body["id"]
    assert follow_up["kind"] == "follow_up" and follow_up["status"] == "pending" and follow_up["version"] == 1
    assert follow_up["text"] == FOLLOW_UP and not follow_up["flagged"], follow_up["guard_issues"]
    assert scripted_llm.requests[-1]["messages"][0]["content"].startswith("You write a short follow-up")

    queue = (await client.get("/api/v1/drafts", params={"status": "pending"})).json()
    assert [d["id"] for d in queue["items"]] == [follow_up["id"]]
    detail = (await client.get(f"/api/v1/drafts/{follow_up['id']}")).json()
    assert [v["origin"] for v in detail["versions"]] == ["llm"]

    events = (await client.get(f"/api/v1/reviews/{body['id']}/events")).json()
    assert [e["action"] for e in events] == ["drafted", "approved", "resolved", "drafted"]
    assert events[2]["actor"] == "bootstrap" and events[2]["detail"]["follow_up_draft_id"] == follow_up["id"]
    assert events[3]["detail"]["kind"] == "follow_up"

    approved = await client.post(f"/api/v1/drafts/{follow_up['id']}/approve", json=confirming(follow_up, version=1))
    assert approved.status_code == 200
    review = (await client.get(f"/api/v1/reviews/{body['id']}")).json()
    assert review["status"] == "approved"


async def test_the_follow_up_is_guarded(client, scripted_llm):
    body = await answered(client)
    scripted_llm.reply(
        *[
            "Thanks for waiting! Update your rating to 5 stars and get a 50% discount on your next "
            "order: http://promo.example.net/deal The support team"
        ]
        * 4
    )
    response = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert response.status_code == 201, response.text
    follow_up = response.json()["follow_up"]
    assert follow_up["flagged"] and follow_up["status"] == "pending"
    codes = {issue["code"] for issue in follow_up["guard_issues"]}
    assert "link_not_allowed" in codes and codes & {"unauthorized_remedy", "discount_over_cap"}, codes


async def test_resolve_twice_or_too_early_is_refused(client, scripted_llm):
    pending = (await client.post("/api/v1/reviews", json={**REVIEW, "external_id": "f-early"})).json()
    await wait_for_status(client, pending["id"], "pending_approval", "failed")
    early = await client.post(f"/api/v1/reviews/{pending['id']}/resolve")
    assert early.status_code == 409 and "approve a reply" in early.json()["detail"]

    body = await answered(client)
    first = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert first.status_code == 201
    second = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert second.status_code == 409
    assert second.json()["follow_up_draft_id"] == first.json()["follow_up"]["id"]
    assert (await client.post("/api/v1/reviews/999999/resolve")).status_code == 404
    follow_ups = [d for d in (await client.get("/api/v1/drafts")).json()["items"] if d["kind"] == "follow_up"]
    assert len(follow_ups) == 1


async def test_a_model_failure_changes_nothing(client, scripted_llm):
    body = await answered(client)
    scripted_llm.fail(500, times=10)
    failed = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert failed.status_code == 502 and failed.headers["content-type"].startswith("application/problem+json")
    events = [e["action"] for e in (await client.get(f"/api/v1/reviews/{body['id']}/events")).json()]
    assert "resolved" not in events
    scripted_llm.script.clear()
    scripted_llm.reply(FOLLOW_UP)
    again = await client.post(f"/api/v1/reviews/{body['id']}/resolve")
    assert again.status_code == 201, again.text


async def test_the_review_page_resolves_a_case(settings, client, scripted_llm):
    """The page's "Mark resolved" button takes the API's path: the case resolved, a follow-up drafted, audited."""
    body = await answered(client)
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _sign_in(web)
        form = f'action="/reviews/{body["id"]}/resolve"'
        page = await web.get(f"/reviews/{body['id']}")
        assert form in page.text
        scripted_llm.reply(FOLLOW_UP)
        response = await web.post(
            f"/reviews/{body['id']}/resolve", data={"_csrf_token": _token(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        after = await web.get(f"/reviews/{body['id']}")
        assert FOLLOW_UP in after.text and form not in after.text
    events = (await client.get(f"/api/v1/reviews/{body['id']}/events")).json()
    assert [(e["action"], e["actor"]) for e in events][2:] == [
        ("resolved", "anna@example.com"),
        ("drafted", "assistant"),
    ]
