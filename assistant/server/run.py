"""How `assistant serve` runs uvicorn: proxy headers are believed only from the proxies named in
`ASSISTANT_FORWARDED_ALLOW_IPS` (or `--forwarded-allow-ips`).

uvicorn's own default trusts `X-Forwarded-For` from 127.0.0.1, so anything that can reach the port from the
same host (or a proxy that forwards the header unchanged) chooses its client address: each guess at a password
would come "from" a new address. Here the default is off; behind a reverse proxy, name it."""

from __future__ import annotations

from typing import Any

import uvicorn


def proxy_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn keyword arguments: no proxy-header middleware at all unless proxies are named."""
    ips = (forwarded_allow_ips or "").strip()
    if not ips:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ips}


def uvicorn_config(
    app: Any, *, host: str, port: int, log_level: str = "info", forwarded_allow_ips: str | None = None, **extra: Any
) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, **proxy_options(forwarded_allow_ips), **extra)
