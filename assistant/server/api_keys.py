"""API-key authentication for `/api/`: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from assistant.domain.keys.service import Principal, authenticate


def _presented_key(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return connection.headers.get("x-api-key") or None


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        key = _presented_key(connection)
        if not key:
            raise NotAuthorizedException("an API key is required (Authorization: Bearer … or X-API-Key)")
        state = connection.app.state
        async with state.sessions() as session:
            principal = await authenticate(session, key, state.settings.bootstrap_api_key)
        if principal is None:
            raise NotAuthorizedException("invalid or revoked API key")
        return AuthenticationResult(user=principal, auth=key)


def requires(*scopes: str):
    """A route guard: the caller's key must carry one of `scopes` (admin carries all)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":  # unauthenticated by design (CORS preflight, Allow)
            return
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException("an API key is required (Authorization: Bearer … or X-API-Key)")
        if not any(principal.can(scope) for scope in scopes):
            raise PermissionDeniedException(f"this API key lacks the '{' or '.join(scopes)}' scope")

    return guard
