"""The web UI: server-rendered pages for agents and admins, enhanced with htmx (vendored, no CDN).

`web_handlers(settings)` returns the routers the app factory mounts: the pages (cookie session, CSRF and
sign-in middleware on that router only, so `/api/v1` keeps plain API keys) and the static files."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.web.controllers.admin import AdminController
from assistant.web.controllers.queue import QueueController
from assistant.web.controllers.review import ReviewPageController
from assistant.web.controllers.sign_in import SignInController
from assistant.web.controllers.snippets import SnippetsController
from assistant.web.rendering import STATIC_DIR, environment, is_htmx, render
from assistant.web.sessions import (
    SESSION_COOKIE,
    csrf_middleware,
    resolve_secret_key,
    session_middleware,
    web_auth_middleware,
)

log = logging.getLogger(__name__)
TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Check the form",
    429: "Slow down",
    502: "The language model failed",
    503: "Try again shortly",
}


def _to_login(request: Request, _: NotAuthorizedException) -> Response:
    if is_htmx(request):  # a partial can't show a login page: send the whole tab there, and back afterwards
        current = urlsplit(request.headers.get("hx-current-url", ""))
        back = current.path + (f"?{current.query}" if current.query else "") or "/queue"
        response: Response = Response(
            "", status_code=401, headers={"HX-Redirect": "/login?" + urlencode({"next": back})}
        )
    else:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = Redirect(
            "/login?" + urlencode({"next": back if request.method == "GET" else "/queue"}), status_code=303
        )
    # this response bypasses the session middleware: drop a stale or ended session cookie here
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _error_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, (AssistantError, HTTPException)):
        status, detail = exc.status_code, exc.detail
    else:
        status, detail = 500, "Something went wrong on our side; it has been logged."
    if status >= 500 and not isinstance(exc, (AssistantError, HTTPException)):
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if status == 403 and "CSRF" in str(detail):
        detail = "This form expired or came from another site (CSRF check failed). Reload the page and try again."
    return render(
        request, "error.html", status_code=status, status=status, title=TITLES.get(status, "Error"), detail=detail
    )


def page_router(settings: Settings, handlers: list) -> Router:
    """A router for signed-in pages: cookie session, CSRF, sign-in, HTML error pages. Other pages of the web
    UI (insights, …) mount their controllers through this."""
    secret = resolve_secret_key(settings)
    return Router(
        "/",
        route_handlers=handlers,
        middleware=[session_middleware(settings, secret), csrf_middleware(settings, secret), web_auth_middleware()],
        exception_handlers={
            NotAuthorizedException: _to_login,
            HTTPException: _error_page,
            AssistantError: _error_page,
            Exception: _error_page,
        },
        include_in_schema=False,
    )


def web_handlers(settings: Settings) -> list[Router]:
    for name in ("queue.html", "_queue_results.html", "review.html", "_review_live.html", "login.html"):
        environment().get_template(name)  # compile now, not on the first agent's first page
    pages = page_router(
        settings, [SignInController, QueueController, ReviewPageController, AdminController, SnippetsController]
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="web-static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=30 * 86400, public=True),
    )
    return [pages, static]
