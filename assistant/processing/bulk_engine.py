"""The database engine for bulk work (batch runs, workers): the shared one, with PostgreSQL commits that don't
wait for the WAL flush and pooled connections used without a ping first (a review that meets a dead
connection fails and is retried, as after any outage).

A review takes several short transactions; with `synchronous_commit = on` each waits for an fsync, which on
ordinary disks caps a batch at a few hundred commits per second. `off` keeps every guarantee except the last
fraction of a second of commits after a *server* crash (never corruption), which an idempotent import and
pipeline simply redo on the next run. SQLite already runs WAL with `synchronous=NORMAL`.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.db.engine import create_engine, is_sqlite


def _asynchronous_commit(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET synchronous_commit TO OFF")
    cursor.close()


def bulk_engine(url: str) -> AsyncEngine:
    engine = create_engine(url, pre_ping=False)
    if not is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _asynchronous_commit)
    return engine
