"""Throwaway migrated databases for the benchmarks: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get("ASSISTANT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def new_database(backend: str, scratch: Path, prefix: str = "bench") -> str:
    from assistant.db.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{scratch / f'{prefix}-{uuid.uuid4().hex[:6]}.db'}"
    else:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
