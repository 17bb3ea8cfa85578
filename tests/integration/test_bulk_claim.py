"""Bulk approval (service and `POST /api/v1/drafts/bulk-approve`) takes only drafts the guard passed, and
claims: visible holder, conflicts, renewal, expiry, release — each recorded in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from assistant.db.engine import create_engine, session_factory
from assistant.db.models import Review, utcnow
from assistant.domain.queue.service import DraftService
from assistant.domain.reviews.service import ReviewService
from assistant.errors import Conflict, InvalidInput
from assistant.playbooks import PlaybookRegistry
from tests.conftest import wait_for_status

THANKS = [
    {"text": "Fast delivery and a very polite courier, thank you! The kettle works perfectly.", "rating": 5},
    {"text": "Great blender, strong motor and easy to clean. Thanks a lot!", "rating": 5},
    {"text": "The jug arrived cracked, please send a replacement.", "rating": 2},
]
FOREIGN_LINK = (
    "Thank you for the kind words about the kettle! Read more at http://cheap-kettles.example.net "
    "and call +1 555 0100. The support team"
)


FITTING = {
    "kettle works": "Thank you for the kind words about our polite courier and the fast delivery; we are glad "
    "the kettle works perfectly! The support team",
    "Great blender": "Thank you for the kind words about the blender's strong motor and how easy it is to "
    "clean! The support team",
    "jug arrived cracked": "We are sorry the jug arrived cracked. We will send you a replacement jug this week; "
    "reply with your order number. The support team",
}


@pytest.fixture(autouse=True)
def _fitting_drafts(scripted_llm):
    """Drafts that answer their review (the scripted default fits none, and the guard flags that)."""
    from assistant.processing.stand_in import default_responder

    def respond(body: dict) -> str:
        prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
        if (body.get("response_format") or {}).get("type") != "json_schema":
            for words, reply in FITTING.items():
                if words in prompt:
                    return reply
        return default_responder(body)

    scripted_llm.responder = respond


async def _drafted(client, index: int, review: dict) -> dict:
    created = (
        await client.post("/api/v1/reviews", json={**review, "source": "shop", "external_id": f"bulk-{index}"})
    ).json()
    return await wait_for_status(client, created["id"], "pending_approval")


@pytest.fixture
async def service(settings):
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        yield DraftService(session, PlaybookRegistry.from_directory(settings.playbooks_dir))
    await engine.dispose()


async def test_bulk_approve_api_takes_clean_drafts_and_refuses_flagged_ones(client):
    reviews = [await _drafted(client, i, r) for i, r in enumerate(THANKS)]
    clean = [r["draft"]["id"] for r in reviews[:2]]
    assert not any(r["draft"]["flagged"] for r in reviews[:2]), [r["draft"]["flags"] for r in reviews[:2]]
    # an agent's edit the guard flags (a link and a phone not in the brand facts) makes the third ineligible
    third = reviews[2]["draft"]
    flagged = await client.patch(f"/api/v1/drafts/{third['id']}", json={"text": FOREIGN_LINK, "version": 1})
    assert flagged.status_code == 200 and flagged.json()["flagged"], flagged.json()

    response = await client.post("/api/v1/drafts/bulk-approve", json={"ids": [*clean, third["id"], 99999]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["approved"] == clean
    refused = {item["id"]: item["reason"] for item in body["refused"]}
    assert "flagged by the guard" in refused[third["id"]] and refused[99999] == "not found"
    for review in reviews[:2]:
        assert (await client.get(f"/api/v1/reviews/{review['id']}")).json()["status"] == "approved"
        events = (await client.get(f"/api/v1/reviews/{review['id']}/events")).json()
        assert events[-1]["action"] == "approved" and events[-1]["actor"] == "bootstrap"
    assert (await client.get(f"/api/v1/drafts/{third['id']}")).json()["draft"]["status"] == "pending"

    again = (await client.post("/api/v1/drafts/bulk-approve", json={"ids": clean})).json()
    assert again["approved"] == [] and all("already approved" in r["reason"] for r in again["refused"])


async def test_bulk_approve_api_rejects_bad_input(client):
    for body in ({"ids": []}, {"ids": [0]}, {"ids": "1,2"}, {"ids": [1], "all": True}, {"ids": list(range(1, 502))}):
        response = await client.post("/api/v1/drafts/bulk-approve", json=body)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.post("/api/v1/drafts/bulk-approve", json={"ids": [1]}, headers={"Authorization": "Bearer nope"})
    ).status_code == 401


async def test_claims_conflict_renew_expire_and_release(client, service):
    review = await _drafted(client, 0, THANKS[0])
    review_id = review["id"]
    held = await service.claim(review_id, actor="anna@example.com", minutes=15)
    assert held.claimed_by == "anna@example.com"
    with pytest.raises(Conflict) as conflict:
        await service.claim(review_id, actor="boris@example.com", minutes=15)
    assert conflict.value.extra["claimed_by"] == "anna@example.com"
    renewed = await service.claim(review_id, actor="anna@example.com", minutes=30)  # her own: renewed
    assert renewed.claimed_by == "anna@example.com"

    # bulk approval skips a review someone else holds, but not the holder's own
    draft_id = review["draft"]["id"]
    refused = await service.bulk_approve([draft_id], "boris@example.com")
    assert refused.approved == [] and "claimed by anna@example.com" in refused.refused[0][1]

    await service.release(review_id, actor="boris@example.com")  # not his: nothing happens
    with pytest.raises(Conflict):
        await service.claim(review_id, actor="boris@example.com", minutes=15)
    # an expired claim is free for anyone
    await service.session.execute(
        update(Review).where(Review.id == review_id).values(claimed_until=utcnow() - timedelta(minutes=1))
    )
    await service.session.commit()
    taken = await service.claim(review_id, actor="boris@example.com", minutes=15)
    assert taken.claimed_by == "boris@example.com"
    await service.release(review_id, actor="boris@example.com")
    await service.session.refresh(taken)
    assert taken.claimed_by is None and taken.claimed_until is None

    mine = await service.bulk_approve([draft_id], "anna@example.com")
    assert mine.approved == [draft_id]
    actions = [(e.action, e.actor) for e in await ReviewService(service.session).events(review_id)]
    assert actions == [
        ("drafted", "assistant"),
        ("claimed", "anna@example.com"),
        ("claimed", "anna@example.com"),
        ("claimed", "boris@example.com"),
        ("released", "boris@example.com"),
        ("approved", "anna@example.com"),
    ]


async def test_claim_and_bulk_service_edges(client, service):
    with pytest.raises(Exception) as missing:
        await service.claim(424242, actor="anna@example.com", minutes=5)
    assert type(missing.value).__name__ == "NotFound"
    with pytest.raises(InvalidInput):
        await service.bulk_approve([], "anna@example.com")
    review = await _drafted(client, 0, THANKS[1])
    result = await service.bulk_approve([review["draft"]["id"], review["draft"]["id"]], "anna@example.com")
    assert result.approved == [review["draft"]["id"]] and result.refused == []  # duplicates count once
