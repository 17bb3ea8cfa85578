"""How fast the insights report is on 100,000 reviews, on SQLite and PostgreSQL.

    python bench/insights.py                       # both backends, 100,000 reviews
    python bench/insights.py --reviews 20000 --backends sqlite

Generates reviews spread over a year (with classifications, topics and approved replies, bulk-inserted
through SQLAlchemy Core), migrates a fresh database, then times the whole report (every query the API runs)
for all businesses and for one, and the CSV export of a year of approved replies. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert

from assistant.db.engine import create_engine, session_factory, sync_url
from assistant.db.migrate import upgrade
from assistant.db.models import Classification, Draft, Review
from assistant.domain.insights.schemas import build_query
from assistant.domain.insights.service import InsightsService
from assistant.domain.replies.export import ExportFilter, approved_replies, as_csv
from assistant.playbooks import PlaybookRegistry
from assistant.settings import PROJECT_ROOT

PG_ADMIN_URL = os.environ.get("ASSISTANT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TOPICS = ["delivery", "courier", "staff", "quality", "defect", "price", "packaging", "communication", "refund"]
ACTIONS = ["thank"] * 5 + ["apologize"] * 2 + ["offer_fix", "offer_discount", "do_not_engage"]
BUSINESSES = ["default", "atelier-ru", "kurjers-lv", "shop-a", "shop-b"]
SOURCES = ["google", "shop", "app_store", "yandex"]
CHUNK = 5_000


def rows(n: int, now: datetime, seed: int = 7):
    """(review, classification, draft|None) dicts; ids are assigned here so the three tables line up."""
    rng = random.Random(seed)
    for i in range(1, n + 1):
        written = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
        ingested = written + timedelta(minutes=rng.randrange(1, 600))
        action = rng.choice(ACTIONS)
        topics = rng.sample(TOPICS, rng.choice((1, 1, 2, 3)))
        review = dict(
            id=i,
            source=rng.choice(SOURCES),
            external_id=f"b-{i}",
            content_hash=f"{i:064x}",
            business=rng.choice(BUSINESSES),
            text=f"Review {i} about {' and '.join(topics)}. " * 3,
            rating=5 if action == "thank" else rng.randint(1, 3),
            status="approved",
            attempts=1,
            created_at=ingested,
            updated_at=ingested,
            review_created_at=written,
        )
        classification = dict(
            id=i,
            review_id=i,
            action=action,
            language=rng.choice(("ru", "uk", "lv", "en")),
            topics=topics,
            severity=2,
            fixable=action == "offer_fix",
            confidence=0.8,
            reasons=["bench"],
            method="rules",
            needs_human=False,
            created_at=ingested,
        )
        draft = None
        if action != "do_not_engage" and rng.random() < 0.85:
            decided = ingested + timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
            draft = dict(
                id=i,
                review_id=i,
                kind="reply",
                status="approved",
                version=1,
                text=f"Reply to review {i}.",
                flagged=False,
                flags=[],
                decided_by="bench",
                decided_at=decided,
                created_at=ingested,
                updated_at=decided,
            )
        else:
            review["status"] = "pending_approval"
        yield review, classification, draft


def load(url: str, n: int, now: datetime) -> float:
    engine = create_sync_engine(sync_url(url))
    started = time.perf_counter()
    batch: tuple[list, list, list] = ([], [], [])
    with engine.begin() as conn:
        for review, classification, draft in rows(n, now):
            batch[0].append(review)
            batch[1].append(classification)
            if draft:
                batch[2].append(draft)
            if len(batch[0]) >= CHUNK:
                _flush(conn, batch)
                batch = ([], [], [])
        _flush(conn, batch)
        if engine.dialect.name == "postgresql":
            for table in ("review", "classification", "draft"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def _flush(conn, batch) -> None:
    for model, values in zip((Review, Classification, Draft), batch, strict=True):
        if values:
            conn.execute(insert(model.__table__), values)


async def time_reports(url: str, now: datetime, runs: int) -> list[tuple[str, float, float]]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    playbooks = PlaybookRegistry.from_directory(PROJECT_ROOT / "playbooks")
    cases = [
        ("insights, 12 weeks, all businesses", build_query(weeks=12, now=now)),
        ("insights, 12 weeks, one business", build_query(weeks=12, business="kurjers-lv", now=now)),
        ("insights, 52 weeks, all businesses", build_query(weeks=52, now=now)),
        (
            "insights, 4 weeks, one business + platform",
            build_query(weeks=4, business="shop-a", platform="google", now=now),
        ),
    ]
    figures = []
    try:
        for label, query in cases:
            timings = []
            for _ in range(runs):
                async with sessions() as session:
                    started = time.perf_counter()
                    report = await InsightsService(session, playbooks).report(query)
                    timings.append(time.perf_counter() - started)
            assert report.reviews > 0, label
            figures.append((label, statistics.median(timings), max(timings)))
        started = time.perf_counter()
        size = 0
        async for chunk in as_csv(approved_replies(sessions, ExportFilter(since=now - timedelta(weeks=52)))):
            size += len(chunk)
        seconds = time.perf_counter() - started
        figures.append((f"CSV export, 52 weeks ({size / 1e6:.1f} MB)", seconds, seconds))
    finally:
        await engine.dispose()
    return figures


def bench(backend: str, n: int, runs: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    folder = tempfile.mkdtemp(prefix="bench-insights-")
    name = f"bench_insights_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite:///{folder}/bench.db"
    else:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        seconds = load(url, n, now)
        print(f"{backend:10} insert {n:,} reviews (+classifications, approved drafts): {seconds:6.2f} s")
        for label, median, worst in asyncio.run(time_reports(url, now, runs)):
            print(f"{backend:10} {label:51} median {median * 1000:7.1f} ms   max {worst * 1000:7.1f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if backend != "sqlite":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        bench(backend.strip(), args.reviews, args.runs)


if __name__ == "__main__":
    main()
