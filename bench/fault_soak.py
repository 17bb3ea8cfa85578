"""Fault soak: N reviews through the real service while the LLM misbehaves, then a retry of the failures.

    python bench/fault_soak.py                          # 1,000 reviews, SQLite and PostgreSQL
    python bench/fault_soak.py --n 200 --backends sqlite --workers 4

The scripted LLM answers 30 % of calls with 429 (Retry-After 0.05 s), 10 % with 500, hangs on 5 % for
just longer than the client's timeout, and sends a truncated JSON body on 5 %. The service runs under uvicorn
on loopback with its in-process workers; reviews arrive as batches and single POSTs, each batch sent twice
(the replay must create nothing). Then it checks, in the database:

- none lost: exactly N reviews, none left `received`/`processing`;
- every review ended `pending_approval` with one reply draft, or `failed` with a reason and no draft;
- none drafted twice: no review has two reply drafts;
and, with the LLM healthy again, `POST /reviews/{id}/retry` for every failed one: all reach
`pending_approval` with exactly one draft. Prints the counts and timings; exits 1 if any check fails.
`tests/integration/test_faults.py` runs `soak()` with a smaller N on both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from assistant.db.engine import create_engine, session_factory  # noqa: E402
from assistant.db.models import Draft, Review  # noqa: E402
from bench._databases import drop_database, new_database  # noqa: E402
from tests.support.scripted_llm import ScriptedLLM, estimated_usage  # noqa: E402

KEY = "soak-bootstrap-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
RATES = {"rate_limit": 0.3, "server_error": 0.1, "hang": 0.05, "bad_json": 0.05}
ACTIVE = ("received", "processing")


def review(index: int) -> dict[str, Any]:
    from tests.fixtures.batch.generate import review as synthetic

    row = synthetic(index)
    return {"text": row["comment"], "source": "soak", "external_id": str(row["review_id"]), "rating": row["stars"]}


@dataclass
class SoakResult:
    n: int
    ingest_seconds: float = 0.0
    settle_seconds: float = 0.0
    retry_seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    after_retry: Counter = field(default_factory=Counter)
    llm_requests: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)


async def _wait_settled(http: Any, ids: list[int], timeout: float) -> dict[int, dict]:
    """Poll the API until no review is received/processing; the last body of each."""
    deadline = time.monotonic() + timeout
    pending = set(ids)
    bodies: dict[int, dict] = {}
    while pending:
        for review_id in sorted(pending)[:200]:
            body = (await http.get(f"/api/v1/reviews/{review_id}")).json()
            bodies[review_id] = body
            if body["status"] not in ACTIVE:
                pending.discard(review_id)
        if pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(pending)} reviews never finished, e.g. {sorted(pending)[:5]}")
            await asyncio.sleep(0.2)
    return bodies


async def _audit(database_url: str, result: SoakResult, *, after_retry: bool) -> Counter:
    """What the database says: statuses, reasons, drafts per review."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            statuses = Counter(
                dict((await session.execute(select(Review.status, func.count()).group_by(Review.status))).all())
            )
            reasonless = (
                await session.execute(
                    select(func.count())
                    .select_from(Review)
                    .where(Review.status == "failed", func.coalesce(Review.error, "") == "")
                )
            ).scalar_one()
            drafts = dict(
                (
                    await session.execute(
                        select(Draft.review_id, func.count()).where(Draft.kind == "reply").group_by(Draft.review_id)
                    )
                ).all()
            )
            failed_ids = set((await session.execute(select(Review.id).where(Review.status == "failed"))).scalars())
            pending_ids = set(
                (await session.execute(select(Review.id).where(Review.status == "pending_approval"))).scalars()
            )
    finally:
        await engine.dispose()
    stage = "after retry" if after_retry else "under faults"
    result.check(
        sum(statuses.values()) == result.n, f"{stage}: {sum(statuses.values())} reviews stored, not {result.n}"
    )
    result.check(not any(statuses[s] for s in ACTIVE), f"{stage}: unfinished reviews {statuses}")
    result.check(reasonless == 0, f"{stage}: {reasonless} failed reviews without a reason")
    twice = [r for r, c in drafts.items() if c > 1]
    result.check(not twice, f"{stage}: reviews drafted twice: {twice[:10]}")
    undrafted = [r for r in pending_ids if r not in drafts]
    result.check(not undrafted, f"{stage}: pending_approval without a draft: {undrafted[:10]}")
    drafted_failures = [r for r in failed_ids if r in drafts]
    result.check(not drafted_failures, f"{stage}: failed yet drafted: {drafted_failures[:10]}")
    if after_retry:
        result.check(statuses == Counter({"pending_approval": result.n}), f"after retry: {dict(statuses)}")
    return statuses


