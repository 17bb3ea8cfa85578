"""Database URLs and engines. SQLite (embedded default) and PostgreSQL (production) behind one async
engine; migrations use the matching sync driver."""

from __future__ import annotations

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


def ensure_sqlite_dir(url: str) -> None:
    if is_sqlite(url) and (database := make_url(url).database) and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


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


def create_engine(url: str, *, pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping` checks a pooled PostgreSQL connection before each use (a round trip), so the service
    survives a database restart; bulk work skips it, since a failed review is retried anyway."""
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        engine = create_async_engine(async_url(url), connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # JIT costs more than it saves on our short aggregate queries (hundreds of ms on misestimated plans)
    # hide_parameters: SQL errors are logged without their values (review text, key hashes)
    return create_async_engine(async_url(url), pool_size=10, max_overflow=20, pool_pre_ping=pre_ping,
                               hide_parameters=True,
                               connect_args={"server_settings": {"jit": "off"}})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
