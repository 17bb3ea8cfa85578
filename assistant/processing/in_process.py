"""Getting reviews to the pipeline. In one process: asyncio workers fed by a queue, with the database as
the source of truth — on start, whatever was received or mid-processing is picked up again, so nothing is
lost on restart. For more than one machine a job-queue engine takes this role (see assistant/processing/saq_jobs.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy import select, update

from assistant.db.models import Review, ReviewStatus, utcnow
from assistant.processing.pipeline import Pipeline

log = logging.getLogger(__name__)
CRASH_RETRY = (1.0, 30.0)  # seconds before a crashed review is tried again: first, and at most (doubling)
# A review that failed because the model was down or answered garbage is tried again on its own, after
# 5 s, 10 s, 20 s, … (at most 10 min), MODEL_RETRIES times; only then does it wait in the queue's Failed tab
# for a person (Retry, or write the reply yourself).
MODEL_RETRY = (5.0, 600.0)
MODEL_RETRIES = 6
TRANSIENT = ("LLMUnavailable", "LLMBadOutput", "LLMError", "TimeoutError", "ConnectError")


class Dispatcher(Protocol):
    async def start(self) -> None: ...
    async def submit(self, review_id: int) -> None: ...
    async def stop(self) -> None: ...


class InProcessDispatcher:
    def __init__(self, pipeline: Pipeline, workers: int = 2):
        self.pipeline = pipeline
        self.workers = workers
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._queued: set[int] = set()
        self._crashes: dict[int, int] = {}
        self._model_failures: dict[int, int] = {}
        self._background: set[asyncio.Task] = set()
        self.model_retry = MODEL_RETRY
        self.model_retries = MODEL_RETRIES

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"pipeline-{i}") for i in range(self.workers)]
        for review_id in await self._unfinished():
            await self.submit(review_id)

    async def _unfinished(self) -> list[int]:
        """Reviews a previous run accepted but did not finish (this process is the only worker)."""
        async with self.pipeline.sessions() as session:
            await session.execute(
                update(Review)
                .where(Review.status == ReviewStatus.processing)
                .values(status=ReviewStatus.received, updated_at=utcnow())
            )
            await session.commit()
            rows = await session.execute(
                select(Review.id).where(Review.status == ReviewStatus.received).order_by(Review.id)
            )
            return list(rows.scalars().all())

    async def submit(self, review_id: int) -> None:
        self._enqueue(review_id)

    def _enqueue(self, review_id: int) -> None:
        if review_id not in self._queued:
            self._queued.add(review_id)
            self.queue.put_nowait(review_id)

    def _retry_later(self, review_id: int) -> None:
        """A crash (the database went away mid-review) leaves the review `received`/`processing`: try it
        again after a growing pause, so it finishes once the database is back, without a restart."""
        crashes = self._crashes[review_id] = self._crashes.get(review_id, 0) + 1
        delay = min(CRASH_RETRY[0] * 2 ** (crashes - 1), CRASH_RETRY[1])
        asyncio.get_running_loop().call_later(delay, self._enqueue, review_id)

    async def _after_failure(self, review_id: int) -> None:
        """A review the model failed on goes back to `received` after a growing pause, a few times."""
        failures = self._model_failures[review_id] = self._model_failures.get(review_id, 0) + 1
        async with self.pipeline.sessions() as session:
            error = (await session.execute(select(Review.error).where(Review.id == review_id))).scalar() or ""
        if failures > self.model_retries or not error.startswith(TRANSIENT):
            self._model_failures.pop(review_id, None)
            return  # a person takes it from the queue's Failed tab
        delay = min(self.model_retry[0] * 2 ** (failures - 1), self.model_retry[1])
        log.info(
            "review %s failed (%s); retrying on its own in %.0f s (%s of %s)",
            review_id,
            error[:80],
            delay,
            failures,
            self.model_retries,
        )
        asyncio.get_running_loop().call_later(delay, self._spawn_requeue, review_id)

    def _spawn_requeue(self, review_id: int) -> None:
        task = asyncio.ensure_future(self._requeue(review_id))
        self._background.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._background.discard)

    async def _requeue(self, review_id: int) -> None:
        try:
            async with self.pipeline.sessions() as session:
                result = await session.execute(
                    update(Review)
                    .where(Review.id == review_id, Review.status == ReviewStatus.failed)
                    .values(status=ReviewStatus.received, updated_at=utcnow())
                )
                await session.commit()
        except Exception:
            log.exception("could not requeue review %s", review_id)
            self._retry_later(review_id)
            return
        if result.rowcount:  # else a person retried it, wrote a reply, or it was processed meanwhile
            self._enqueue(review_id)

    async def _work(self) -> None:
        while True:
            review_id = await self.queue.get()
            self._queued.discard(review_id)
            try:
                status = await self.pipeline.process(review_id)
                self._crashes.pop(review_id, None)
                if status == ReviewStatus.failed:
                    await self._after_failure(review_id)
                else:
                    self._model_failures.pop(review_id, None)
            except Exception:
                log.exception("pipeline crashed on review %s; it stays queued in the database", review_id)
                self._retry_later(review_id)
            finally:
                self.queue.task_done()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
