"""The LLM call log for bulk work: records written in groups, one multi-row INSERT per flush.

`DatabaseCallLog` commits one transaction per call, which at batch rates is a good share of a review's cost
(on SQLite every commit also takes the single write lock). Here records wait at most `interval` seconds or
`max_rows` records, then go in one statement. The price: a process killed with SIGKILL loses the records of
its last `interval`; a normal exit, an exception or cancellation flushes them (`close`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import LLMCall, utcnow
from assistant.llm.client import CallRecord

log = logging.getLogger(__name__)


class BufferedCallLog:
    def __init__(self, sessions: async_sessionmaker, *, interval: float = 0.25, max_rows: int = 200):
        self.sessions = sessions
        self.interval = interval
        self.max_rows = max_rows
        self._rows: list[dict[str, Any]] = []
        self._timer: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def record(self, call: CallRecord) -> None:
        self._rows.append(
            {
                "review_id": call.review_id,
                "template": call.template,
                "model": call.model,
                "prompt": call.messages,
                "response": call.response,
                "tokens_in": call.tokens_in,
                "tokens_out": call.tokens_out,
                "latency_ms": call.latency_ms,
                "attempts": call.attempts,
                "error": call.error,
                "created_at": utcnow(),
            }
        )
        if len(self._rows) >= self.max_rows:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.interval)
        self._timer = None
        try:
            await self.flush()
        except Exception:
            log.exception("could not write %d LLM call records yet", len(self._rows))

    async def flush(self) -> None:
        async with self._lock:
            rows, self._rows = self._rows, []
            if not rows:
                return
            try:
                async with self.sessions() as session:
                    await session.execute(insert(LLMCall.__table__), rows)
                    await session.commit()
            except BaseException:
                self._rows[:0] = rows
                raise

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        await self.flush()
