"""`build_runtime(settings, mode)`: the database, playbooks, model and pipeline, assembled in one place for the
service, the queue workers, a batch run and the cost estimator.

The mode decides what differs, and only that:

| mode | database engine | call log | model requests | pipeline |
|---|---|---|---|---|
| `server` | `create_engine` | `DatabaseCallLog` | the configured model | stores one by one |
| `worker`, `batch` | `bulk_engine` | `BufferedCallLog` (counted in `batch`) | rate-limited, on the model thread | `GroupWriter`, recent replies cached |
| `estimate` | `create_engine` | in memory | `ScriptedCompleter`: never the network | stores one by one |

Everything else is the same in every mode: playbook errors are logged once here, the rules' budget comes from
the settings, and the model is named by `build_llm`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from assistant.db.engine import create_engine, session_factory
from assistant.llm import LLM, CallLog, MemoryCallLog, build_llm, context_tokens
from assistant.llm.model_thread import OnModelThread
from assistant.llm.scripted import ScriptedCompleter
from assistant.playbooks import PlaybookRegistry
from assistant.processing.buffered_call_log import BufferedCallLog
from assistant.processing.bulk import CountingCallLog
from assistant.processing.bulk_engine import bulk_engine
from assistant.processing.database_call_log import DatabaseCallLog
from assistant.processing.pipeline import BULK_RECENT_REPLIES_TTL, Pipeline
from assistant.processing.rate_limits import RateLimited, RateLimiter
from assistant.processing.results import GroupWriter
from assistant.processing.stand_in import default_responder
from assistant.settings import Settings

log = logging.getLogger(__name__)
Mode = Literal["server", "worker", "batch", "estimate"]
BULK: tuple[Mode, ...] = ("worker", "batch")


@dataclass
class Runtime:
    """What one process runs reviews with; `close()` releases it: results, their calls, the model, the database."""

    mode: Mode
    sessions: async_sessionmaker
    playbooks: PlaybookRegistry
    llm: LLM
    pipeline: Pipeline
    call_log: CallLog
    limiter: RateLimiter | None = None
    engine: AsyncEngine | None = None  # None when the caller lent its sessions (and disposes them itself)
    _closers: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        try:
            for closer in self._closers:
                await closer()
        finally:
            if self.engine is not None:
                await self.engine.dispose()


def build_runtime(
    settings: Settings,
    mode: Mode,
    *,
    sessions: async_sessionmaker | None = None,
    limiter: RateLimiter | None = None,
) -> Runtime:
    """Assemble a runtime on `settings.resolved_database_url` (or on `sessions`, when given).

    Bulk modes send every model request through `limiter` (default: the settings' per-minute limits, none for
    the embedded model, `worker_concurrency` requests at once)."""
    bulk = mode in BULK
    engine = None
    if sessions is None:
        engine = (bulk_engine if bulk else create_engine)(settings.resolved_database_url)
        sessions = session_factory(engine)
    closers: list[Any] = []  # in the order they close
    playbooks = PlaybookRegistry.from_directory(settings.playbooks_dir)
    for error in playbooks.errors:
        log.error("playbook skipped: %s", error)
    pipeline_options: dict[str, Any] = {"rules_budget": settings.rules_budget_seconds}

    if mode == "estimate":
        call_log: CallLog = MemoryCallLog()
        llm = LLM(
            ScriptedCompleter(default_responder),
            "stand-in",
            call_log=call_log,
            max_attempts=1,
            context_tokens=context_tokens(settings),
        )
    elif bulk:
        writer, buffered = GroupWriter(sessions), BufferedCallLog(sessions)
        closers += [writer.close, buffered.close]
        call_log = CountingCallLog(buffered) if mode == "batch" else buffered
        limiter = limiter or settings_limiter(settings, settings.worker_concurrency)
        # each attempt (retries included) waits for the limits, on the model thread, then calls the model
        rate_limited = partial(RateLimited, limiter=limiter, max_wait=settings.llm_max_retry_wait)
        llm = build_llm(settings, call_log, layers=[rate_limited, OnModelThread])
        pipeline_options.update(recent_replies_ttl=BULK_RECENT_REPLIES_TTL, writer=writer)
    else:
        call_log = DatabaseCallLog(sessions)
        llm = build_llm(settings, call_log)
    closers.append(llm.close)
    return Runtime(
        mode=mode,
        sessions=sessions,
        playbooks=playbooks,
        llm=llm,
        pipeline=Pipeline(sessions, llm, playbooks, **pipeline_options),
        call_log=call_log,
        limiter=limiter if bulk else None,
        engine=engine,
        _closers=closers,
    )


def settings_limiter(settings: Settings, concurrency: int) -> RateLimiter:
    """The configured per-process limits (none for the embedded model: it is this process) and `concurrency`."""
    if settings.llm_is_embedded:
        return RateLimiter(concurrency=concurrency)
    return RateLimiter(settings.llm_requests_per_minute, settings.llm_tokens_per_minute, concurrency=concurrency)
