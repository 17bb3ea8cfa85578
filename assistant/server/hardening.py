"""What every response and every log line must respect: security headers, request size limits, and no
secrets in logs. See SECURITY.md for what was checked and how to repeat it.

Headers go on every response the app sends (API, web pages, static files, errors and 404s) from a
`before_send` hook rather than a route middleware, because Litestar's middleware only wraps matched
routes; the hook sees every `http.response.start`, including routing 404s and exception responses.
Headers a handler set itself are kept (the web UI's pages send their own, identical policy).

The policy forbids inline script: the web UI loads its JavaScript from /static and vendors htmx. The
interactive OpenAPI pages under `/schema` (Swagger/Redoc load their scripts from a CDN with inline
bootstrap code) get every header but the CSP; `/schema/openapi.json` itself is plain JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from assistant.errors import InvalidInput

# Request bodies. One review is at most 20,000 characters: even \u-escaped (6 bytes a character) it is far
# below 1 MiB, and so is every web form. The batch route allows more (`BATCH_BODY_LIMIT`, domain/reviews/schemas.py).
BODY_LIMIT = 1024 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """`Litestar(before_send=[SecurityHeaders(...)])`. `https=True` (settings.secure_cookies: the service
    is behind TLS) also sends Strict-Transport-Security."""

    def __init__(self, *, https: bool = False, docs_path: str = "/schema") -> None:
        self.headers = dict(BASE_HEADERS)
        if https:
            self.headers["Strict-Transport-Security"] = HSTS
        self.docs_path = docs_path.rstrip("/")

    def _csp_applies(self, path: str) -> bool:
        return not (path == self.docs_path or path.startswith(self.docs_path + "/")) or path.endswith(".json")

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in self.headers.items():
            if name not in headers:
                headers[name] = value
        if "Content-Security-Policy" not in headers and self._csp_applies(scope.get("path", "")):
            headers["Content-Security-Policy"] = CSP


# -- JSON nesting -----------------------------------------------------------------------------------------------
# Our bodies nest 3 deep at most ({"reviews": [{…}]}); the decoder recurses per level and a body of 10,000 "["
# ends in a RecursionError (500). Nesting is measured before anything parses the body.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN_RUN = b"[" * (MAX_JSON_DEPTH + 1)


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in `body` nest deeper than `limit` (brackets inside strings do not count).
    Linear C-speed passes over the bytes: strings dropped, everything but brackets dropped, then innermost
    pairs removed level by level; a body with few brackets returns at once."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    brackets = brackets.replace(b"{", b"[").replace(b"}", b"]")
    if _OPEN_RUN in brackets:
        return True
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if not shorter:
            return False
        if _OPEN_RUN in shorter:
            return True
        if shorter == brackets:
            return False  # unbalanced without a deep run: the decoder stops at the first error (its own 400)
        brackets = shorter
    return True


async def limit_json_depth(request: Request) -> None:
    """`before_request` hook: a JSON body nested deeper than MAX_JSON_DEPTH is a 400 before it is decoded
    (reading the body here keeps the route's size limit; the handler reuses the bytes)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        return
    if json_too_deep(await request.body()):
        raise InvalidInput(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")


# -- logs -------------------------------------------------------------------------------------------------------
# Each pattern starts at a literal or a delimiter and has bounded runs, so redaction stays linear on any message.
_HEADER = re.compile(
    r"\b((?:proxy-)?authorization|x-api-key|api[-_]key|openai-api-key)(['\"]?\s{0,3}[:=,]\s{0,3}b?['\"]?)"
    r"(?:(bearer|basic|token)\s{1,3})?[^\s'\",;}\])]{1,4096}",
    re.I,
)
_SECRETS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(://[^/\s:@]{0,256}:)[^@\s/]{1,256}@"), r"\1***@"),  # user:password@host
    (
        re.compile(
            r"([?&;](?:api[-_]?key|key|token|access_token|secret|password|passwd|sig|signature)=)[^&\s\"'#]+", re.I
        ),
        r"\1***",
    ),
    (_HEADER, lambda m: f"{m[1]}{m[2]}{m[3] + ' ' if m[3] else ''}***"),  # Authorization: …, api-key: …
    (re.compile(r"\b(Bearer|Basic)\s{1,16}[A-Za-z0-9._~+/=-]{8,}", re.I), r"\1 ***"),
    (re.compile(r"\b(sk-[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+"), r"\1***"),
    (re.compile(r"\b(rra_)[A-Za-z0-9_-]{20,}"), r"\1***"),  # our own API keys (domain/keys/service.py PREFIX)
]
# The HTTP clients log every request's URL at INFO ("HTTP Request: POST http://user:pass@host/v1/…?api-key=…")
REDACTED_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "openai")
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask secrets in a record's final message, its traceback text and its stack (once per record)."""
    if getattr(record, "_redacted", False):
        return record
    record._redacted = True
    try:
        message = record.getMessage()
    except Exception:
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and not record.exc_text:  # formatters reuse exc_text instead of formatting again
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactSecrets(logging.Filter):
    """Masks credentials in URLs, Authorization/api-key headers, bearer tokens and API keys in a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> None:
    """Redact every record of every logger, child loggers included, whatever handler later receives it.

    A filter on a logger only sees records logged *to that logger*, not its children's (`httpx2._client`,
    `openai._base_client`), so it is not enough. Records are redacted where they are made (the record
    factory: any logger, any handler added later, pytest's too), and every handler already configured gets
    the filter as well (records made elsewhere, e.g. by `logging.makeLogRecord`). Idempotent."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_redacts", False):

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(factory(*args, **kwargs))

        redacting_factory._redacts = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(RedactSecrets())
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
