"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import assistant.db.models  # noqa: F401
from assistant.db.engine import sync_url


def test_models_and_migrations_agree(database_url):
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # expression indexes can't be reflected; they are created by 0002
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"
