"""SAQ workers retry a review the model failed on, with SAQ's own retry and backoff, as the in-process
dispatcher does: a real Redis queue, a real worker, the scripted model answering 500 and then recovering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from assistant.db.engine import create_engine, session_factory
from assistant.domain.reviews.service import ReviewService
from assistant.processing import saq_jobs
from assistant.processing.saq_jobs import build_worker
from assistant.processing.saq_queue import SaqDispatcher, job_key, recover
from assistant.server.app import create_app
from tests.conftest import AUTH, wait_for_status
from tests.integration.test_workers import queued, redis_up  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(not redis_up(), reason="Redis is not reachable")

REVIEW = {"text": "The courier was two hours late and the box was crushed", "source": "shop", "rating": 2}


@contextlib.asynccontextmanager
async def _running(worker) -> AsyncIterator[None]:
    """The worker takes jobs inside the block; stopped (its running jobs finished) on the way out."""
    task = asyncio.create_task(worker.start())
    try:
        yield
    finally:
        await worker.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _job_once(queue, review_id: int, ready, tries: int = 400):
    """The review's job once `ready(job)` holds, or as it is after `tries` × 0.1 s. A job finishes in SAQ just
    after its review's result is committed, so the review's status alone does not say the job is done."""
    job = None
    for _ in range(tries):
        job = await queue.job(job_key(review_id))
        if job and ready(job):
            break
        await asyncio.sleep(0.1)
    return job


@pytest.mark.parametrize("queue_kind", ["redis"])
async def test_a_worker_retries_while_the_model_is_down_then_drafts(queued, scripted_llm, monkeypatch, queue_kind):  # noqa: F811
    monkeypatch.setattr(saq_jobs, "MODEL_RETRY", (0.2, 0.5))
    scripted_llm.fail(500, times=queued.llm_max_attempts)  # one job's worth of model calls: all 500
    async with AsyncTestClient(app=create_app(queued)) as client:
        client.headers.update(AUTH)
        review_id = (await client.post("/api/v1/reviews", json={**REVIEW, "external_id": "down-1"})).json()["id"]
        worker = build_worker(queued, concurrency=2)
        await worker.queue.connect()
        try:
            async with _running(worker):
                body = await wait_for_status(client, review_id, "pending_approval", timeout=40)
                job = await _job_once(worker.queue, review_id, lambda job: job.status == "complete")
        finally:
            await worker.queue.disconnect()
    assert body["status"] == "pending_approval" and body["attempts"] == 2, body
    assert body["error"] is None and body["draft"]["text"]
    assert job.status == "complete" and job.result == "pending_approval", "the retried job drafted it"


async def test_a_worker_gives_up_after_the_model_retries(queued, scripted_llm, monkeypatch):  # noqa: F811
    monkeypatch.setattr(saq_jobs, "MODEL_RETRY", (0.1, 0.2))
    monkeypatch.setattr(saq_jobs, "MODEL_RETRIES", 1)
    scripted_llm.fail(500, times=1000)  # down for good
    async with AsyncTestClient(app=create_app(queued)) as client:
        client.headers.update(AUTH)
        review_id = (await client.post("/api/v1/reviews", json={**REVIEW, "external_id": "down-2"})).json()["id"]
        worker = build_worker(queued, concurrency=2)
        await worker.queue.connect()
        try:
            async with _running(worker):
                # the second (last) attempt finishes as a completed job, the review failed
                job = await _job_once(worker.queue, review_id, lambda job: job.status == "complete")
        finally:
            await worker.queue.disconnect()
        body = (await client.get(f"/api/v1/reviews/{review_id}")).json()
    assert job.status == "complete"
    assert body["status"] == "failed" and body["attempts"] == 2 and body["error"].startswith("LLM"), body


@contextlib.asynccontextmanager
async def _waiting_for_its_model_retry(settings, scripted_llm, monkeypatch, external_id: str):
    """A review the model failed on (500 for one job's worth of calls), its job back in the queue for SAQ's next
    try 10 minutes away, under the review's key; yields (client, worker, review id) with the worker running."""
    monkeypatch.setattr(saq_jobs, "MODEL_RETRY", (600.0, 600.0))  # SAQ's own next try: 10 minutes away
    scripted_llm.fail(500, times=settings.llm_max_attempts)  # one job's worth of model calls: all 500
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update(AUTH)
        review_id = (await client.post("/api/v1/reviews", json={**REVIEW, "external_id": external_id})).json()["id"]
        worker = build_worker(settings, concurrency=2)
        await worker.queue.connect()
        try:
            async with _running(worker):
                job = await _job_once(worker.queue, review_id, lambda job: job.status == "queued" and job.attempts == 1)
                assert job and job.status == "queued" and job.attempts == 1, job
                yield client, worker, review_id
        finally:
            await worker.queue.disconnect()


@pytest.mark.parametrize("queue_kind", ["redis", "postgresql"])
async def test_a_person_retrying_a_review_that_waits_for_its_model_retry_gets_it_drafted_now(
    settings,
    queued,  # noqa: F811
    scripted_llm,
    monkeypatch,
    queue_kind,
):
    """The model was down, so the job waits for SAQ's next try (up to 10 minutes away) under the review's job key;
    the model is back and a person presses Retry: the waiting job runs now instead of the retry adding nothing."""
    if queue_kind == "postgresql":
        if not settings.resolved_database_url.startswith("postgresql"):
            pytest.skip("the PostgreSQL queue shares the PostgreSQL test database")
        queued = queued.model_copy(update={"queue_url": settings.resolved_database_url})
    async with _waiting_for_its_model_retry(queued, scripted_llm, monkeypatch, "down-3") as (client, _, review_id):
        assert (await client.get(f"/api/v1/reviews/{review_id}")).json()["status"] == "failed"
        assert (await client.post(f"/api/v1/reviews/{review_id}/retry")).status_code == 202
        body = await wait_for_status(client, review_id, "pending_approval", "failed", timeout=20)
    assert body["status"] == "pending_approval" and body["draft"]["text"], body


async def test_a_retry_the_dispatcher_missed_is_brought_forward_by_the_sweep(queued, scripted_llm, monkeypatch):  # noqa: F811
    """A person's Retry that lands while the failing job is still finishing finds the job running: the dispatcher
    leaves it, and the job then waits for SAQ's next try (10 minutes) under the review's key, where a plain
    re-enqueue adds nothing. The recovery sweep sees a `received` review without a job of its own and runs the
    waiting try now."""
    engine = create_engine(queued.resolved_database_url)  # the test's own: the app's pool lives on its loop
    sessions = session_factory(engine)
    try:
        async with _waiting_for_its_model_retry(queued, scripted_llm, monkeypatch, "down-4") as (
            client,
            worker,
            review_id,
        ):
            async with sessions() as session:  # the Retry, without the dispatcher's part (it found the job running)
                await ReviewService(session).retry(review_id)
            await asyncio.sleep(1.0)
            assert (await client.get(f"/api/v1/reviews/{review_id}")).json()["status"] == "received"
            assert await recover(worker.queue, sessions, timeout=queued.job_timeout) == 1
            body = await wait_for_status(client, review_id, "pending_approval", "failed", timeout=20)
    finally:
        await engine.dispose()
    assert body["status"] == "pending_approval" and body["draft"]["text"], body


@pytest.mark.parametrize("queue_kind", ["redis", "postgresql"])
async def test_a_retry_that_finds_the_job_running_is_carried_out_when_the_job_lets_go(
    settings,
    queued,  # noqa: F811
    scripted_llm,
    monkeypatch,
    queue_kind,
):
    """The person's Retry reaches the dispatcher while the review's failing job is still running: nothing can be
    queued under the held key then, and the job goes on to wait for SAQ's next try 10 minutes away. The dispatcher
    watches the running job and brings that try forward as soon as the job lets go (no sweep involved)."""
    if queue_kind == "postgresql":
        if not settings.resolved_database_url.startswith("postgresql"):
            pytest.skip("the PostgreSQL queue shares the PostgreSQL test database")
        queued = queued.model_copy(update={"queue_url": settings.resolved_database_url})
    monkeypatch.setattr(saq_jobs, "MODEL_RETRY", (600.0, 600.0))  # SAQ's own next try: 10 minutes away
    scripted_llm.latency = 0.5  # each failing call takes a while: the job is seen running
    scripted_llm.fail(500, times=queued.llm_max_attempts)  # one job's worth of model calls: all 500
    engine = create_engine(queued.resolved_database_url)  # the test's own: the app's pool lives on its loop
    try:
        async with AsyncTestClient(app=create_app(queued)) as client:
            client.headers.update(AUTH)
            review = {**REVIEW, "external_id": "down-5"}
            review_id = (await client.post("/api/v1/reviews", json=review)).json()["id"]
            worker = build_worker(queued, concurrency=2)
            await worker.queue.connect()
            dispatcher = SaqDispatcher(worker.queue, session_factory(engine), job_timeout=queued.job_timeout)
            try:
                async with _running(worker):
                    job = await _job_once(worker.queue, review_id, lambda job: job.status == "active")
                    assert job and job.status == "active", job
                    await dispatcher.submit(review_id)  # a Retry's part on the queue, while the job runs
                    scripted_llm.latency = 0.0
                    body = await wait_for_status(client, review_id, "pending_approval", timeout=20)
            finally:
                await worker.queue.disconnect()
    finally:
        await engine.dispose()
    assert body["draft"]["text"], body
