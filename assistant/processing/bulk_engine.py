"""The database engine for bulk work (batch runs, workers): the shared one, with PostgreSQL commits that don't
wait for the WAL flush and pooled connections used without a ping first (a review that meets a dead
connection fails and is retried, as after any outage).

A review takes several short transactions; with `synchronous_commit = on` each waits for an fsync, which on
ordinary disks caps a batch at a few hundred commits per second. `off` keeps every guarantee except the last
fraction of a second of commits after a *server* crash (never corruption), which an idempotent import and
pipeline simply redo on the next run. SQLite already runs WAL with `synchronous=NORMAL`.

On SQLite a bulk process uses one connection, its sessions taking turns in the pool's queue. SQLite lets one
connection write at a time, and another one that wants to write polls for the lock, sleeping 1, 2, 5 … 100 ms
between tries (its busy handler): the import, the claims, the results and the call log (each a session of its
own) made ~830 such sleeps in one 2,000-review batch (strace), each holding back a claim or a result for up to
0.1 s while the lock was free. From the pool's queue the next session gets the connection the moment it is
released. No session of bulk work waits on anything else while it holds one (the importer hands ids to
processing only after its transaction, assistant/batch/importer.py), so taking turns cannot deadlock.
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
    engine = create_engine(url, pre_ping=False, one_sqlite_connection=True)
    if not is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _asynchronous_commit)
    return engine
