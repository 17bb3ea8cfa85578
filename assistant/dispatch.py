"""Getting reviews to the pipeline. In one process: asyncio workers fed by a queue, with the database as
the source of truth — on start, whatever was received or mid-processing is picked up again, so nothing is
lost on restart. For more than one machine a job-queue engine takes this role (see assistant/jobs.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy import select, update

from assistant.db.models import Review, ReviewStatus, utcnow
from assistant.pipeline import Pipeline

log = logging.getLogger(__name__)


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

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"pipeline-{i}") for i in range(self.workers)]
        for review_id in await self._unfinished():
            await self.submit(review_id)

    async def _unfinished(self) -> list[int]:
        """Reviews a previous run accepted but did not finish (this process is the only worker)."""
        async with self.pipeline.sessions() as session:
            await session.execute(update(Review).where(Review.status == ReviewStatus.processing)
                                  .values(status=ReviewStatus.received, updated_at=utcnow()))
            await session.commit()
            rows = await session.execute(select(Review.id).where(Review.status == ReviewStatus.received)
                                         .order_by(Review.id))
            return list(rows.scalars().all())

    async def submit(self, review_id: int) -> None:
        if review_id not in self._queued:
            self._queued.add(review_id)
            self.queue.put_nowait(review_id)

    async def _work(self) -> None:
        while True:
            review_id = await self.queue.get()
            self._queued.discard(review_id)
            try:
                await self.pipeline.process(review_id)
            except Exception:  # noqa: BLE001 - e.g. the database is down; the review stays 'received'
                log.exception("pipeline crashed on review %s; it stays queued in the database", review_id)
            finally:
                self.queue.task_done()

    async def drain(self) -> None:
        """Wait until everything submitted so far is processed (tests, batch runs)."""
        await self.queue.join()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
