"""A batch end to end — read → import → process (here, or on the queue's workers) → report.

The CLI is a thin shell over `run_batch` (and `estimate.dry_run`); tests and the benchmark call them directly."""

from __future__ import annotations

import asyncio
import itertools
import logging
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.batch import TEXT_WARM_UP
from assistant.batch.importer import Failure, ImportResult, import_rows
from assistant.batch.prices import price_for
from assistant.batch.progress import BatchProgress
from assistant.batch.reader import Item, ReadOptions, read_rows
from assistant.cpu import send_once, start_text_process, stop_text_process, wants_text_process
from assistant.db.engine import session_factory
from assistant.processing.bulk import CountingCallLog, ProcessResult, WorkFeed, process_local, process_queued
from assistant.processing.bulk_engine import bulk_engine
from assistant.processing.saq_queue import enqueue_review, make_queue
from assistant.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    path: Path
    read: ReadOptions
    concurrency: int = 8  # model requests at once
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    max_attempts: int = 3  # pipeline passes per review, across runs
    wait: bool = True  # with a queue: wait for the workers to finish
    price: tuple[float, float] | None = None  # USD per 1M tokens for the configured model


@dataclass
class BatchReport:
    path: Path
    source: str
    model: str
    imported: ImportResult
    processed: ProcessResult | None = None
    import_seconds: float = 0.0
    process_seconds: float = 0.0
    price: tuple[float, float] | None = None
    throttled: int = 0
    queued_only: bool = False
    peak_rss_mb: float = 0.0

    @property
    def failures(self) -> list[Failure]:
        """Bad rows, conflicts and reviews that still failed, in file order."""
        found = list(self.imported.failures)
        if self.processed:
            found += [
                Failure(self.imported.lines.get(rid, 0), error.splitlines()[0][:500] if error else "failed", rid)
                for rid, error in self.processed.failed.items()
            ]
        return sorted(found, key=lambda f: f.line)

    def to_dict(self) -> dict[str, Any]:
        imported = {k: v for k, v in asdict(self.imported).items() if k not in ("work", "lines", "failures")}
        processed = None
        if self.processed:
            processed = {k: v for k, v in asdict(self.processed).items() if k != "failed"}
            processed["statuses"] = dict(self.processed.statuses)
        return {
            "file": str(self.path),
            "source": self.source,
            "model": self.model,
            "imported": imported,
            "processed": processed,
            "failures": [asdict(f) for f in self.failures],
            "import_seconds": self.import_seconds,
            "process_seconds": self.process_seconds,
            "throttled": self.throttled,
            "queued_only": self.queued_only,
            "peak_rss_mb": self.peak_rss_mb,
        }


def count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def run_batch(options: BatchOptions, settings: Settings, progress: BatchProgress | None = None) -> BatchReport:
    """Import the file (idempotent) and process what needs it at the same time: each stored row is handed over
    while the rest of the file is read, and the pipeline warms up meanwhile, so the model is busy from the first
    rows instead of after the last. Raises BatchFileError for an unreadable file."""
    engine = bulk_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    model = settings.model_name  # one name for the model, as the runtime logs it
    report = BatchReport(
        options.path, options.read.source, model, ImportResult(), price=price_for(model, options.price)
    )
    work = WorkFeed()
    try:
        started = time.perf_counter()
        if progress:
            progress.phase("import", count_lines(options.path))
            progress.phase("process", 0)

        def heard(item: Item, outcome: str) -> None:
            if progress:
                progress.advance(
                    "import",
                    to=item.line,
                    done=outcome == "stored",
                    failed=outcome == "failed",
                    skipped=outcome == "skipped",
                )
                if outcome == "stored":
                    progress.grow("process")

        def done(_review_id: int, status: str) -> None:
            if progress:
                progress.advance("process", done=status != "failed", failed=status == "failed")

        rows = read_rows(options.path, options.read)
        # The first record now: a file that cannot be read at all (format, encoding, no text column) is said so
        # at once, not after the runtime's imports (1.5 s; the import below starts only once they are done).
        first = list(itertools.islice(rows, 1))

        async def read() -> None:
            items = itertools.chain(first, rows)
            report.imported = await import_rows(items, sessions, work, max_attempts=options.max_attempts, on_item=heard)
            report.import_seconds = time.perf_counter() - started

        reading = asyncio.ensure_future(read())
        try:
            if settings.queue_url:
                report.processed = await _on_queue(options, settings, sessions, work, report, progress, done)
            else:
                report.processed, report.throttled = await _here(options, settings, sessions, work, progress, done)
        except BaseException:
            reading.cancel()  # it may be waiting for room in the feed
            raise
        finally:
            await asyncio.wait([reading])
        await reading  # the import's own error, if any (the feed was closed, so processing ended)
        report.process_seconds = report.processed.seconds if report.processed else 0.0
        report.peak_rss_mb = peak_rss_mb()
        return report
    finally:
        await engine.dispose()