async def soak(
    http: Any,
    llm: ScriptedLLM,
    database_url: str,
    *,
    n: int,
    hang_seconds: float,
    batch_size: int = 100,
    settle_timeout: float = 600.0,
) -> SoakResult:
    """Drive one soak through an HTTP client (`httpx.AsyncClient` or Litestar's test client) already
    authenticated as admin; the service behind it must use `llm` and `database_url`."""
    result = SoakResult(n=n)
    llm.set_rates(hang_seconds=hang_seconds, **RATES)
    started = time.monotonic()
    ids: list[int] = []
    singles = n // 10  # a tenth arrive one by one, the rest in batches sent twice
    for index in range(singles):
        response = await http.post("/api/v1/reviews", json=review(index))
        result.check(
            response.status_code == 201, f"single ingest {index}: {response.status_code} {response.text[:200]}"
        )
        ids.append(response.json()["id"])
    for start in range(singles, n, batch_size):
        chunk = [review(i) for i in range(start, min(start + batch_size, n))]
        first = (await http.post("/api/v1/reviews/batch", json={"reviews": chunk})).json()
        replay = (await http.post("/api/v1/reviews/batch", json={"reviews": chunk})).json()
        result.check(first["created"] == len(chunk), f"batch at {start}: {first['created']} created of {len(chunk)}")
        result.check(replay["replayed"] == len(chunk) and replay["created"] == 0, f"batch replay at {start}: {replay}")
        ids.extend(item["id"] for item in first["results"] if item.get("id"))
    result.ingest_seconds = time.monotonic() - started
    await _wait_settled(http, ids, settle_timeout)
    result.settle_seconds = time.monotonic() - started
    result.llm_requests = llm.served
    result.statuses = await _audit(database_url, result, after_retry=False)

    llm.set_rates()  # the provider recovered
    started = time.monotonic()
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        failed = list((await session.execute(select(Review.id).where(Review.status == "failed"))).scalars())
    await engine.dispose()
    for review_id in failed:
        response = await http.post(f"/api/v1/reviews/{review_id}/retry")
        result.check(response.status_code == 202, f"retry {review_id}: {response.status_code} {response.text[:200]}")
    await _wait_settled(http, failed, settle_timeout)
    result.retry_seconds = time.monotonic() - started
    result.after_retry = await _audit(database_url, result, after_retry=True)
    return result


class ServerThread:
    """The app under uvicorn on a free loopback port, in a thread (the bench's own process)."""

    def __init__(self, app: Any):
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="on", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def run_backend(backend: str, args: argparse.Namespace, scratch: Path) -> SoakResult:
    import httpx

    from assistant.server.app import create_app
    from assistant.settings import Settings

    url = new_database(backend, scratch, prefix="soak")
    try:
        with ScriptedLLM(seed=7, usage=estimated_usage) as llm:
            settings = Settings(
                database_url=url,
                data_dir=scratch,
                llm_base_url=llm.base_url,
                llm_model="scripted",
                bootstrap_api_key=KEY,
                llm_timeout=args.timeout,
                llm_max_attempts=args.attempts,
                llm_max_retry_wait=0.2,
                workers=args.workers,
            )
            with ServerThread(create_app(settings)) as server:

                async def drive() -> SoakResult:
                    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=60) as http:
                        return await soak(http, llm, url, n=args.n, hang_seconds=args.timeout + args.hang_extra)

                return asyncio.run(drive())
    finally:
        drop_database(url)


def main() -> int:
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # sqlmodel's nudge towards session.exec
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=8, help="in-process pipeline workers")
    parser.add_argument("--timeout", type=float, default=0.5, help="LLM client timeout, seconds")
    parser.add_argument("--hang-extra", type=float, default=0.25, help="a hang lasts timeout + this")
    parser.add_argument("--attempts", type=int, default=3, help="LLM attempts per call")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the service logs every fault it survives; keep the table readable
    rows, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            result = run_backend(backend, args, Path(tmp))
            failed |= bool(result.problems)
            rows.append((backend, result))
            for problem in result.problems:
                print(f"✗ {backend}: {problem}")
    print(
        f"\nfault soak: N={args.n}, faults {RATES}, hang {args.timeout + args.hang_extra:.2f} s > timeout "
        f"{args.timeout} s, {args.attempts} attempts/call, {args.workers} workers"
    )
    print(
        f"{'db':<11}{'ingest s':>9}{'settled s':>10}{'LLM calls':>10}{'drafted':>9}{'failed':>8}"
        f"{'retry s':>9}{'after retry':>13}{'checks':>8}"
    )
    for backend, r in rows:
        print(
            f"{backend:<11}{r.ingest_seconds:>9.1f}{r.settle_seconds:>10.1f}{r.llm_requests:>10}"
            f"{r.statuses['pending_approval']:>9}{r.statuses['failed']:>8}{r.retry_seconds:>9.1f}"
            f"{r.after_retry['pending_approval']:>13}{'ok' if not r.problems else 'FAIL':>8}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
