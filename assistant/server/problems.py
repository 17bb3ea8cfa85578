"""Every error leaves as RFC 9457 problem details: the domain's error tree (assistant/errors.py), bad
input caught by Litestar, and a database that is down (503, never a 500).

"Down" is whatever the drivers raise when the server can't be reached or the connection dies: SQLAlchemy's
OperationalError/InterfaceError or an invalidated connection, but also the raw `ConnectionRefusedError` /
`TimeoutError` asyncpg raises while (re)connecting, and a pool that can't hand out a connection in time.
A number the database can't store (an id past int32 on PostgreSQL, past int64 on SQLite) is the client's
mistake: 400. Any other database error is our bug: 500, logged.

`ProblemResponsesPlugin` documents these answers in the OpenAPI schema, so clients (and contract tests)
see `application/problem+json` with the shape that is really sent."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from litestar.routes import BaseRoute, HTTPRoute
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assistant.errors import AssistantError

log = logging.getLogger(__name__)
TYPE_BASE = "https://review-reply-assistant.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


RESERVED = ("status", "title", "detail", "type", "instance")


def _from_domain(exc: AssistantError) -> ProblemDetailsException:
    # extra members sit beside the standard ones: `status=draft.status` must not replace the HTTP status
    extra = {f"current_{k}" if k in RESERVED else k: v for k, v in (exc.extra or {}).items()}
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=exc.title,
        detail=exc.detail,
        type_=TYPE_BASE + type(exc).__name__.lower(),
        extra=extra or None,
    )


def _unavailable(exc: BaseException) -> ProblemDetailsException:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return ProblemDetailsException(
        status_code=503,
        title="Service unavailable",
        detail="the database is unreachable; retry shortly",
        type_=TYPE_BASE + "database-unavailable",
        headers={"Retry-After": "5"},
    )


def _out_of_range(exc: BaseException) -> ProblemDetailsException:
    log.info("value out of range for the database: %s", exc.__class__.__name__)
    return ProblemDetailsException(
        status_code=400,
        title="Invalid input",
        detail="a number in the request is out of range",
        type_=TYPE_BASE + "invalidinput",
    )


def _internal() -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=500, title="Internal error", detail="an unexpected error occurred; it has been logged"
    )


# SQLSTATEs of a server that is not there for us: connection exceptions (08…), shutting down or starting up
# (57P01-57P03: asyncpg's CannotConnectNowError arrives as a plain DBAPIError), too many connections (53300)
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def _causes(exc: BaseException, depth: int = 5) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < depth:
        chain.append(seen)
        seen = getattr(seen, "orig", None) if isinstance(seen, DBAPIError) else (seen.__cause__ or seen.__context__)
    return chain


def is_connection_error(exc: BaseException) -> bool:
    """True when `exc` means the database could not be reached (rather than refused the statement)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return any(str(getattr(cause, "sqlstate", "") or "").startswith(UNAVAILABLE_SQLSTATES) for cause in _causes(exc))


def _is_bad_value(exc: BaseException) -> bool:
    """A value the driver or the server refused as data (SQLSTATE class 22, asyncpg's "invalid input for
    query argument", sqlite's OverflowError), looked for along the chain of causes."""
    return any(
        isinstance(cause, (DataError, ValueError, OverflowError)) or type(cause).__name__ == "DataError"
        for cause in _causes(exc)
    )


def _from_database(exc: DBAPIError) -> ProblemDetailsException:
    if is_connection_error(exc):
        return _unavailable(exc)
    if _is_bad_value(exc):
        return _out_of_range(exc)
    log.error("database error", exc_info=exc)
    return _internal()


def _from_statement(exc: StatementError) -> ProblemDetailsException:
    """A value that failed on its way into a statement (a column type's bind processor: a date that overflows
    when converted to UTC) is the client's; anything else is ours."""
    if isinstance(exc, DBAPIError):
        return _from_database(exc)
    if _is_bad_value(exc.orig) if exc.orig is not None else False:
        return _out_of_range(exc)
    log.error("statement error", exc_info=exc)
    return _internal()


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _internal().to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                AssistantError: _from_domain,
                StatementError: _from_statement,
                DBAPIError: _from_database,
                OperationalError: _unavailable,
                PoolTimeout: _unavailable,
                ConnectionError: _unavailable,
                TimeoutError: _unavailable,
                OverflowError: _out_of_range,  # aiosqlite: "Python int too large to convert to SQLite INTEGER"
            },
        )
    )


unexpected_error_handler = _unexpected


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error of the API is sent. Domain errors add their own members
    (`field`, `review_id`, …); validation errors list what was wrong in `extra`."""

    status: int
    title: str | None = None
    detail: str | None = None
    type: str | None = None
    instance: str | None = None
    extra: list[Any] | None = None


PROBLEMS = {
    400: "Invalid input",
    401: "A valid API key is required",
    403: "The API key lacks the scope",
    404: "Not found",
    409: "Conflict: a stale version, a replayed key with other content, or a state that does not allow this",
    413: "The request body is too large",
    503: "The database is unreachable; retry",
}


class ProblemResponsesPlugin(ReceiveRoutePlugin):
    """Adds the problem responses to every operation under `prefix` (the handler's own `responses` win)."""

    def __init__(self, prefix: str = "/api/") -> None:
        self.prefix = prefix

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(self.prefix):
            return
        for handler in route.route_handlers:
            documented = {
                code: ResponseSpec(
                    data_container=Problem, media_type=PROBLEM_MEDIA_TYPE, description=text, generate_examples=False
                )
                for code, text in PROBLEMS.items()
            }
            handler.responses = {**documented, **(handler.responses or {})}
