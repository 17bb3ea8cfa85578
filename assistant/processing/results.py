"""Storing the pipeline's results in groups, for bulk work.

Bulk work (batch runs, queue workers) finishes a hundred reviews a second, where a transaction per review costs
more CPU than the rest of the pipeline's bookkeeping; `GroupWriter` gathers the results finished within a few
tens of milliseconds and has the drafts' owner (`assistant.domain.drafts.store_results`) store them with one
multi-row statement per table. Each caller still waits until its own result is committed. The service stores
each review as it finishes (`store_one`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.domain.drafts import ReviewResult, store_one, store_results


class GroupWriter:
    """Stores results in groups: whatever arrived within `interval` seconds, at most `max_items` at once.
    A group that meets a conflict is stored again one result at a time, so one review never fails another."""

    def __init__(self, sessions: async_sessionmaker, *, interval: float = 0.05, max_items: int = 64):
        self.sessions = sessions
        self.interval = interval
        self.max_items = max_items
        self._pending: list[tuple[ReviewResult, asyncio.Future[None]]] = []
        self._timer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.groups = 0  # groups written (for benchmarks and tests)

    async def store(self, result: ReviewResult) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, future))
        if len(self._pending) >= self.max_items:
            group, self._pending = self._pending, []
            self._spawn(self._write(group))
        elif self._timer is None:
            self._timer = self._spawn(self._write_after(self.interval))
        await future

    def _spawn(self, work: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return task

    async def _write_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._timer = None
        group, self._pending = self._pending, []
        await self._write(group)

    async def _write(self, group: list[tuple[ReviewResult, asyncio.Future[None]]]) -> None:
        if not group:
            return
        self.groups += 1
        try:
            await store_results(self.sessions, [result for result, _ in group])
        except IntegrityError:
            for result, future in group:
                await self._settle(future, store_one(self.sessions, result))
            return
        except Exception as exc:
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        except asyncio.CancelledError:  # shutting down: nobody waits for a result that may not be stored
            for _, future in group:
                future.cancel()
            raise
        for _, future in group:
            if not future.done():
                future.set_result(None)

    @staticmethod
    async def _settle(future: asyncio.Future[None], work: Any) -> None:
        try:
            await work
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(None)

    async def close(self) -> None:
        """Write what is still waiting (nothing, when every caller awaited its `store`)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await asyncio.gather(*self._tasks, return_exceptions=True)
        group, self._pending = self._pending, []
        await self._write(group)
