"""The variety check's reference (a business's recent approved replies) in bulk work: read once per business per
TTL however many reviews ask at once, and a read that failed is tried again by the next review."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from assistant.db.engine import create_engine, session_factory
from assistant.processing.pipeline import Pipeline


class Reads:
    """Counts the recent-replies queries an engine runs; `fail` makes the next ones fail."""

    def __init__(self, engine) -> None:
        self.count, self.fail = 0, False
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args) -> None:
        if "select draft.text" in statement.lower():
            self.count += 1
            if self.fail:
                raise RuntimeError("the database is away")


@pytest.fixture
async def pipeline_and_reads(settings):
    engine = create_engine(settings.resolved_database_url)
    try:
        yield Pipeline(session_factory(engine), None, None, recent_replies_ttl=15.0), Reads(engine)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_reviews_asking_at_once_share_one_read(pipeline_and_reads) -> None:
    pipeline, reads = pipeline_and_reads
    answers = await asyncio.gather(*(pipeline.recent_replies("shop") for _ in range(16)))
    assert answers == [[]] * 16 and reads.count == 1
    await pipeline.recent_replies("shop")
    await pipeline.recent_replies("other shop")
    assert reads.count == 2, "within the TTL the first read stands; another business reads its own"


async def test_a_failed_read_is_not_kept(pipeline_and_reads) -> None:
    pipeline, reads = pipeline_and_reads
    reads.fail = True
    failed = await asyncio.gather(*(pipeline.recent_replies("shop") for _ in range(4)), return_exceptions=True)
    assert reads.count == 1 and all(isinstance(error, Exception) for error in failed)
    reads.fail = False
    assert await pipeline.recent_replies("shop") == [] and reads.count == 2


async def test_a_cancelled_reader_does_not_cancel_the_others(pipeline_and_reads) -> None:
    pipeline, reads = pipeline_and_reads
    first = asyncio.ensure_future(pipeline.recent_replies("shop"))
    second = asyncio.ensure_future(pipeline.recent_replies("shop"))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == [] and reads.count == 1
