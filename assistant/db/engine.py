"""Database URLs and engines. SQLite (embedded default) and PostgreSQL (production) behind one async
engine; migrations use the matching sync driver."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def _with_driver(url: str, *, sync: bool) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        driver = "sqlite" if sync else "sqlite+aiosqlite"
    elif backend in ("postgresql", "postgres"):
        driver = "postgresql+psycopg" if sync else "postgresql+asyncpg"
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def async_url(url: str) -> str:
    return _with_driver(url, sync=False)


def sync_url(url: str) -> str:
    return _with_driver(url, sync=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 whatever the umask. A directory that already exists is left
    as it is: it may be shared on purpose (`/tmp`, a mounted volume); only what we create is ours to restrict."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, 0o700)
    return path


def private_file(path: Path) -> None:
    """Make `path` exist with mode 0600 (owner only) whatever the umask; an existing file of ours that others
    could read (created before this rule) is tightened too."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def ensure_sqlite_dir(url: str) -> None:
    """The SQLite file holds review texts and password and key hashes: its directory is created 0700 and the
    file itself 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database's mode)."""
    if (
        is_sqlite(url)
        and (database := make_url(url).database)
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        path = Path(database)
        private_dir(path.parent)
        private_file(path)
        for companion in (Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")):
            if companion.exists() and stat.S_IMODE(companion.stat().st_mode) & 0o077:
                os.chmod(companion, 0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and one writer work together; busy_timeout waits for the lock instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: aggregate queries re-read indexes
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def create_engine(url: str, *, pre_ping: bool = True, one_sqlite_connection: bool = False) -> AsyncEngine:
    """`pre_ping` checks a pooled PostgreSQL connection before each use (a round trip), so the service
    survives a database restart; bulk work skips it, since a failed review is retried anyway.
    `one_sqlite_connection`: this process's sessions take turns on a single SQLite connection (bulk work, see
    processing/bulk_engine.py); else a pool, so that the service's readers never wait for a writer (WAL)."""
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        pool = {"pool_size": 1, "max_overflow": 0} if one_sqlite_connection else {}
        engine = create_async_engine(async_url(url), connect_args={"timeout": 30}, hide_parameters=True, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # JIT costs more than it saves on our short aggregate queries (hundreds of ms on misestimated plans)
    # hide_parameters: SQL errors are logged without their values (review text, key hashes)
    return create_async_engine(
        async_url(url),
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=pre_ping,
        hide_parameters=True,
        connect_args={"server_settings": {"jit": "off"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
