"""Crash safety: `kill -9` in the middle of processing loses nothing and drafts nothing twice.

The service (`assistant serve`) and a scale-out worker (`assistant worker` on Redis) run as real
subprocesses against the test's database and the scripted LLM (slowed down so that reviews are mid-flight
when the process dies). After a restart every accepted review — and any review the dead process stored
without answering — ends `pending_approval` with exactly one reply draft, and the drafts written before
the crash are the ones kept."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from assistant.db.engine import create_engine, session_factory
from assistant.db.models import Draft, Review
from assistant.server.app import create_app
from assistant.settings import Settings
from tests.conftest import API_KEY, AUTH

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/7"


def review(index: int, tag: str) -> dict:
    texts = [
        "The courier was {n} hours late and the box was crushed",
        "Lovely lamp, arrived in {n} days, thanks!",
        "Kurjers kavējās {n} stundas, un krēsls bija saplēsts.",
        "The kettle leaks after {n} days, I want a new one",
    ]
    return {
        "text": texts[index % len(texts)].format(n=2 + index % 5) + f" (#{tag}-{index})",
        "source": "crash",
        "external_id": f"{tag}-{index}",
        "rating": 2 + index % 4,
    }


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_DATABASE_URL": settings.resolved_database_url,
        "ASSISTANT_LLM_BASE_URL": settings.llm_base_url or "",
        "ASSISTANT_LLM_MODEL": "scripted",
        "ASSISTANT_LLM_TIMEOUT": "10",
        "ASSISTANT_LLM_MAX_RETRY_WAIT": "0.2",
        "ASSISTANT_QUEUE_URL": "",
        "ASSISTANT_BOOTSTRAP_API_KEY": API_KEY,
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        **extra,
    }


class Process:
    """One `assistant …` subprocess, its output in a log file; `kill()` is SIGKILL, nothing graceful."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "assistant", *args], env=env, cwd=ROOT, stdout=out, stderr=out
            )

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        assert self.popen.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def serve(settings: Settings, port: int, log: Path) -> Process:
    process = Process(
        ["serve", "--port", str(port), "--log-level", "warning"], env_for(settings, ASSISTANT_WORKERS="4"), log
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"`assistant serve` did not come up: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def snapshot(url: str) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Status of every review, and the ids of its reply drafts."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            statuses = dict((await session.execute(select(Review.id, Review.status))).all())
            drafts: dict[int, list[int]] = {}
            for review_id, draft_id in (
                await session.execute(select(Draft.review_id, Draft.id).where(Draft.kind == "reply").order_by(Draft.id))
            ).all():
                drafts.setdefault(review_id, []).append(draft_id)
    finally:
        await engine.dispose()
    return statuses, drafts


async def wait_until(url: str, done, timeout: float, what: str) -> tuple[dict[int, str], dict[int, list[int]]]:
    deadline = time.monotonic() + timeout
    while True:
        statuses, drafts = await snapshot(url)
        if done(statuses, drafts):
            return statuses, drafts
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {sorted(set(statuses.values()))}, {len(drafts)} drafted of {len(statuses)}")
        await asyncio.sleep(0.1)


def mid_flight(statuses: dict[int, str], drafts: dict[int, list[int]]) -> bool:
    """Some reviews drafted and several still waiting or in the middle: the moment to pull the plug."""
    return len(drafts) >= 2 and sum(s in ("received", "processing") for s in statuses.values()) >= 4


def all_drafted(expected: int):
    return lambda statuses, drafts: (
        len(statuses) >= expected
        and all(s == "pending_approval" for s in statuses.values())
        and len(drafts) == len(statuses)
    )


def assert_exactly_once(
    accepted: set[int], before: dict[int, list[int]], statuses: dict[int, str], drafts: dict[int, list[int]]
) -> None:
    assert accepted <= set(statuses), f"accepted reviews lost: {sorted(accepted - set(statuses))}"
    assert set(statuses.values()) == {"pending_approval"}, statuses
    twice = {r: d for r, d in drafts.items() if len(d) != 1}
    assert not twice, f"reviews drafted more than once: {twice}"
    assert set(drafts) == set(statuses), "every review has its one draft"
    assert all(drafts[r] == d for r, d in before.items()), "drafts written before the crash are kept, not redone"


async def test_service_killed_mid_processing_restarts_and_drafts_each_review_once(settings, scripted_llm, tmp_path):
    scripted_llm.latency = 0.2  # a review takes ~0.4 s: several are in flight when the process dies
    url, port = settings.resolved_database_url, free_port()
    base = f"http://127.0.0.1:{port}"
    accepted: set[int] = set()
    service = serve(settings, port, tmp_path / "serve.log")
    try:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as http:
            batch = (
                await http.post("/api/v1/reviews/batch", json={"reviews": [review(i, "b") for i in range(16)]})
            ).json()
            assert batch["created"] == 16
            accepted |= {item["id"] for item in batch["results"]}

            async def trickle() -> None:  # single reviews keep arriving until the process dies under them
                for index in range(40):
                    try:
                        response = await http.post("/api/v1/reviews", json=review(index, "s"))
                    except httpx.HTTPError:
                        return
                    if response.status_code == 201:
                        accepted.add(response.json()["id"])
                    await asyncio.sleep(0.05)

            sender = asyncio.create_task(trickle())
            await wait_until(url, mid_flight, 60, "never mid-flight")
            service.kill()
            await asyncio.wait_for(sender, 10)
        statuses, before = await snapshot(url)
        assert any(s in ("received", "processing") for s in statuses.values()), "the crash hit work in progress"
        assert before, "some reviews were drafted before the crash"

        service = serve(settings, port, tmp_path / "serve.log")
        statuses, drafts = await wait_until(url, all_drafted(len(statuses)), 90, "not all drafted after restart")
        assert_exactly_once(accepted, before, statuses, drafts)
    finally:
        service.stop()


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="Redis is not reachable")
async def test_worker_killed_mid_job_another_worker_finishes_each_review_once(
    settings, scripted_llm, tmp_path, database_url
):
    """SAQ notices the dead worker's jobs once their heartbeat is stale (assistant/processing/saq_queue.py: HEARTBEAT = 30 s)
    and its next sweep retries them: this test waits for that, so it runs on PostgreSQL only (the
    deployment that scales out); the pipeline's idempotency on SQLite is covered by the service test."""
    if not database_url.startswith("postgresql"):
        pytest.skip("slow (waits for SAQ's heartbeat sweep); PostgreSQL is the scale-out database")
    scripted_llm.latency = 0.25
    name = f"crash-{uuid.uuid4().hex[:8]}"
    queued = settings.model_copy(update={"queue_url": REDIS_URL, "queue_name": name})
    env = env_for(queued, ASSISTANT_QUEUE_URL=REDIS_URL, ASSISTANT_QUEUE_NAME=name)
    url = settings.resolved_database_url
    worker = Process(["worker", "--concurrency", "4", "--log-level", "warning"], env, tmp_path / "worker-1.log")
    try:
        async with AsyncTestClient(app=create_app(queued)) as client:  # the service: ingest enqueues on Redis
            client.headers.update(AUTH)
            batch = (
                await client.post("/api/v1/reviews/batch", json={"reviews": [review(i, "w") for i in range(24)]})
            ).json()
            assert batch["created"] == 24
            accepted = {item["id"] for item in batch["results"]}
            await wait_until(url, mid_flight, 60, "the worker never got going")
            worker.kill()
            statuses, before = await snapshot(url)
            assert any(s == "processing" for s in statuses.values()), "the crash hit jobs in progress"

            worker = Process(["worker", "--concurrency", "4", "--log-level", "warning"], env, tmp_path / "worker-2.log")
            statuses, drafts = await wait_until(url, all_drafted(24), 150, "not all drafted by the second worker")
        assert_exactly_once(accepted, before, statuses, drafts)
        async with session_factory(engine := create_engine(url))() as session:
            runs = (await session.execute(select(func.max(Review.attempts)))).scalar_one()
        await engine.dispose()
        assert runs <= 2, "a review interrupted by the crash runs once more, no more"
    finally:
        worker.stop()
        from redis.asyncio import Redis

        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(match=f"saq:*{name}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
