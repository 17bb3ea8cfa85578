"""API keys: random tokens shown once, stored as SHA-256 (a 256-bit random key needs no slow hash).

Scopes: `admin` (everything), `agent` (read the queue and decide), `ingest` (post and read reviews: the
browser extension and batch clients)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import ApiKey, utcnow
from assistant.errors import NotFound

SCOPES = ("admin", "agent", "ingest")
PREFIX = "rra_"


@dataclass(frozen=True)
class Principal:
    name: str
    scopes: frozenset[str]

    def can(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, name: str, scopes: list[str]) -> str:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    key = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, prefix=key[:10], key_hash=hash_key(key), scopes=scopes))
    await session.commit()
    return key


async def authenticate(session: AsyncSession, key: str, bootstrap_key: str | None) -> Principal | None:
    if bootstrap_key and hmac.compare_digest(key.encode(), bootstrap_key.encode()):
        return Principal("bootstrap", frozenset({"admin"}))
    row = (await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))).scalars().first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(f"key:{row.name}", frozenset(row.scopes))


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, newest first (hashes only; a key is shown once, at creation)."""
    return list((await session.execute(select(ApiKey).order_by(ApiKey.id.desc()))).scalars().all())


async def revoke_key(session: AsyncSession, key_id: int) -> ApiKey:
    """Revoke a key: it stops authenticating at once. Revoking twice keeps the first time."""

    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
    return row
