"""`assistant batch import` end to end on both databases, with a real HTTP server playing the LLM: everything
drafted once, re-import skips, a run killed with SIGKILL resumes without duplicates or losses, 429 storms are
ridden out, bad rows are reported by line, the dry run stores nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant import cpu
from assistant.batch import run as run_module
from assistant.batch.reader import ReadOptions
from assistant.batch.run import BatchOptions, BatchReport, run_batch
from assistant.cli import app as cli
from assistant.db.engine import create_engine, session_factory
from assistant.db.models import Classification, Draft, Review
from assistant.settings import Settings
from tests.fixtures.batch.generate import write_reviews
from tests.support.processes import children, database_modules, running

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "batch"
ROOT = Path(__file__).resolve().parents[2]


async def batch(settings: Settings, path: Path, source: str = "export", **options: object) -> BatchReport:
    options_ = BatchOptions(path=path, read=ReadOptions(source=source), **options)  # type: ignore[arg-type]
    return await run_batch(options_, settings)


async def state(settings: Settings, source: str) -> dict[str, object]:
    """Per source: statuses, reply drafts per review, attempts per review."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with session_factory(engine)() as session:
            reviews = (
                await session.execute(select(Review.id, Review.status, Review.attempts).where(Review.source == source))
            ).all()
            drafts = dict(
                (
                    await session.execute(
                        select(Draft.review_id, func.count(Draft.id))
                        .join(Review, Review.id == Draft.review_id)
                        .where(Review.source == source, Draft.kind == "reply")
                        .group_by(Draft.review_id)
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    return {
        "count": len(reviews),
        "statuses": sorted({r.status for r in reviews}),
        "drafts": [drafts.get(r.id, 0) for r in reviews],
        "attempts": [r.attempts for r in reviews],
    }


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "ASSISTANT_DATABASE_URL": settings.resolved_database_url,
        "ASSISTANT_LLM_BASE_URL": settings.llm_base_url or "",
        "ASSISTANT_LLM_MODEL": settings.llm_model,
        "ASSISTANT_LLM_TIMEOUT": "5",
        "ASSISTANT_LLM_MAX_RETRY_WAIT": "0.2",
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_QUEUE_URL": "",
    }


async def test_import_drafts_every_review_and_reimport_skips(settings, scripted_llm, tmp_path):
    path = write_reviews(tmp_path / "backlog.jsonl", 24, ids=False)  # no ids: content keys identify rows
    report = await batch(settings, path, concurrency=6)
    assert report.failures == [], report.failures
    assert (report.imported.created, len(report.imported.work)) == (24, 24)
    assert report.processed and report.processed.statuses == {"pending_approval": 24}
    assert report.processed.calls >= 24 and report.processed.tokens_in > 0
    after = await state(settings, "export")
    assert after["count"] == 24 and after["statuses"] == ["pending_approval"] and set(after["drafts"]) == {1}

    served = scripted_llm.served
    again = await batch(settings, path, concurrency=6)
    assert (again.imported.created, again.imported.existing, again.imported.finished) == (0, 24, 24)
    assert again.imported.work == [] and scripted_llm.served == served, "nothing was sent to the model again"

    write_reviews(tmp_path / "more.jsonl", 30, ids=False).replace(path)  # the same 24 rows and 6 new ones
    third = await batch(settings, path, concurrency=6)
    assert (third.imported.created, third.imported.existing) == (6, 24)
    final = await state(settings, "export")
    assert final["count"] == 30 and set(final["drafts"]) == {1}


async def test_the_text_process_changes_where_the_text_work_runs_not_what_it_decides(settings, tmp_path, monkeypatch):
    """The same reviews through a batch with the rules and the guard on the text thread and in a process of their
    own (assistant/cpu.py): the same actions, drafts and flags, and the process started and stopped with the run.
    What the run sent there never made it import the database layer (0.3 s before the first prompt, once a draft
    kind crossed as a `DraftKind`)."""
    started: list[object] = []
    real_new_process = cpu._new_process
    monkeypatch.setattr(cpu, "_new_process", lambda: started.append(1) or real_new_process())
    loaded: list[list[str]] = []
    real_stop = run_module.stop_text_process

    async def stop_after_looking(**options: bool) -> None:
        loaded.append(await cpu.run_cpu(database_modules))
        await real_stop(**options)

    monkeypatch.setattr(run_module, "stop_text_process", stop_after_looking)
    path = write_reviews(tmp_path / "both.csv", 40)
    outcomes = {}
    for source, separate in (("thread", False), ("process", True)):
        report = await batch(settings.model_copy(update={"batch_text_process": separate}), path, source=source)
        assert report.failures == [] and report.processed, report.failures
        assert report.processed.statuses == {"pending_approval": 40}
        assert len(started) == int(separate) and not cpu.in_process(), "started for its run, stopped after it"
        outcomes[source] = await drafted(settings, source)
    assert len(outcomes["process"]) == 40 and outcomes["process"] == outcomes["thread"]
    assert loaded == [[]], f"the text process imported {loaded[0][:5] if loaded else 'nothing it was asked for'}"
    assert {action for action, _text, _flags in outcomes["thread"].values()} >= {"thank", "apologize"}


async def drafted(settings: Settings, source: str) -> dict[str, tuple[str, str, list[str]]]:
    """Per external id: the classification's action, the reply draft's text and its flags."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(Review.external_id, Classification.action, Draft.text, Draft.flags)
                .join(Draft, Draft.review_id == Review.id)
                .join(Classification, Classification.review_id == Review.id)
                .where(Review.source == source, Draft.kind == "reply")
            )
            return {external_id: (action, text, sorted(flags)) for external_id, action, text, flags in rows.all()}
    finally:
        await engine.dispose()


class Timeline:
    """A stand-in progress display that keeps its events in order: "import" as each row is stored, "drafted" as
    each review is."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def phase(self, label: str, total: int) -> None:
        pass

    def grow(self, label: str, by: int = 1) -> None:
        pass

    def advance(self, label: str, *, done: int = 0, **_: int | None) -> None:
        self.events.append("drafted" if label == "process" and done else label)

    def tokens(self, count: int) -> None:
        pass


async def test_reviews_are_drafted_while_later_rows_are_still_unread(settings, scripted_llm, tmp_path, monkeypatch):
    """Rows flow into processing as they are stored. With room for 8 ids in the feed and 3 reviews in flight
    (one model slot), at most 8 + 8 claimed + 3 + 1 waiting rows can be stored before a review is drafted,
    so in a 60-row file the first draft comes while most rows are unread, whatever the timing."""
    import assistant.batch.run as run
    from assistant.processing.bulk import WorkFeed

    monkeypatch.setattr(run, "WorkFeed", lambda: WorkFeed(bound=8))
    timeline = Timeline()
    path = write_reviews(tmp_path / "backlog.csv", 60)
    report = await run_batch(
        BatchOptions(path=path, read=ReadOptions(source="export"), concurrency=1), settings, timeline
    )  # type: ignore[arg-type]
    assert report.failures == [] and report.processed and report.processed.statuses == {"pending_approval": 60}
    stored_before = timeline.events[: timeline.events.index("drafted")].count("import")
    assert stored_before <= 20, f"{stored_before} of 60 rows were stored before the first draft"
    assert timeline.events.count("import") == 60 and timeline.events.count("drafted") == 60
    after = await state(settings, "export")
    assert after["count"] == 60 and set(after["drafts"]) == {1} and after["statuses"] == ["pending_approval"]


async def test_concurrency_caps_model_requests_in_flight_and_fills_them(settings, scripted_llm, tmp_path):
    scripted_llm.latency = 0.1  # long enough for the batch to try more than its share at once
    report = await batch(settings, write_reviews(tmp_path / "backlog.csv", 30), concurrency=3)
    assert report.failures == [], report.failures
    assert scripted_llm.max_in_flight == 3, "never more than --concurrency requests, and all of them used"


async def test_in_process_batch_claims_reviews_in_groups(settings, scripted_llm, monkeypatch):
    """One statement claims up to CLAIM_GROUP reviews, however few tasks ask for them."""
    from assistant.processing.bulk import CLAIM_GROUP
    from assistant.processing.pipeline import Pipeline

    path = settings.data_dir / "backlog.csv"
    first = await batch(settings, write_reviews(path, 5))
    assert first.failures == []
    groups: list[int] = []
    claim = Pipeline.claim

    async def counted(self, review_ids):
        groups.append(len(review_ids))
        return await claim(self, review_ids)

    monkeypatch.setattr(Pipeline, "claim", counted)
    report = await batch(settings, write_reviews(path, 40), concurrency=2)  # 5 known, 35 new
    assert report.failures == [] and report.imported.created == 35
    assert sum(groups) == 35 and max(groups) == CLAIM_GROUP and len(groups) == 3, groups
    after = await state(settings, "export")
    assert after["count"] == 40 and set(after["drafts"]) == {1} and after["statuses"] == ["pending_approval"]


async def test_a_claim_takes_the_claimable_of_a_group_and_tells_the_status_of_the_rest(settings, scripted_llm):
    from assistant.playbooks import PlaybookRegistry
    from assistant.processing.pipeline import Pipeline

    await batch(settings, write_reviews(settings.data_dir / "backlog.csv", 1))
    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            drafted = (await session.execute(select(Review.id))).scalar_one()
            for n in range(3):
                session.add(
                    Review(
                        source="claims",
                        text=f"Курьер опоздал на {n} часа.",
                        rating=2,
                        content_hash=f"claim-{n}",
                        external_id=f"claim-{n}",
                    )
                )
            await session.commit()
            fresh = list((await session.execute(select(Review.id).where(Review.source == "claims"))).scalars())
        pipeline = Pipeline(sessions, None, PlaybookRegistry.from_directory(settings.playbooks_dir))  # type: ignore[arg-type]
        claimed = await pipeline.claim([*fresh, drafted, 10**9])
    finally:
        await engine.dispose()
    assert sorted(r.id for r in claimed.reviews) == sorted(fresh)
    assert {r.text for r in claimed.reviews} == {f"Курьер опоздал на {n} часа." for n in range(3)}
    assert claimed.others == {drafted: "pending_approval", 10**9: "missing"}
    after = await state(settings, "claims")
    assert after["statuses"] == ["processing"] and after["attempts"] == [1, 1, 1]


async def test_group_writer_stores_many_reviews_per_transaction_and_isolates_a_conflict(settings, scripted_llm):
    """Bulk work stores results in groups; a review someone else already drafted keeps that draft, and the
    others in its group are stored all the same."""
    from assistant.domain.reviews.schemas import ReviewIn
    from assistant.domain.reviews.service import ReviewService
    from assistant.llm import build_llm
    from assistant.playbooks import PlaybookRegistry
    from assistant.processing.pipeline import Pipeline
    from assistant.processing.results import GroupWriter

    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    playbooks = PlaybookRegistry.from_directory(settings.playbooks_dir)
    try:
        async with sessions() as session:
            service = ReviewService(session)
            ids = [
                (
                    await service.ingest(
                        ReviewIn(
                            text=f"Курьер опоздал на {n} часа, заказ помят.",
                            rating=2,
                            source="grouped",
                            external_id=f"g-{n}",
                        )
                    )
                )[0].id
                for n in range(12)
            ]
        writer = GroupWriter(sessions, interval=0.2)
        pipeline = Pipeline(sessions, build_llm(settings), playbooks, writer=writer)
        await Pipeline(sessions, build_llm(settings), playbooks).process(ids[0])  # drafted before the batch
        async with sessions() as session:  # a stale copy of that review: claimable again, as after a crash
            review = await session.get(Review, ids[0])
            review.status = "processing"
            await session.commit()
        assert (await state(settings, "grouped"))["drafts"].count(1) == 1
        statuses = await asyncio.gather(*(pipeline.process(i) for i in ids))
        await writer.close()
    finally:
        await engine.dispose()
    assert set(statuses) == {"pending_approval"}
    after = await state(settings, "grouped")
    assert after["count"] == 12 and set(after["drafts"]) == {1}, "one draft each, the earlier one kept"
    assert writer.groups < 12, f"{writer.groups} groups for 12 reviews"


async def test_rate_limited_model_all_done_none_twice(settings, scripted_llm, tmp_path):
    scripted_llm.set_rates(rate_limit=0.3)  # 30% of calls answered 429 with Retry-After
    report = await batch(settings, write_reviews(tmp_path / "backlog.csv", 20), concurrency=8, requests_per_minute=6000)
    assert report.failures == [], report.failures
    assert report.throttled > 0, "the limiter heard the 429s"
    after = await state(settings, "export")
    assert after["count"] == 20 and after["statuses"] == ["pending_approval"]
    assert set(after["drafts"]) == {1} and set(after["attempts"]) == {1}, "every review went through once"


async def test_failed_reviews_are_retried_within_the_attempt_budget(settings, scripted_llm, tmp_path):
    scripted_llm.set_rates(server_error=1.0)  # the model is down for the first run
    path = write_reviews(tmp_path / "backlog.csv", 4)
    down = await batch(settings, path, concurrency=4, max_attempts=1)
    assert len(down.failures) == 4 and all(f.review_id and "500" in f.reason for f in down.failures)
    assert [f.line for f in down.failures] == [2, 3, 4, 5]
    scripted_llm.set_rates()
    gave_up = await batch(settings, path, max_attempts=1)
    assert len(gave_up.failures) == 4 and "gave up after 1 attempts" in gave_up.failures[0].reason
    resumed = await batch(settings, path, max_attempts=2)
    assert resumed.failures == [] and resumed.imported.retried == 4
    assert (await state(settings, "export"))["statuses"] == ["pending_approval"]


def test_bad_rows_are_reported_by_line_and_the_good_ones_go_through(settings, monkeypatch, tmp_path):
    for name, value in cli_env(settings).items():
        monkeypatch.setenv(name, value)
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["batch", "import", str(FIXTURES / "messy.csv"), "--source", "shop", "--report", str(report_path)]
    )
    assert result.exit_code == 1, result.output
    for line, reason in ((5, "missing text"), (6, "seven"), (7, "undecodable"), (9, "'9'"), (13, "not-a-date")):
        assert f"line {line}: " in result.output and reason in result.output
    report = json.loads(report_path.read_text())
    assert [f["line"] for f in report["failures"]] == [5, 6, 7, 9, 13]
    assert report["imported"]["duplicates"] == 1 and report["processed"]["statuses"] == {"pending_approval": 4}
    after = asyncio.run(state(settings, "shop"))
    assert after["count"] == 4 and set(after["drafts"]) == {1}


def test_dry_run_counts_and_estimates_without_storing_or_calling(settings, scripted_llm, monkeypatch, tmp_path):
    for name, value in cli_env(settings).items():
        monkeypatch.setenv(name, value)
    path = write_reviews(tmp_path / "backlog.csv", 12)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("r-0,5,dup of line 2 by id,2024-01-01,x\n,3,,2024-01-01,y\n")
    result = CliRunner().invoke(cli, ["batch", "import", str(path), "--dry-run", "--rate-limit", "60"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "new reviews 12" in out and "duplicates in the file 1" in out and "invalid rows 1" in out
    assert "line 15: missing text" in out and "reviews to process 12" in out
    assert "gpt-4o-mini" in out and "scripted ← configured" in out and "no less than" in out
    assert scripted_llm.served == 0, "the dry run calls no model"
    assert asyncio.run(state(settings, "backlog"))["count"] == 0, "the dry run stores nothing"


def _drafted(settings: Settings, source: str) -> int:
    return sum(asyncio.run(state(settings, source))["drafts"])  # type: ignore[arg-type]


def test_killed_mid_run_then_resumed_finishes_without_duplicates(settings, scripted_llm, tmp_path):
    total = 60
    scripted_llm.latency = 0.2  # ~3 s of work at concurrency 4: time to kill it half-way
    path = write_reviews(tmp_path / "backlog.csv", total, languages=("en", "lv"))
    env = {**os.environ, **cli_env(settings), "PYTHONPATH": str(ROOT), "ASSISTANT_BATCH_TEXT_PROCESS": "true"}
    command = [sys.executable, "-m", "assistant", "batch", "import", str(path), "--concurrency", "4"]
    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while (drafted := _drafted(settings, "backlog")) < 10:
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else "exited"
            assert time.monotonic() < deadline, "the first run drafted nothing"
            time.sleep(0.1)
        helpers = children(first.pid)  # its text process (assistant/cpu.py) and multiprocessing's tracker
        assert helpers, "the run has its text process"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert drafted < total, "killed before the end"
    deadline = time.monotonic() + 10
    while left := [pid for pid in helpers if running(pid)]:
        assert time.monotonic() < deadline, f"processes of the killed run still running: {left}"
        time.sleep(0.05)
    second = subprocess.run(command, check=False, env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert second.returncode == 0, second.stderr.decode()[-3000:] + second.stdout.decode()[-3000:]
    after = asyncio.run(state(settings, "backlog"))
    assert after["count"] == total and after["statuses"] == ["pending_approval"]
    assert set(after["drafts"]) == {1}, "exactly one draft per review"


@pytest.mark.parametrize(
    "flags, error",
    [
        (["--business", "no spaces"], "--business"),
        (["--rate-limit", "fast"], "rate limit"),
        (["--format", "xml"], "unknown format"),
    ],
)
def test_bad_invocations_exit_2(settings, monkeypatch, flags, error):
    for name, value in cli_env(settings).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["batch", "import", str(FIXTURES / "messy.csv"), *flags])
    assert result.exit_code == 2 and error in " ".join(result.output.split())
