"""Security headers on every response the app sends: API, web pages, static files, errors and 404s.

A `before_send` hook rather than a route middleware, because Litestar's middleware only wraps matched
routes; the hook sees every `http.response.start`, including routing 404s and exception responses.
Headers a handler set itself are kept (the web UI's pages send their own, identical policy).

The policy forbids inline script: the web UI loads its JavaScript from /static and vendors htmx. The
interactive OpenAPI pages under `/schema` (Swagger/Redoc load their scripts from a CDN with inline
bootstrap code) get every header but the CSP; `/schema/openapi.json` itself is plain JSON.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
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
