"""Scale-out on SAQ: one job per review, `assistant worker` processes run it through `Pipeline.process`.

Set `ASSISTANT_QUEUE_URL` (`redis://127.0.0.1:6379/0` or `postgresql://…`): the service's `SaqDispatcher` and
`assistant batch import` enqueue (`saq_queue.py`, the queue side), and any number of `assistant worker` processes,
on any machines, take jobs. A job carries only the review id and is keyed by it (`review:<id>`), so a review is
queued once while its job is waiting or running; the database stays the source of truth and the pipeline is
idempotent per review, so a job delivered twice (a worker killed mid-way, swept and retried) never drafts twice.
Each worker also sweeps the database now and then and re-enqueues reviews left `received` (a crash between commit
and enqueue) or stuck in `processing` past the job timeout.

Why SAQ: it is asyncio-native like the pipeline and Litestar (jobs are coroutines, no thread pool), speaks
both Redis and PostgreSQL (a deployment with only the database needs nothing new), dedupes jobs by key,
sweeps and retries the jobs of dead workers, and is small enough to read. taskiq is async too but is spread
over broker and result-backend plugins; arq is Redis-only and in maintenance mode; dramatiq runs sync actors
in threads; procrastinate is PostgreSQL-only and wants its own schema migrations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from saq import Queue, Worker
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import Review, ReviewStatus, utcnow
from assistant.processing.in_process import MODEL_RETRIES, MODEL_RETRY, TRANSIENT
from assistant.processing.rate_limits import REVIEWS_PER_MODEL_SLOT
from assistant.processing.saq_queue import HEARTBEAT, JOB_FUNCTION, make_queue, recover
from assistant.runtime import build_runtime, settings_limiter
from assistant.settings import Settings

log = logging.getLogger(__name__)
RECOVER_EVERY = 60.0  # seconds between a worker's database sweeps
RECEIVED_GRACE = 30.0  # a review `received` this long without a job is re-enqueued
SHUTDOWN_GRACE = 5  # seconds a stopping worker lets running jobs finish; the rest are re-queued (idempotent)


async def process_review(ctx: dict[str, Any], *, review_id: int) -> str:
    """The job: one review through the pipeline. A review's own failure is recorded on it, not raised, except
    while the model is down: then SAQ retries the job with backoff (`ModelDown`), as the in-process workers do."""
    job = ctx.get("job")
    pipeline = ctx["pipeline"]
    beat = asyncio.create_task(_heartbeat(job)) if job else None
    try:
        if job is not None and job.attempts > 1:
            await _model_retry_due(pipeline.sessions, review_id)
        status = await pipeline.process(review_id)
        if status == ReviewStatus.failed and job is not None:
            await _retry_while_model_down(pipeline.sessions, job, review_id)
        return str(status)
    finally:
        if beat:
            beat.cancel()


class ModelDown(Exception):
    """Raised from a job whose review failed because the model was down or answered garbage: SAQ's own retry
    (the job's `retries`, `retry_delay`, `retry_backoff`) schedules it again, 5 s doubling to 10 min."""


async def _retry_while_model_down(sessions: async_sessionmaker, job: Any, review_id: int) -> None:
    """A transient model failure, within MODEL_RETRIES: give the job SAQ's backoff for model outages and raise,
    so the review waits `failed` (its error shown) until its next try. Past that, a person takes it."""
    async with sessions() as session:
        error = (await session.execute(select(Review.error).where(Review.id == review_id))).scalar() or ""
    if not error.startswith(TRANSIENT) or job.attempts > MODEL_RETRIES:
        return
    job.retries = max(job.retries, MODEL_RETRIES + 1)
    job.retry_delay, job.retry_backoff = MODEL_RETRY
    log.info("review %s failed (%s); SAQ retries it (%s of %s)", review_id, error[:80], job.attempts, MODEL_RETRIES)
    raise ModelDown(error[:200])


async def _model_retry_due(sessions: async_sessionmaker, review_id: int) -> None:
    """A retried job's review goes back from `failed` (by the model) to `received`, so the pipeline claims it;
    a review a person retried, wrote a reply for, or that is already done is left alone."""
    async with sessions() as session:
        await session.execute(
            update(Review)
            .where(
                Review.id == review_id,
                Review.status == ReviewStatus.failed,
                or_(*(Review.error.startswith(t) for t in TRANSIENT)),
            )
            .values(status=ReviewStatus.received, updated_at=utcnow())
        )
        await session.commit()


async def _heartbeat(job: Any) -> None:
    """Touch the running job, so the job of a worker that died is swept after HEARTBEAT s, not the timeout."""
    while True:
        await asyncio.sleep(HEARTBEAT / 3)
        try:
            await job.update()
        except Exception:
            log.warning("heartbeat of %s failed", job.key)


def build_worker(settings: Settings, *, concurrency: int | None = None, burst: bool = False) -> Worker:
    if not settings.queue_url:
        raise ValueError("ASSISTANT_QUEUE_URL is not set: workers need a queue (redis://… or postgresql://…)")
    queue = make_queue(settings.queue_url, settings.queue_name)
    slots = concurrency or settings.worker_concurrency  # model requests at once

    async def startup(ctx: dict[str, Any]) -> None:
        runtime = build_runtime(settings, "worker", limiter=settings_limiter(settings, slots))
        ctx.update(runtime=runtime, pipeline=runtime.pipeline)
        ctx["recovery"] = asyncio.create_task(_recover_forever(queue, runtime.sessions, settings.job_timeout))

    async def shutdown(ctx: dict[str, Any]) -> None:
        if task := ctx.get("recovery"):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if runtime := ctx.get("runtime"):
            await runtime.close()

    return _Worker(
        queue,
        functions=[(JOB_FUNCTION, process_review)],
        concurrency=REVIEWS_PER_MODEL_SLOT * slots,
        startup=startup,
        shutdown=shutdown,
        timers={"sweep": 30, "abort": 5, "schedule": 5, "worker_info": 30},
        burst=burst,
        dequeue_timeout=1.0,
        shutdown_grace_period_s=SHUTDOWN_GRACE,
    )


class _Worker(Worker):
    """SAQ's worker, stopping as soon as its running jobs are done: its upkeep loops (which sleep up to a
    timer's length) are cancelled first, and idle slots wake every `dequeue_timeout` instead of blocking."""

    async def upkeep(self) -> list[asyncio.Task[None]]:
        self._upkeep = await super().upkeep()
        return self._upkeep

    async def stop(self) -> None:
        self.event.set()  # first: the upkeep loops treat a cancellation as a stop only once this is set
        for task in getattr(self, "_upkeep", []):
            task.cancel()
        await super().stop()


async def _recover_forever(queue: Queue, sessions: async_sessionmaker, timeout: int) -> None:
    while True:
        try:
            await recover(queue, sessions, timeout=timeout, received_grace=RECEIVED_GRACE)
        except Exception:
            log.exception("recovery sweep failed")
        await asyncio.sleep(RECOVER_EVERY)


async def run_worker(settings: Settings, *, concurrency: int | None = None, burst: bool = False) -> None:
    """Process jobs until SIGINT/SIGTERM (or, with `burst`, until the queue is empty)."""
    worker = build_worker(settings, concurrency=concurrency, burst=burst)
    await worker.queue.connect()
    try:
        await worker.start()
    finally:
        await worker.queue.disconnect()
