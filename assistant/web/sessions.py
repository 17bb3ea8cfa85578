"""Who is using the web UI and what protects it: the secret key, cookie sessions, CSRF, security headers.

The UI authenticates with an encrypted cookie session (Litestar's client-side backend: AES-GCM, expiry
inside the authenticated data, re-issued on every response so it slides); the user is reloaded from the
database on each request, so a deactivated account or a changed password ends its sessions at once.
`/api/v1` keeps its API keys: none of this middleware is mounted there.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session import SessionMiddleware
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import ASGIApp

from assistant.db.engine import private_dir
from assistant.db.models import User
from assistant.domain.users.service import UserService
from assistant.settings import Settings

SESSION_COOKIE = "rra_session"
CSRF_COOKIE = "rra_csrf"
CSRF_HEADER = "x-csrftoken"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def resolve_secret_key(settings: Settings) -> bytes:
    """`ASSISTANT_SECRET_KEY`, else the key in `data_dir/secret.key`, created (0600) on first use."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = private_dir(Path(settings.data_dir)) / "secret.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:  # made readable by hand or by an older version
            os.chmod(path, 0o600)
        return path.read_text(encoding="utf-8").strip().encode()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text(encoding="utf-8").strip().encode()


def derive(secret: bytes, purpose: str) -> bytes:
    """One key per purpose, so a session key never doubles as a CSRF key."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def session_config(settings: Settings, secret: bytes) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=derive(secret, "session"),
        key=SESSION_COOKIE,
        max_age=settings.session_idle_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def _session_middleware(app: ASGIApp, config: CookieBackendConfig) -> SessionMiddleware:
    return SessionMiddleware(app=app, backend=ClientSideSessionBackend(config=config))


def session_middleware(settings: Settings, secret: bytes) -> DefineMiddleware:
    """Built lazily: routers are deep-copied on registration and the AES-GCM cipher can't be."""
    return DefineMiddleware(_session_middleware, config=session_config(settings, secret))


def csrf_middleware(settings: Settings, secret: bytes) -> DefineMiddleware:
    """Litestar's double-submit token: a signed cookie, echoed in a form field or the X-CSRFToken header."""
    # lax, not strict: a link from a mail client must not mint a new cookie and break the forms of open tabs.
    # HttpOnly: pages read the token from their <meta>, never from the cookie.
    config = CSRFConfig(
        secret=derive(secret, "csrf").hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        cookie_httponly=True,
    )
    return DefineMiddleware(CSRFMiddleware, config=config)


@dataclass(frozen=True)
class WebUser:
    id: int
    email: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return self.email


def password_stamp(user: User) -> str:
    """A short fingerprint of the password hash: changing the password invalidates older sessions."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(connection: ASGIConnection, user: User) -> None:
    connection.set_session({"uid": user.id, "pw": password_stamp(user), "login_at": round(time.time(), 3)})


class WebAuthMiddleware(AbstractAuthenticationMiddleware):
    """Loads the signed-in user from the session; routes marked `exclude_from_auth` (login) skip it."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        session = connection.scope.get("session") or {}
        settings: Settings = connection.app.state.settings
        uid, login_at = session.get("uid"), session.get("login_at", 0)
        if not isinstance(uid, int) or time.time() - login_at > settings.session_max_hours * 3600:
            connection.clear_session()
            raise NotAuthorizedException("please sign in")
        async with connection.app.state.sessions() as db:
            user = await UserService(db).active_user(uid)
        if user is None or session.get("pw") != password_stamp(user):
            connection.clear_session()
            raise NotAuthorizedException("your session has ended; please sign in again")
        return AuthenticationResult(user=WebUser(user.id, user.email, user.name, user.role), auth=uid)


def admin_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not connection.user.is_admin:
        raise PermissionDeniedException("this page is for admins")


def web_auth_middleware() -> DefineMiddleware:
    return DefineMiddleware(WebAuthMiddleware, exclude_from_auth_key="exclude_from_auth")
