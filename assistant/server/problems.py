"""Every error leaves as RFC 9457 problem details: the domain's error tree (assistant/errors.py), bad
input caught by Litestar, and a database that is down (503, never a 500)."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from sqlalchemy.exc import DBAPIError, OperationalError

from assistant.errors import AssistantError

log = logging.getLogger(__name__)
TYPE_BASE = "https://review-reply-assistant.dev/problems/"


def _from_domain(exc: AssistantError) -> ProblemDetailsException:
    return ProblemDetailsException(status_code=exc.status_code, title=exc.title, detail=exc.detail,
                                   type_=TYPE_BASE + type(exc).__name__.lower(), extra=exc.extra or None)


def _from_database(exc: DBAPIError) -> ProblemDetailsException:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return ProblemDetailsException(status_code=503, title="Service unavailable",
                                   detail="the database is unreachable; retry shortly",
                                   type_=TYPE_BASE + "database-unavailable", headers={"Retry-After": "5"})


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return ProblemDetailsException(status_code=500, title="Internal error",
                                   detail="an unexpected error occurred; it has been logged").to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={AssistantError: _from_domain, OperationalError: _from_database,
                                         DBAPIError: _from_database},
    ))


def _is_connection_error(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or exc.connection_invalidated


unexpected_error_handler = _unexpected
