"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import assistant.db.models  # noqa: F401
from assistant.db.engine import sync_url
from assistant.db.migrate import HEAD, alembic_config, current_revision, upgrade, upgrade_to_head


def test_models_and_migrations_agree(database_url):
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # expression indexes can't be reflected; they are created by 0002
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"


def test_head_is_alembics_head_and_a_current_database_is_left_as_it_is(database_url):
    """`upgrade` skips Alembic when the database is at `HEAD`: a migration added without moving `HEAD` fails here
    (at run time it would only cost Alembic's start-up, as the revisions differ)."""
    assert ScriptDirectory.from_config(alembic_config(database_url)).get_current_head() == HEAD
    assert current_revision(database_url) == HEAD  # the test database is migrated
    upgrade(database_url)
    assert current_revision(database_url) == HEAD


def test_a_new_database_is_migrated_to_head_quietly_with_its_expression_indexes(tmp_path):
    """SQLite's batch mode reflects the schema and SQLAlchemy warns about the expression indexes it can't reflect:
    a person creating a database sees no such warning, and the indexes are still there."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert current_revision(url) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        upgrade(url)
    assert current_revision(url) == HEAD
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        engine.dispose()
    assert {"ix_review_occurred", "ix_review_business_occurred"} <= names, names


async def test_the_batch_command_migrates_a_new_database_through_its_async_driver(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    await upgrade_to_head(url)
    assert current_revision(url) == HEAD
    await upgrade_to_head(url)  # current: a one-row query
    assert current_revision(url) == HEAD
