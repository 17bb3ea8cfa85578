"""Schema migrations with Alembic, configured in code (no alembic.ini to lose).

Every command that opens the database calls `upgrade` first, and nearly always the schema is already current:
then a one-row query answers, and Alembic is not imported (`python -X importtime`: 0.8 s of each command's
start, the batch command's included, before its first model request)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, inspect, text

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


def current_revision(database_url: str) -> str | None:
    """The database's schema revision, None before the first migration."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_dir(database_url)
    if revision == "head" and current_revision(database_url) == HEAD:
        return
    from alembic import command  # see the module's docstring

    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    """Developer helper: autogenerate a migration from the models against an up-to-date database."""
    from alembic import command

    command.revision(alembic_config(database_url), message=message, autogenerate=True)
