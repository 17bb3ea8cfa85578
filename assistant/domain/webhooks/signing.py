"""Webhook signatures: HMAC-SHA256 over `"<timestamp>.<raw body>"`, sent as `X-Signature: sha256=<hex>`.

The timestamp (`X-Webhook-Timestamp`, Unix seconds) is inside the signed string, so a captured request
replayed later fails the receiver's freshness check and cannot be re-dated without the secret. Receivers
should also dedupe on `X-Webhook-Id`: delivery is at least once.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"
EVENT_HEADER = "X-Webhook-Event"
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between our clock and theirs


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is fresh."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature or "")
