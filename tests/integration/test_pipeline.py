"""The pipeline end to end over HTTP, on both databases, with a real HTTP server playing the LLM."""

from __future__ import annotations

from tests.conftest import wait_for_status

COMPLAINT = {
    "text": "Заказала платье, а пришло с дыркой на рукаве. Очень расстроена, хочу замену.",
    "source": "marketplace",
    "external_id": "p-1",
    "rating": 2,
}


async def test_review_reaches_pending_approval_with_a_draft(client, scripted_llm):
    created = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    assert created["status"] in ("received", "processing", "pending_approval")
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    assert body["classification"]["language"] == "ru"
    assert body["draft"]["text"] and body["draft"]["version"] == 1
    assert scripted_llm.requests, "the draft came from the LLM server"
    system = scripted_llm.requests[-1]["messages"][0]
    assert system["role"] == "system" and "дыркой" not in system["content"], (
        "review text stays out of the system prompt"
    )


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


async def test_two_processors_of_one_review_store_one_draft(settings, scripted_llm):
    """A restarted service and a batch (or a redelivered job) may run the same review at once."""
    import asyncio

    from sqlalchemy import func, select

    from assistant.db.engine import create_engine, session_factory
    from assistant.db.models import Draft
    from assistant.domain.reviews.schemas import ReviewIn
    from assistant.domain.reviews.service import ReviewService
    from assistant.llm import build_llm
    from assistant.playbooks import PlaybookRegistry
    from assistant.processing.pipeline import Pipeline

    scripted_llm.latency = 0.3  # both get past "already drafted?" before either stores its draft
    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            review, _ = await ReviewService(session).ingest(ReviewIn(**{**COMPLAINT, "external_id": "race"}))
        pipeline = Pipeline(sessions, build_llm(settings), PlaybookRegistry.from_directory(settings.playbooks_dir))
        statuses = await asyncio.gather(pipeline.process(review.id), pipeline.process(review.id))
        async with sessions() as session:
            drafts = (
                await session.execute(select(func.count()).select_from(Draft).where(Draft.review_id == review.id))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert drafts == 1
    assert set(statuses) == {"pending_approval"}
