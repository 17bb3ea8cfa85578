"""The app factory: `create_app(settings)` wires the runtime (database, playbooks, LLM, pipeline), dispatcher and routes.

Nothing is global: tests build as many apps as they like, each with its own settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from litestar import Litestar, Router, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.insights.controller import InsightsController
from assistant.domain.queue.bulk_controller import BulkDraftController
from assistant.domain.queue.controller import DraftController
from assistant.domain.replies.controller import ExportController, ResolveController
from assistant.domain.reviews.controller import ReviewController
from assistant.domain.snippets.controller import SnippetController
from assistant.domain.webhooks.controller import WebhookController
from assistant.domain.webhooks.deliverer import start_deliverer, stop_deliverer
from assistant.errors import ServiceUnavailable
from assistant.processing.in_process import InProcessDispatcher
from assistant.processing.saq_queue import SaqDispatcher, make_queue
from assistant.runtime import build_runtime
from assistant.server.api_keys import ApiKeyMiddleware
from assistant.server.hardening import BODY_LIMIT, SecurityHeaders, install_log_redaction, limit_json_depth
from assistant.server.problems import ProblemResponsesPlugin, problem_details_plugin, unexpected_error_handler
from assistant.settings import Settings, get_settings
from assistant.web import web_handlers
from assistant.web.insights_page import insights_router

log = logging.getLogger(__name__)


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    async with state.sessions() as session:
        yield session


@get("/health", tags=["ops"], summary="Liveness and database check")
async def health(state: State) -> dict[str, str]:
    try:
        async with state.sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable("database unreachable") from exc
    body = {"status": "ok", "database": "ok", "llm": state.llm.model}
    if getattr(state.llm, "warning", None):  # the tiny embedded model drafts (issue 20)
        body["llm_warning"] = state.llm.warning
    return body


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    install_log_redaction()

    async def start(app: Litestar) -> None:
        state = app.state
        runtime = state.runtime = build_runtime(settings, "server")
        state.engine, state.sessions, state.playbooks = runtime.engine, runtime.sessions, runtime.playbooks
        state.llm, state.pipeline = runtime.llm, runtime.pipeline  # what the controllers use
        if (
            settings.queue_url
        ):  # scale-out: `assistant worker` processes take the jobs (assistant/processing/saq_jobs.py)
            state.dispatcher = SaqDispatcher(
                make_queue(settings.queue_url, settings.queue_name), state.sessions, job_timeout=settings.job_timeout
            )
        else:
            state.dispatcher = InProcessDispatcher(state.pipeline, workers=settings.workers)
        await state.dispatcher.start()
        state.warm_up = asyncio.create_task(state.pipeline.warm_up())  # seconds of loading, off the event loop

    async def stop(app: Litestar) -> None:
        await app.state.dispatcher.stop()
        await app.state.runtime.close()

    cors = (
        CORSConfig(
            allow_origins=settings.cors_origins,
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key"],
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
        )
        if settings.cors_origins
        else None
    )
    return Litestar(
        route_handlers=[
            health,
            Router(
                "/api/v1",
                route_handlers=[
                    ReviewController,
                    DraftController,
                    BulkDraftController,
                    InsightsController,
                    ExportController,
                    ResolveController,
                    WebhookController,
                    SnippetController,
                ],
                middleware=[DefineMiddleware(ApiKeyMiddleware)],
            ),
            *web_handlers(settings),
            insights_router(settings),
        ],
        state=State({"settings": settings}),
        dependencies={"db_session": Provide(provide_db_session)},
        plugins=[problem_details_plugin(), ProblemResponsesPlugin()],
        before_send=[SecurityHeaders(https=settings.secure_cookies)],
        before_request=limit_json_depth,  # nesting checked before any decoder recurses into a body
        exception_handlers={Exception: unexpected_error_handler},
        on_startup=[start, start_deliverer],
        on_shutdown=[stop_deliverer, stop],
        cors_config=cors,
        openapi_config=OpenAPIConfig(title="Review reply assistant", version="0.1.0", path="/schema"),
        request_max_body_size=BODY_LIMIT,  # the batch route allows more (server/hardening.py)
        logging_config=None,  # `assistant serve` configures logging; a library must not touch the root logger
    )
