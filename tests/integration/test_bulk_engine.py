"""The engine of bulk work (batch runs, workers) on SQLite: its sessions take turns on one connection, so a writer
waits in the pool's queue, woken when the connection is free, instead of polling SQLite's lock from a second
connection (assistant/processing/bulk_engine.py). The service's engine keeps its pool."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.db.engine import create_engine, session_factory
from assistant.processing.bulk_engine import bulk_engine


@pytest.fixture
def scratch_engine(
    tmp_path: Path, sqlite_template: Path
) -> Callable[[Callable[[str], AsyncEngine]], AbstractAsyncContextManager[AsyncEngine]]:
    """An engine made by the given factory on a fresh SQLite copy with an empty table `scratch`."""

    @asynccontextmanager
    async def make(factory: Callable[[str], AsyncEngine]) -> AsyncIterator[AsyncEngine]:
        path = tmp_path / "scratch.db"
        shutil.copy(sqlite_template, path)
        engine = factory(f"sqlite:///{path}")
        try:
            async with session_factory(engine)() as session:
                await session.execute(text("CREATE TABLE scratch (x INTEGER)"))
                await session.commit()
            yield engine
        finally:
            await engine.dispose()

    return make


async def test_a_second_writer_waits_for_the_one_connection_then_writes(scratch_engine) -> None:
    async with scratch_engine(bulk_engine) as engine:
        sessions = session_factory(engine)

        async def write(x: int) -> None:
            async with sessions() as session:
                await session.execute(text("INSERT INTO scratch VALUES (:x)"), {"x": x})
                await session.commit()

        first = sessions()
        await first.execute(text("INSERT INTO scratch VALUES (1)"))  # holds SQLite's write lock until its commit
        second = asyncio.create_task(write(2))
        await asyncio.sleep(0.2)
        assert not second.done()
        assert engine.sync_engine.pool.checkedout() == 1, "the second writer opened a connection of its own"
        await first.commit()
        await first.close()
        await asyncio.wait_for(second, 5)
        async with sessions() as session:
            assert (await session.execute(text("SELECT x FROM scratch ORDER BY x"))).scalars().all() == [1, 2]


async def test_the_services_engine_keeps_a_pool_on_sqlite(scratch_engine) -> None:
    """The service's readers (the queue page, insights) must not wait for a writer: WAL lets them read meanwhile."""
    async with scratch_engine(create_engine) as engine:
        sessions = session_factory(engine)
        async with sessions() as writer, sessions() as reader:
            await writer.execute(text("INSERT INTO scratch VALUES (1)"))  # uncommitted: the write lock held
            assert (await reader.execute(text("SELECT count(*) FROM scratch"))).scalar() == 0, "read meanwhile"
            await writer.commit()
