"""Schema migrations with Alembic, configured in code (no alembic.ini to lose).

Every command that opens the database calls `upgrade` first, and nearly always the schema is already current:
then a one-row query answers, and Alembic is not imported (`python -X importtime`: 0.8 s of each command's
start, the batch command's included, before its first model request)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import SAWarning

from assistant.db.engine import create_engine as create_async_engine
from assistant.db.engine import ensure_sqlite_dir, sync_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD = "0004"  # the newest migration's revision (tests/integration/test_migrations.py: Alembic's head)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config  # see the module's docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def _revision_on(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(database_url: str) -> str | None:
    """The database's schema revision, None before the first migration."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return _revision_on(connection)
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_dir(database_url)
    if revision == "head" and current_revision(database_url) == HEAD:
        return
    from alembic import command  # see the module's docstring

    with warnings.catch_warnings():
        # SQLite's batch mode (0003) reflects the whole schema, and SQLAlchemy warns once per expression index it
        # cannot reflect; those indexes are left as they are, so a person creating a database need not read it
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        command.upgrade(alembic_config(database_url), revision)


async def upgrade_to_head(database_url: str) -> None:
    """`upgrade` for a command that works through the async driver anyway (the batch import): the revision is read
    with that driver, and the sync one (psycopg: 0.23 s to import and connect, before the first row is stored) and
    Alembic load only when the schema is behind."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(_revision_on)
    finally:
        await engine.dispose()
    if current != HEAD:
        await asyncio.to_thread(upgrade, database_url)


def revision(database_url: str, message: str) -> None:
    """Developer helper: autogenerate a migration from the models against an up-to-date database."""
    from alembic import command

    command.revision(alembic_config(database_url), message=message, autogenerate=True)
