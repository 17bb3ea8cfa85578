"""API-key authentication for `/api/`: `Authorization: Bearer <key>` or `X-API-Key: <key>`. The scope guards
the routes use live with the keys (`assistant/domain/keys/guards.py`)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from assistant.domain.keys.guards import KEY_REQUIRED
from assistant.domain.keys.service import authenticate


def _presented_key(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return connection.headers.get("x-api-key") or None


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        key = _presented_key(connection)
        if not key:
            raise NotAuthorizedException(KEY_REQUIRED)
        state = connection.app.state
        async with state.sessions() as session:
            principal = await authenticate(session, key, state.settings.bootstrap_api_key)
        if principal is None:
            raise NotAuthorizedException("invalid or revoked API key")
        return AuthenticationResult(user=principal, auth=key)
