"""What a person watches during a batch: a live bar (rows, then reviews) with done / failed / skipped counts,
tokens and ETA; a summary at the end, with every failure by its line in the file.

On a terminal the bar is live (rich); anywhere else (CI logs, a pipe) a plain line is printed every tenth of
the way, so logs stay readable."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from assistant.batch.run import BatchReport

SHOWN_FAILURES = 50


def human(count: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(count) >= size:
            return f"{count / size:.1f}{unit}"
    return f"{count:.0f}"


class BatchProgress:
    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]✓ {task.fields[done]}[/] [red]✗ {task.fields[failed]}[/] [dim]↷ {task.fields[skipped]}[/]"
            ),
            TextColumn("{task.fields[tokens]} tokens"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not self.live,
            transient=False,
        )
        self._task: TaskID | None = None
        self._fields = {"done": 0, "failed": 0, "skipped": 0, "tokens": "0"}
        self._total = 0
        self._completed = 0
        self._label = ""
        self._next_report = 0.1

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def phase(self, label: str, total: int) -> None:
        self._task = self.progress.add_task(label, total=total or 1, **self._fields)
        self._label, self._total, self._completed, self._next_report = label, total, 0, 0.1
        self._started = time.monotonic()

    def advance(self, *, to: int | None = None, done: int = 0, failed: int = 0, skipped: int = 0) -> None:
        self._fields["done"] += done
        self._fields["failed"] += failed
        self._fields["skipped"] += skipped
        self._completed = to if to is not None else self._completed + 1
        self._refresh()

    def set_counts(self, *, done: int | None = None, failed: int | None = None, skipped: int | None = None) -> None:
        for name, value in (("done", done), ("failed", failed), ("skipped", skipped)):
            if value is not None:
                self._fields[name] = value
        self._refresh()

    def tokens(self, count: int) -> None:
        self._fields["tokens"] = human(count)

    def _refresh(self) -> None:
        if self._task is None:
            return
        if self.live:
            self.progress.update(self._task, completed=self._completed, **self._fields)
        elif self._total and self._completed >= self._next_report * self._total:
            self._next_report = (self._completed / self._total // 0.1 + 1) * 0.1
            f = self._fields
            self.console.print(
                f"{self._label}: {self._completed}/{self._total}  done {f['done']}  "
                f"failed {f['failed']}  skipped {f['skipped']}  tokens {f['tokens']}  "
                f"{time.monotonic() - self._started:.0f}s",
                highlight=False,
            )


def render_summary(console: Console, report: BatchReport) -> None:
    imported, processed = report.imported, report.processed
    table = Table(title=f"batch {report.path.name} → source {report.source!r}", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("rows read", imported.rows),
        ("new reviews", imported.created),
        ("already in the database", imported.existing),
        ("duplicates in the file (skipped)", imported.duplicates),
        ("filtered out (skipped)", imported.filtered),
        ("already drafted (skipped)", imported.finished),
        ("invalid rows", len([f for f in imported.failures if f.review_id is None])),
    ]
    if processed is not None:
        drafted = processed.statuses.get("pending_approval", 0)
        rows += [
            ("processed", sum(processed.statuses.values())),
            ("drafted → pending approval", drafted),
            ("failed", len(processed.failed)),
            ("retried in this run", processed.retried),
        ]
        if processed.calls:
            reviews = max(sum(processed.statuses.values()), 1)
            rows += [
                ("LLM calls (per review)", f"{processed.calls} ({processed.calls / reviews:.2f})"),
                ("tokens in / out", f"{human(processed.tokens_in)} / {human(processed.tokens_out)}"),
            ]
            if report.price is not None:
                rate_in, rate_out = report.price
                cost = processed.tokens_in * rate_in / 1e6 + processed.tokens_out * rate_out / 1e6
                rows.append((f"cost at {report.model} prices", f"${cost:,.2f}"))
        if report.throttled:
            rows.append(("429 answers (paused everyone)", report.throttled))
    elif report.queued_only:
        rows.append(("enqueued for workers", len(imported.work)))
    rows.append(("time", f"import {report.import_seconds:.1f}s, process {report.process_seconds:.1f}s"))
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    failures = report.failures
    if failures:
        console.print(f"[red]{len(failures)} failed[/]:", highlight=False)
        for failure in failures[:SHOWN_FAILURES]:
            where = f"line {failure.line}" + (f" (review {failure.review_id})" if failure.review_id else "")
            console.print(f"  {where}: {failure.reason}", highlight=False, markup=False)
        if len(failures) > SHOWN_FAILURES:
            console.print(f"  … and {len(failures) - SHOWN_FAILURES} more (--report FILE lists them all)")
