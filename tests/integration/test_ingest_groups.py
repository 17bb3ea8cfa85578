"""Storing reviews a group at a time (`ReviewService.ingest_many`, the batch import): each review gets the outcome
`ingest` would give it alone — created, replayed, conflict, bad input — in order, and a review another writer
stored between the lookup and the commit is settled by the database's unique constraint, on both databases."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

import assistant.batch.importer as importer
from assistant.batch.reader import ReadOptions, read_rows
from assistant.db.engine import create_engine, session_factory
from assistant.db.models import Review
from assistant.domain.reviews.schemas import ReviewIn
from assistant.domain.reviews.service import ReviewService
from assistant.errors import Conflict, InvalidInput
from assistant.processing.bulk import WorkFeed


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


def review(external_id: str | None, text: str = "Курьер опоздал на два часа, коробка помята.") -> ReviewIn:
    return ReviewIn(text=text, source="shop", external_id=external_id, rating=2)


async def test_a_group_gets_the_outcome_each_review_would_get_alone(sessions):
    async with sessions() as session:
        stored, _ = await ReviewService(session).ingest(review("s-1"))
    group = [
        (review("s-2"), None),  # new
        (review("s-1"), None),  # a replay of a stored review
        (review("s-1", "Совсем другой текст отзыва"), None),  # the same id, other content
        (review("s-3", "bad \x00 byte"), None),  # refused before the database
        (review(None, "Great coffee, friendly barista."), "key-1"),  # no id: its idempotency key identifies it
        (review(None, "Great coffee, friendly barista."), "  "),  # an empty key is no key
    ]
    async with sessions() as session:
        outcomes = await ReviewService(session).ingest_many(group)
    new, replay, conflict, bad, keyed, unkeyed = outcomes
    assert isinstance(new, tuple) and new[1] is True and new[0].external_id == "s-2"
    assert isinstance(replay, tuple) and replay == (replay[0], False) and replay[0].id == stored.id
    assert isinstance(conflict, Conflict) and conflict.extra["review_id"] == stored.id
    assert isinstance(bad, InvalidInput)
    assert isinstance(keyed, tuple) and keyed[1] and keyed[0].idempotency_key == "key-1"
    assert isinstance(unkeyed, tuple) and unkeyed[1] and unkeyed[0].idempotency_key is None

    async with sessions() as session:
        again = await ReviewService(session).ingest_many([(review(None, "Great coffee, friendly barista."), "key-1")])
        count = (await session.execute(select(func.count()).select_from(Review))).scalar()
    assert again[0] == (again[0][0], False) and again[0][0].id == keyed[0].id  # type: ignore[index]
    assert count == 4  # s-1, s-2, key-1 and the unkeyed one


async def test_a_review_stored_by_another_writer_after_the_lookup_is_replayed_not_duplicated(sessions, monkeypatch):
    async with sessions() as session:
        stored, _ = await ReviewService(session).ingest(review("race-1"))

    async def saw_nothing(self, wanted):  # the lookup ran before the other writer committed
        return {}

    monkeypatch.setattr(ReviewService, "_find_many", saw_nothing)
    async with sessions() as session:
        outcomes = await ReviewService(session).ingest_many([(review("race-2"), None), (review("race-1"), None)])
        count = (await session.execute(select(func.count()).select_from(Review))).scalar()
    assert outcomes[0][1] is True and outcomes[1] == (outcomes[1][0], False)  # type: ignore[index]
    assert outcomes[1][0].id == stored.id and count == 2  # type: ignore[index]


async def test_the_import_stores_groups_and_skips_a_repeat_from_an_earlier_group(sessions, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "IMPORT_GROUP", 3)
    path = tmp_path / "rows.csv"
    rows = [[f"r-{i}", 2, f"Курьер опоздал на {i} часа, коробка помята."] for i in range(7)]
    rows.insert(5, rows[1])  # r-1 again, in the second group
    rows.insert(2, ["r-9", 2, " "])  # an empty review: a bad row
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["review_id", "stars", "comment"], *rows])
    heard: list[tuple[int, str]] = []
    feed = WorkFeed()
    result = await importer.import_rows(
        read_rows(path, ReadOptions(source="shop")),
        sessions,
        feed,
        max_attempts=3,
        on_item=lambda item, outcome: heard.append((item.line, outcome)),
    )
    assert [line for line, _ in heard] == sorted(line for line, _ in heard), "outcomes are heard in file order"
    assert [outcome for _, outcome in heard].count("stored") == 7
    assert (result.created, result.duplicates, len(result.failures)) == (7, 1, 1)
    assert len(result.work) == len(set(result.work)) == 7
    assert sorted(await feed.take(100)) == sorted(result.work)
