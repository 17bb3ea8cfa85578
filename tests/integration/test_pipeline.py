"""The pipeline end to end over HTTP, on both databases, with a real HTTP server playing the LLM."""

from __future__ import annotations

from tests.conftest import wait_for_status

COMPLAINT = {"text": "Заказала платье, а пришло с дыркой на рукаве. Очень расстроена, хочу замену.",
             "source": "marketplace", "external_id": "p-1", "rating": 2}


async def test_review_reaches_pending_approval_with_a_draft(client, scripted_llm):
    created = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    assert created["status"] in ("received", "processing", "pending_approval")
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    assert body["classification"]["language"] == "ru"
    assert body["draft"]["text"] and body["draft"]["version"] == 1
    assert scripted_llm.requests, "the draft came from the LLM server"
    system = scripted_llm.requests[-1]["messages"][0]
    assert system["role"] == "system" and "дыркой" not in system["content"], "review text stays out of the system prompt"


async def test_llm_failing_then_recovering_still_drafts(client, scripted_llm):
    scripted_llm.fail(429, retry_after=0.1)
    scripted_llm.fail(500)
    created = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]


async def test_llm_failing_for_good_marks_failed_then_retry_succeeds(client, scripted_llm):
    scripted_llm.set_rates(server_error=1.0)
    created = (await client.post("/api/v1/reviews", json={**COMPLAINT, "external_id": "p-down"})).json()
    body = await wait_for_status(client, created["id"], "failed", "pending_approval")
    if body["classification"] is None and body["status"] == "pending_approval":
        raise AssertionError("a review cannot be drafted while the model is down")
    assert body["status"] == "failed"
    assert "500" in body["error"] or "unavailable" in body["error"].lower()
    scripted_llm.set_rates()
    retried = await client.post(f"/api/v1/reviews/{created['id']}/retry")
    assert retried.status_code == 202
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    again = await client.post(f"/api/v1/reviews/{created['id']}/retry")
    assert again.status_code == 409


async def test_every_llm_call_is_logged(client, settings):
    created = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    await wait_for_status(client, created["id"], "pending_approval")
    from sqlalchemy import select

    from assistant.db.engine import create_engine, session_factory
    from assistant.db.models import LLMCall

    engine = create_engine(settings.resolved_database_url)
    async with session_factory(engine)() as session:
        calls = (await session.execute(select(LLMCall).where(LLMCall.review_id == created["id"]))).scalars().all()
    await engine.dispose()
    assert calls and all(c.tokens_in > 0 and c.model == "scripted" and c.error is None for c in calls)
    assert any(c.tokens_out > 0 and c.response for c in calls)
