"""Route guards for the API: which key scope a handler needs. `ApiKeyMiddleware` (server/api_keys.py)
resolves the key into a `Principal`; the guards here only read it, so domain controllers need nothing
from `assistant.server`."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from assistant.domain.keys.service import Principal

KEY_REQUIRED = "an API key is required (Authorization: Bearer … or X-API-Key)"

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def requires(*scopes: str) -> Guard:
    """A route guard: the caller's key must carry one of `scopes` (admin carries all)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":  # unauthenticated by design (CORS preflight, Allow)
            return
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException(KEY_REQUIRED)
        if not any(principal.can(scope) for scope in scopes):
            raise PermissionDeniedException(f"this API key lacks the '{' or '.join(scopes)}' scope")

    return guard