async def _here(
    options: BatchOptions,
    settings: Settings,
    sessions: Any,
    work: WorkFeed,
    progress: BatchProgress | None,
    done: Any,
) -> tuple[ProcessResult, int]:
    # The text work (rules, prompts, the guard) in a process of its own when a core is to spare (assistant/cpu.py),
    # started first: it imports and loads its tables on that core while this one imports the runtime.
    text_process = wants_text_process(settings.batch_text_process)
    if text_process:
        start_text_process(warm_up=TEXT_WARM_UP)
    try:
        # Here, not at the top: the runtime (pipeline, language models, the SDK's rate limits) is 1 s of imports a
        # batch on the queue's workers never uses; its first job leaves that much sooner (python -X importtime).
        from assistant.playbooks import Playbook
        from assistant.processing.rate_limits import REVIEWS_PER_MODEL_SLOT, RateLimiter
        from assistant.runtime import build_runtime

        send_once(Playbook)  # an argument of every text call, 16 KB pickled: the text process keeps it (frozen)

        limiter = RateLimiter(options.requests_per_minute, options.tokens_per_minute, concurrency=options.concurrency)
        runtime = build_runtime(settings, "batch", sessions=sessions, limiter=limiter)
        calls = runtime.call_log
        assert isinstance(calls, CountingCallLog), "a batch runtime counts its calls"

        def finished(review_id: int, status: str) -> None:
            if progress:
                progress.tokens(calls.tokens)
            done(review_id, status)

        try:
            result = await process_local(
                work,
                runtime.pipeline,
                concurrency=REVIEWS_PER_MODEL_SLOT * options.concurrency,
                max_attempts=options.max_attempts,
                calls=calls,
                on_done=finished,
            )
        finally:
            await runtime.close()
    finally:
        if text_process:
            await stop_text_process()
    return result, limiter.throttled


async def _on_queue(
    options: BatchOptions,
    settings: Settings,
    sessions: Any,
    work: WorkFeed,
    report: BatchReport,
    progress: BatchProgress | None,
    done: Any,
) -> ProcessResult | None:
    queue = make_queue(settings.queue_url or "", settings.queue_name)
    await queue.connect()
    try:
        if options.wait and await work.has_work() and not (await queue.info()).get("workers"):
            log.warning(
                "no `assistant worker` is running on queue %r: the reviews wait there until one starts "
                "(stopping this command leaves them queued)",
                settings.queue_name,
            )
        if not options.wait:
            async for review_id in work:
                await enqueue_review(queue, review_id, timeout=settings.job_timeout)
            report.queued_only = True
            return None
        return await process_queued(
            work,
            queue,
            sessions,
            job_timeout=settings.job_timeout,
            max_attempts=options.max_attempts,
            on_done=done,
            on_tokens=lambda _c, t_in, t_out: progress and progress.tokens(t_in + t_out),
        )
    finally:
        await queue.disconnect()
