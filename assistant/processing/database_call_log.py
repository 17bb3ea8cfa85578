"""Persist every model call (prompt, response, tokens, latency, error) in the `llmcall` table: the service's
call log (bulk work buffers them, `buffered_call_log.py`). Here, not in `assistant/llm/`: the seam stores nothing.

Each record is its own short transaction, so a call is logged even when the work around it fails."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import LLMCall
from assistant.llm.client import CallRecord


class DatabaseCallLog:
    def __init__(self, sessions: async_sessionmaker):
        self.sessions = sessions

    async def record(self, call: CallRecord) -> None:
        async with self.sessions() as session:
            session.add(
                LLMCall(
                    review_id=call.review_id,
                    template=call.template,
                    model=call.model,
                    prompt=call.messages,
                    response=call.response,
                    tokens_in=call.tokens_in,
                    tokens_out=call.tokens_out,
                    latency_ms=call.latency_ms,
                    attempts=call.attempts,
                    error=call.error,
                )
            )
            await session.commit()
