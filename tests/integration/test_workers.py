"""Scale-out on SAQ: real `assistant worker` processes on one Redis queue share a batch, each review once;
the service's SaqDispatcher enqueues a review once however often it is submitted (Redis and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlmodel import col

from assistant.batch.reader import ReadOptions
from assistant.batch.run import BatchOptions, run_batch
from assistant.db.engine import create_engine, session_factory
from assistant.db.models import Review, ReviewStatus
from assistant.domain.reviews.schemas import ReviewIn
from assistant.domain.reviews.service import ReviewService
from assistant.processing import bulk
from assistant.processing.bulk import WorkFeed
from assistant.processing.saq_jobs import build_worker
from assistant.processing.saq_queue import SaqDispatcher, enqueue_review, job_key, make_queue
from assistant.server.app import create_app
from assistant.settings import Settings
from tests.conftest import AUTH, wait_for_status
from tests.fixtures.batch.generate import write_reviews
from tests.integration.test_batch import cli_env, state

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def redis_up() -> bool:
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(REDIS_URL)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_up(), reason=f"Redis is not reachable at {REDIS_URL}")


@pytest.fixture
async def queued(settings: Settings) -> AsyncIterator[Settings]:
    """The test's settings with a queue of its own on Redis, removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield settings.model_copy(update={"queue_url": REDIS_URL, "queue_name": name})
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"saq:{name}:*")]
    keys += [key async for key in redis.scan_iter(match=f"saq:job:{name}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@pytest.fixture
def workers(queued: Settings, tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    env = {
        **os.environ,
        **cli_env(queued),
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_QUEUE_URL": REDIS_URL,
        "ASSISTANT_QUEUE_NAME": queued.queue_name,
    }
    processes = []
    for index in range(2):
        log = (tmp_path / f"worker-{index}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "assistant", "worker", "--concurrency", "4", "--log-level", "warning"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        )
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


async def test_two_workers_share_a_batch_each_review_once(queued, workers, tmp_path):
    total = 40
    path = write_reviews(tmp_path / "backlog.csv", total, languages=("en", "lv"))
    options = BatchOptions(path=path, read=ReadOptions(source="backlog"))
    report = await asyncio.wait_for(run_batch(options, queued), timeout=90)
    assert all(w.poll() is None for w in workers), "the workers are still up"
    assert report.failures == [], report.failures
    assert report.processed and report.processed.statuses == {"pending_approval": total}
    assert report.processed.calls >= total, "the workers' LLM calls are counted from the call log"
    after = await state(queued, "backlog")
    assert after["count"] == total and after["statuses"] == ["pending_approval"]
    assert set(after["drafts"]) == {1} and set(after["attempts"]) == {1}, "each review processed exactly once"

    queue = make_queue(REDIS_URL, queued.queue_name)
    await queue.connect()
    try:
        for _ in range(100):  # a job is marked complete just after its review is
            if await queue.count("incomplete") == 0:
                break
            await asyncio.sleep(0.05)
        jobs = await queue.jobs([job_key(i) for i in report.imported.work])
    finally:
        await queue.disconnect()
    assert all(job and job.status == "complete" for job in jobs)
    assert len({job.worker_id for job in jobs if job}) == 2, "both workers took a share"

    again = await asyncio.wait_for(run_batch(options, queued), timeout=30)
    assert again.imported.work == [] and again.imported.finished == total


async def test_no_wait_enqueues_every_imported_review_once_and_returns(queued, tmp_path):
    """`--no-wait` with no worker running: each stored review gets its job as the import hands it over, and the
    run returns without processing; a second run enqueues nothing new (jobs are keyed by review)."""
    total = 70  # more than the feed holds at once
    options = BatchOptions(path=write_reviews(tmp_path / "backlog.csv", total), read=ReadOptions("backlog"), wait=False)
    report = await asyncio.wait_for(run_batch(options, queued), timeout=60)
    assert report.queued_only and report.processed is None and len(report.imported.work) == total
    queue = make_queue(REDIS_URL, queued.queue_name)
    await queue.connect()
    try:
        jobs = await queue.jobs([job_key(i) for i in report.imported.work])
        assert all(job and job.status == "queued" for job in jobs) and await queue.count("queued") == total
        again = await asyncio.wait_for(run_batch(options, queued), timeout=60)
        assert again.queued_only and sorted(again.imported.work) == sorted(report.imported.work)
        assert await queue.count("queued") == total, "each review's job once"
    finally:
        await queue.disconnect()
    assert (await state(queued, "backlog"))["statuses"] == ["received"]


@pytest.mark.parametrize("queue_kind", ["redis", "postgresql"])
async def test_service_enqueues_each_review_once_and_a_worker_drafts_it(settings, queued, queue_kind):
    if queue_kind == "postgresql":
        if not settings.resolved_database_url.startswith("postgresql"):
            pytest.skip("the PostgreSQL queue shares the PostgreSQL test database")
        queued = queued.model_copy(update={"queue_url": settings.resolved_database_url})
    review = {
        "text": "The courier was two hours late and the box was crushed",
        "source": "shop",
        "external_id": "q-1",
        "rating": 2,
    }
    async with AsyncTestClient(app=create_app(queued)) as client:
        client.headers.update(AUTH)
        first = await client.post("/api/v1/reviews", json=review)
        replay = await client.post("/api/v1/reviews", json=review)
        assert (first.status_code, replay.status_code) == (201, 200)
        review_id = first.json()["id"]
        assert isinstance(client.app.state.dispatcher, SaqDispatcher)

        worker = build_worker(queued, concurrency=2, burst=True)
        queue = worker.queue  # the same queue, on this test's event loop (the app runs on another)
        await queue.connect()
        try:
            assert not await enqueue_review(queue, review_id, timeout=60), "a second submit adds no job"
            assert await queue.count("incomplete") == 1
            assert (await queue.job(job_key(review_id))).kwargs == {"review_id": review_id}
            await asyncio.wait_for(worker.start(), timeout=60)
            assert await queue.count("incomplete") == 0
        finally:
            await queue.disconnect()
        body = await wait_for_status(client, review_id, "pending_approval", "failed")
        assert body["status"] == "pending_approval", body["error"]
        assert body["attempts"] == 1 and body["draft"]["version"] == 1


async def test_a_queued_run_reports_a_review_finished_out_of_turn(queued, monkeypatch):
    """The wait reads the first-enqueued pending reviews each poll and every pending one now and then: a review
    the workers finished ahead of its turn is reported then, not once every review enqueued before it is done."""
    monkeypatch.setattr(bulk, "WATCHED", 2)
    monkeypatch.setattr(bulk, "FULL_POLL_EVERY", 4)
    engine = create_engine(queued.resolved_database_url)
    sessions = session_factory(engine)
    queue = make_queue(REDIS_URL, queued.queue_name)
    await queue.connect()
    try:
        async with sessions() as session:
            stored = await ReviewService(session).ingest_many(
                [
                    (ReviewIn(text=f"The kettle broke after {n} days", source="turns", external_id=f"t-{n}"), None)
                    for n in range(6)
                ]
            )
        ids = [review.id for review, _ in stored]  # type: ignore[union-attr]
        feed = WorkFeed()
        for review_id in ids:
            await feed.put(review_id)
        await feed.close()

        async def finish(*review_ids: int) -> None:
            async with sessions() as session:
                await session.execute(
                    update(Review).where(col(Review.id).in_(review_ids)).values(status=ReviewStatus.pending_approval)
                )
                await session.commit()

        reported: list[int] = []
        await finish(ids[-1])  # the last enqueued is done first; the rest a second later
        later = asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(finish(*ids[:-1])))
        result = await asyncio.wait_for(
            bulk.process_queued(
                feed,
                queue,
                sessions,
                job_timeout=60,
                max_attempts=3,
                poll=0.2,
                on_done=lambda i, _s: reported.append(i),
            ),
            timeout=20,
        )
        later.cancel()
    finally:
        await queue.disconnect()
        await engine.dispose()
    assert sorted(reported) == sorted(ids) and result.statuses["pending_approval"] == 6
    assert reported[0] == ids[-1], reported  # seen by a full poll, before the others were finished
