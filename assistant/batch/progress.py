"""What a person watches during a batch: a live bar (rows, then reviews) with done / failed / skipped counts,
tokens and ETA; a summary at the end, with every failure by its line in the file.

On a terminal the bar is live (rich); anywhere else (CI logs, a pipe) a plain line is printed every tenth of
the way, so logs stay readable."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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


@dataclass
class _Bar:
    task: TaskID
    label: str
    total: int
    completed: int = 0
    fields: dict[str, int | str] = field(default_factory=lambda: {"done": 0, "failed": 0, "skipped": 0, "tokens": "0"})
    next_report: float = 0.1
    started: float = field(default_factory=time.monotonic)


class BatchProgress:
    """One bar per phase, all live at once: the import's (rows) and processing's (reviews), which grows as rows
    are stored, since processing starts with the first of them."""

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
        self._bars: dict[str, _Bar] = {}

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def phase(self, label: str, total: int) -> None:
        bar = _Bar(
            self.progress.add_task(label, total=total or None, done=0, failed=0, skipped=0, tokens="0"), label, total
        )
        self._bars[label] = bar

    def grow(self, label: str, by: int = 1) -> None:
        """More to do in `label`: the processing bar's total follows the rows stored so far."""
        bar = self._bars[label]
        bar.total += by
        if self.live:
            self.progress.update(bar.task, total=bar.total)

    def advance(self, label: str, *, to: int | None = None, done: int = 0, failed: int = 0, skipped: int = 0) -> None:
        bar = self._bars[label]
        for name, count in (("done", done), ("failed", failed), ("skipped", skipped)):
            bar.fields[name] = int(bar.fields[name]) + count
        bar.completed = to if to is not None else bar.completed + 1
        self._refresh(bar)

    def tokens(self, count: int) -> None:
        self._bars["process"].fields["tokens"] = human(count)

    def _refresh(self, bar: _Bar) -> None:
        if self.live:
            self.progress.update(bar.task, completed=bar.completed, **bar.fields)
        elif bar.total and bar.completed >= bar.next_report * bar.total:
            bar.next_report = (bar.completed / bar.total // 0.1 + 1) * 0.1
            f = bar.fields
            self.console.print(
                f"{bar.label}: {bar.completed}/{bar.total}  done {f['done']}  "
                f"failed {f['failed']}  skipped {f['skipped']}  tokens {f['tokens']}  "
                f"{time.monotonic() - bar.started:.0f}s",
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
