"""How fast the approval queue's first page renders with 10,000 pending drafts, on SQLite and PostgreSQL.

Seeds a fresh database per backend (reviews + classifications + drafts + versions, ~25 % flagged, spread over
three days and several businesses, languages and platforms, on top of 40,000 already approved drafts), signs an agent in, and times full page renders
through the real app (middleware, queries, Jinja): the default queue, the severity × age sort, a narrow
filter, a deep page and a review page. Prints the query plans of the queue's SQL, so "uses indexes" is seen.

    python bench/queue_page.py                       # both backends, 10,000 pending + 40,000 decided
    python bench/queue_page.py --backends sqlite --pending 50000 --runs 30
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from litestar.testing import AsyncTestClient
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db.engine import create_engine as create_async_engine  # noqa: E402
from assistant.db.engine import sync_url  # noqa: E402
from assistant.db.migrate import upgrade  # noqa: E402
from assistant.db.models import Classification, Draft, DraftVersion, Review, User  # noqa: E402
from assistant.domain.users.service import hash_password  # noqa: E402
from assistant.server.app import create_app  # noqa: E402
from assistant.settings import Settings  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"
LANGS = ["ru", "uk", "lv", "en"]
ACTIONS = ["thank", "apologize", "offer_fix", "offer_discount", "do_not_engage"]
SOURCES = ["google", "yandex", "shop", "app_store", "maps"]
BUSINESSES = ["default", "atelier-ru", "kurjers-lv", "shop-ee"]
TOPICS = ["delivery", "courier", "quality", "price", "staff", "defect"]


def seed(url: str, pending: int, decided: int) -> None:
    """`pending` drafts waiting, plus `decided` approved/rejected ones (the history a live queue sits on)."""
    rng = random.Random(7)
    engine = create_sync_engine(sync_url(url))
    now = datetime.now(UTC)
    reviews, classes, drafts, versions = [], [], [], []
    for i in range(1, pending + decided + 1):
        done = i > pending
        created = now - timedelta(minutes=rng.uniform(1, 72 * 60) + (rng.uniform(72 * 60, 365 * 1440) if done else 0))
        lang, action = rng.choice(LANGS), rng.choice(ACTIONS)
        text = f"Review {i}: " + " ".join(
            rng.choice(["fast", "slow", "courier", "cracked", "great", "rude", "late", "thanks", "kettle", "delivery"])
            for _ in range(25)
        )
        reply = f"Reply {i}: thank you for telling us about the " + " ".join(rng.choice(TOPICS) for _ in range(20))
        flagged = rng.random() < 0.25
        reviews.append(
            {
                "id": i,
                "source": rng.choice(SOURCES),
                "external_id": f"e{i}",
                "content_hash": "x" * 64,
                "business": rng.choice(BUSINESSES),
                "text": text,
                "rating": rng.randint(1, 5),
                "status": ("approved" if done else "pending_approval"),
                "attempts": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
        classes.append(
            {
                "id": i,
                "review_id": i,
                "action": action,
                "language": lang,
                "topics": rng.sample(TOPICS, 2),
                "severity": rng.randint(1, 5),
                "fixable": False,
                "confidence": 0.8,
                "reasons": ["bench"],
                "method": "rules",
                "needs_human": False,
                "created_at": created,
            }
        )
        drafts.append(
            {
                "id": i,
                "review_id": i,
                "kind": "reply",
                "status": "approved" if done else "pending",
                "version": 1,
                "text": reply,
                "flagged": flagged,
                "flags": ["language_mismatch"] if flagged else [],
                "created_at": created + timedelta(seconds=5),
                "updated_at": created,
                "decided_at": created + timedelta(hours=3) if done else None,
                "decided_by": "agent@example.com" if done else None,
            }
        )
        versions.append(
            {
                "draft_id": i,
                "version": 1,
                "text": reply,
                "origin": "llm",
                "author": "assistant",
                "guard_ok": not flagged,
                "guard_issues": [],
                "overlap": 0.0,
                "attempts": 1,
                "created_at": created,
            }
        )
    with engine.begin() as conn:
        for table, rows in ((Review, reviews), (Classification, classes), (Draft, drafts), (DraftVersion, versions)):
            for start in range(0, len(rows), 2000):
                conn.execute(insert(table.__table__), rows[start : start + 2000])
        conn.execute(
            insert(User.__table__),
            [
                {
                    "email": "agent@example.com",
                    "name": "Bench Agent",
                    "role": "agent",
                    "password_hash": hash_password(PASSWORD),
                    "active": True,
                    "created_at": now,
                }
            ],
        )
        if engine.dialect.name == "postgresql":
            for table in ("review", "draft", "classification"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', {pending + decided})")
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


async def measure(url: str, data_dir: Path, runs: int) -> tuple[dict[str, list[float]], list[tuple[str, object]]]:
    settings = Settings(
        database_url=url, data_dir=data_dir, llm_base_url="http://127.0.0.1:9/v1", llm_model="none", workers=1
    )
    app = create_app(settings)
    timings: dict[str, list[float]] = {}
    captured: list[tuple[str, object]] = []
    async with AsyncTestClient(app=app) as web:
        login = await web.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
        signed = await web.post(
            "/login",
            data={"email": "agent@example.com", "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        scenarios = {
            "queue, first page (oldest)": "/queue",
            "queue, severity × age": "/queue?sort=priority",
            "queue, lv + 5★ + clean": "/queue?language=lv&rating=5&flagged=no",
            "queue, page 150": "/queue?page=150",
            "review page": "/reviews/5000",
        }
        for name, path in scenarios.items():
            samples = []
            for _ in range(runs + 1):
                started = time.perf_counter()
                response = await web.get(path)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code, response.text[:500])
            timings[name] = samples

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM draft" in statement and statement.lstrip().upper().startswith("SELECT"):
                captured.append((statement, parameters))

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", capture)
        await web.get("/queue?sort=priority")
        await web.get("/queue?language=lv&rating=5&flagged=no")
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", capture)
    plans = []
    engine = create_async_engine(url)  # the app's engine lives on the test client's loop
    try:
        async with engine.connect() as conn:
            explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
            for statement, parameters in captured:
                rows = (await conn.exec_driver_sql(explain + statement, parameters)).all()
                plan = [str(r[-1]) for r in rows]
                plans.append((" ".join(statement.split())[:110], plan))
    finally:
        await engine.dispose()
    return timings, plans


def database(backend: str, workdir: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    name = f"assistant_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--decided", type=int, default=40_000, help="approved drafts already in the tables")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--plans", action="store_true", help="print every query plan line")
    args = parser.parse_args()
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = database(backend, Path(tmp))
            try:
                upgrade(url)
                started = time.perf_counter()
                seed(url, args.pending, args.decided)
                print(
                    f"\n== {backend}: {args.pending:,} pending drafts + {args.decided:,} decided "
                    f"(seeded in {time.perf_counter() - started:.1f}s)"
                )
                timings, plans = asyncio.run(measure(url, Path(tmp), args.runs))
            finally:
                drop()
        print(f"{'page':32} {'first':>9} {'median':>9} {'p95':>9}   (ms, full render via the app, {args.runs} runs)")
        for name, samples in timings.items():
            warm = sorted(samples[1:])
            p95 = warm[min(len(warm) - 1, int(len(warm) * 0.95))]
            print(f"{name:32} {samples[0]:9.1f} {statistics.median(warm):9.1f} {p95:9.1f}")
        print("query plans (queue SQL):")
        for statement, plan in plans:
            scans = [line for line in plan if re.search(r"SCAN|Seq Scan|Index|SEARCH|USING", line, re.I)]
            print(f"  {statement}…")
            for line in plan if args.plans else scans[:6]:
                print(f"      {line.strip()}")


if __name__ == "__main__":
    main()
