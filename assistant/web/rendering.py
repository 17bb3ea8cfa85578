"""Jinja2 for the web UI: autoescape everywhere (review text is untrusted), a few filters for times and
ratings, and `render()` that turns a template into a response with the security headers.

Pages render themselves rather than through an app-wide template engine, so the web UI needs nothing
from the app factory but its routers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Response
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from assistant.db.timestamps import aware
from assistant.text.excerpt import excerpt
from assistant.web.reasons import reason_text
from assistant.web.sessions import SECURITY_HEADERS

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def duration(delta: timedelta | float | None) -> str:
    """A compact human duration: 45s, 12m, 3h 05m, 2d 4h."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes}m"
    if days < 1:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{days}d {hours % 24}h"


def ago(value: datetime | None) -> str:
    return duration(datetime.now(UTC) - aware(value)) if value else "—"


def timestamp(value: datetime | None) -> str:
    return aware(value).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def local_time(value: datetime | None) -> Markup:
    """A UTC timestamp the browser rewrites into the agent's own time zone (app.js); UTC without JavaScript."""
    if value is None:
        return Markup("—")
    value = aware(value)
    return Markup('<time datetime="{}" data-local>{}</time>').format(
        value.isoformat(timespec="seconds"), timestamp(value)
    )


def stars(rating: int | None) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else "no rating"


@lru_cache(maxsize=64)
def _fingerprint(path: str) -> str:
    file = STATIC_DIR / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def static_url(path: str) -> str:
    """A cache-busting URL: the content hash changes when the file does."""
    return f"/static/{path}?v={_fingerprint(path)}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        ago=ago,
        duration=duration,
        timestamp=timestamp,
        stars=stars,
        aware=aware,
        excerpt=excerpt,
        local=local_time,
        reason=reason_text,
    )
    env.globals.update(static=static_url, urlencode=urlencode)
    return env


def csrf_token(request: Request) -> str:
    return ScopeState.from_scope(request.scope).csrf_token or ""


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def pop_flash(request: Request) -> list[dict[str, str]]:
    session = request.scope.get("session")
    if not isinstance(session, dict) or not session.get("flash"):
        return []
    messages = session.pop("flash")
    request.set_session(session)
    return messages


def pop_undo(request: Request) -> dict[str, Any] | None:
    """The last decision that can still be taken back (shown once, as the undo bar)."""
    session = request.scope.get("session")
    if not isinstance(session, dict) or not session.get("undo"):
        return None
    undo = session.pop("undo")
    request.set_session(session)
    return undo if isinstance(undo, dict) and undo.get("until", 0) > datetime.now(UTC).timestamp() else None


def offer_undo(request: Request, ids: list[int], label: str, seconds: float) -> None:
    session = dict(request.scope.get("session") or {})
    session["undo"] = {
        "ids": ids,
        "label": label,
        "until": datetime.now(UTC).timestamp() + seconds,
        "seconds": int(seconds),
    }
    request.set_session(session)


def flash(request: Request, message: str, kind: str = "info") -> None:
    session = dict(request.scope.get("session") or {})
    session["flash"] = [*session.get("flash", []), {"kind": kind, "text": message}][-5:]
    request.set_session(session)


def render(
    request: Request, template: str, *, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response[str]:
    user = request.scope.get("user")
    partial = template.rsplit("/", 1)[-1].startswith("_")  # partials leave flash messages for the next page
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            user=user,
            csrf_token=csrf_token(request),
            flashes=[] if partial else pop_flash(request),
            undo=None if partial else pop_undo(request),
            **context,
        )
    )
    return Response(
        body,
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers={**SECURITY_HEADERS, "Cache-Control": "no-store", **(headers or {})},
    )
