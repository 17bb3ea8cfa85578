"""The queue side of scale-out on SAQ: what puts reviews on the queue — the service's `SaqDispatcher`, `assistant
batch import` — and the sweep that re-enqueues reviews left without a job. `saq_jobs.py` is the other side, the
job and `assistant worker`, which build the whole pipeline; a command that only enqueues imports none of it (the
batch command's first job leaves 0.9 s sooner, measured: 2.3 s → 1.4 s of imports).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from saq import Queue, Status
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col

from assistant.db.models import Review, ReviewStatus, utcnow

log = logging.getLogger(__name__)
JOB_FUNCTION = "process_review"
JOB_RETRIES = 3  # deliveries of one job: a crash, a sweep after a dead worker, a database hiccup
HEARTBEAT = 30  # seconds a running job may go untouched before a sweep hands it to another worker
WATCH_EVERY = 0.5  # seconds between looks at a running job a person's Retry is waiting for


def job_key(review_id: int) -> str:
    return f"review:{review_id}"


def make_queue(url: str, name: str = "assistant") -> Queue:
    return Queue.from_url(url, name=name)


async def enqueue_review(queue: Queue, review_id: int, *, timeout: int, delay: float = 0.0) -> bool:
    """Queue one review; False when its job is already waiting or running (nothing is queued twice).
    A `delay` also lets the PostgreSQL queue take a finished job's key again within the same second."""
    job = await queue.enqueue(
        JOB_FUNCTION,
        key=job_key(review_id),
        review_id=review_id,
        timeout=timeout,
        heartbeat=HEARTBEAT,
        retries=JOB_RETRIES,
        retry_delay=2.0,
        retry_backoff=True,
        ttl=3600,
        scheduled=int(time.time() + delay) + 1 if delay else 0,
    )
    return job is not None


async def run_waiting_retry_now(queue: Queue, review_id: int) -> bool:
    """A review whose job waits for SAQ's next try after a model outage (up to `MODEL_RETRY`'s 10 minutes away)
    holds its job key, so a person's Retry adds no job: bring that try forward instead. A job not yet tried waits
    its turn in the queue, and a running one is left alone (`SaqDispatcher.submit` watches it; the recovery
    sweep, `recover`, is the backstop)."""
    job = await queue.job(job_key(review_id))
    if job is None or job.status != Status.QUEUED or not job.attempts:
        return False
    job.scheduled, job.retry_delay, job.retry_backoff = 0, 0.0, False  # a model failure sets MODEL_RETRY again
    await queue.retry(job, "retried by a person")
    return True


async def queue_or_run_now(queue: Queue, review_id: int, *, timeout: int, delay: float = 0.0) -> bool:
    """Queue the review, or, when its key is held by a job waiting for its model-outage retry, run that try now."""
    return await enqueue_review(queue, review_id, timeout=timeout, delay=delay) or await run_waiting_retry_now(
        queue, review_id
    )


async def recover(queue: Queue, sessions: async_sessionmaker, *, timeout: int, received_grace: float = 0.0) -> int:
    """Re-enqueue reviews that should have a job and may not: `received` (older than the grace) and
    `processing` for longer than two job timeouts (its worker died and the job ran out of retries). One whose key
    is held by a job waiting for its model-outage retry (a person's Retry came while that job was finishing, so
    the dispatcher found it running) has that try brought forward instead of waiting up to 10 minutes."""
    now = utcnow()
    async with sessions() as session:
        rows = await session.execute(
            select(col(Review.id))
            .where(
                or_(
                    and_(
                        col(Review.status) == ReviewStatus.received,
                        col(Review.updated_at) <= now - timedelta(seconds=received_grace),
                    ),
                    and_(
                        col(Review.status) == ReviewStatus.processing,
                        col(Review.updated_at) <= now - timedelta(seconds=2 * timeout),
                    ),
                )
            )
            .order_by(col(Review.id))
        )
        ids = list(rows.scalars().all())
    queued = 0
    for review_id in ids:
        queued += await queue_or_run_now(queue, review_id, timeout=timeout)
    if queued:
        log.info("re-enqueued %d unfinished reviews", queued)
    return queued


class SaqDispatcher:
    """The service's `Dispatcher` when a queue is configured: ingest enqueues, `assistant worker` processes."""

    def __init__(self, queue: Queue, sessions: async_sessionmaker, *, job_timeout: int = 600):
        self.queue = queue
        self.sessions = sessions
        self.job_timeout = job_timeout
        self._watching: set[asyncio.Task[None]] = set()  # Retries waiting for their review's running job

    async def start(self) -> None:
        await self.queue.connect()
        await recover(self.queue, self.sessions, timeout=self.job_timeout)

    async def submit(self, review_id: int) -> None:
        """New reviews and a person's Retry: a job the key still holds, waiting for its model-outage retry, runs now.
        A Retry that lands while the review's job is still running (failing: the person saw the review `failed` a
        moment before the job handed it to SAQ's next try, minutes away) is carried out once that job lets go."""
        if await queue_or_run_now(self.queue, review_id, timeout=self.job_timeout):
            return
        job = await self.queue.job(job_key(review_id))
        if job is not None and job.status == Status.ACTIVE:
            watch = asyncio.create_task(self._when_done(review_id))
            self._watching.add(watch)
            watch.add_done_callback(self._watching.discard)

    async def _when_done(self, review_id: int) -> None:
        """Look at the running job every WATCH_EVERY s, for as long as a job may run: once it is no longer
        running, queue the review again or bring its waiting try forward (a no-op for a review already done)."""
        deadline = time.monotonic() + self.job_timeout + HEARTBEAT
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(WATCH_EVERY)
                job = await self.queue.job(job_key(review_id))
                if job is None or job.status != Status.ACTIVE:
                    await queue_or_run_now(self.queue, review_id, timeout=self.job_timeout, delay=0.5)
                    return
        except Exception:  # the recovery sweep still finds a `received` review without a job of its own
            log.warning("could not follow the running job of review %s", review_id, exc_info=True)

    async def stop(self) -> None:
        for watch in list(self._watching):
            watch.cancel()
        await self.queue.disconnect()
