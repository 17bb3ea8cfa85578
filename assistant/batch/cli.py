"""`assistant batch import FILE`: a platform export → classified, drafted reviews in the approval queue.

Exit codes: 0 all went through, 1 something failed (each failure is listed with its line), 2 the command or
the file could not be used at all (bad flag, unreadable file)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from assistant.batch.progress import BatchProgress, human, render_summary
from assistant.settings import get_settings

# The machinery loads inside the commands, not with the whole CLI (python -X importtime over the CLI's own imports:
# batch.run +16.8 s, batch.estimate +11.9 s, processing.rate_limits +7.4 s, batch.reader +0.2 s; assistant/cli.py).

if TYPE_CHECKING:
    from assistant.batch.estimate import DryRun
    from assistant.batch.run import BatchOptions
    from assistant.settings import Settings

batch_app = typer.Typer(
    help="Import and process a backlog of reviews from a CSV or JSONL export.", no_args_is_help=True
)
BUSINESS_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Column = Annotated[
    str | None,
    typer.Option(help="Column (CSV) or key (JSONL; dotted for nested) holding it; '' to ignore it", show_default=False),
]


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    from assistant.batch.reader import parse_date

    try:
        parsed = parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    return parsed.astimezone(UTC) if parsed else None


@batch_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, TSV or JSONL")],
    source: Annotated[
        str | None,
        typer.Option(
            help="Platform name stored on each review [default: the file's name without extension]", show_default=False
        ),
    ] = None,
    business: Annotated[
        str | None, typer.Option(help="Whose playbook applies [default: default]", show_default=False)
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Count, find duplicates and estimate tokens and cost; store nothing, call no model"
        ),
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=256, help="Model requests at once (in-process; three times as many reviews are in flight)"
        ),
    ] = 8,
    rate_limit: Annotated[
        str | None,
        typer.Option(
            help="Model calls per minute, then tokens per minute: '500', '500,200k', '200000tpm'", show_default=False
        ),
    ] = None,
    min_rating: Annotated[
        int | None, typer.Option(min=1, max=5, help="Only rows rated at least this (unrated rows are left out)")
    ] = None,
    max_rating: Annotated[
        int | None, typer.Option(min=1, max=5, help="Only rows rated at most this (unrated rows are left out)")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only rows dated on or after (YYYY-MM-DD; undated rows are left out)")
    ] = None,
    text_column: Column = None,
    rating_column: Column = None,
    id_column: Column = None,
    date_column: Column = None,
    author_column: Column = None,
    url_column: Column = None,
    format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl [default: by extension]", show_default=False)
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file, e.g. cp1251")] = "utf-8",
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter [default: guessed from the header]", show_default=False)
    ] = None,
    max_attempts: Annotated[
        int, typer.Option(min=1, help="Pipeline passes per review, across runs, before a failed review is left failed")
    ] = 3,
    price: Annotated[
        str | None,
        typer.Option(
            help="USD per 1M input/output tokens for the configured model, e.g. 0.15/0.60", show_default=False
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="With a queue: wait for the workers")] = True,
    report: Annotated[
        Path | None, typer.Option(help="Write the summary and every failure as JSON here", show_default=False)
    ] = None,
) -> None:
    """Import FILE (idempotent: re-running skips what exists), then classify and draft every review that still
    needs it. Kill it at any point and run it again: it finishes the rest, nothing twice."""
    from assistant.batch.prices import parse_price
    from assistant.batch.reader import ReadOptions
    from assistant.batch.run import BatchOptions

    if business is not None and not re.match(BUSINESS_PATTERN, business):
        raise typer.BadParameter("letters, digits, '_', '.', '-'", param_hint="--business")
    if min_rating and max_rating and min_rating > max_rating:
        raise typer.BadParameter("--min-rating is above --max-rating")
    source = source or file.stem
    if not 1 <= len(source) <= 100:
        raise typer.BadParameter("1 to 100 characters", param_hint="--source")
    if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
        raise typer.BadParameter("one character (\\t for tab)", param_hint="--delimiter")
    try:
        rpm, tpm = None, None
        if rate_limit:  # its module imports the openai SDK (0.5 s), which a batch on the queue never loads
            from assistant.processing.rate_limits import parse_rate_limit

            rpm, tpm = parse_rate_limit(rate_limit)
        priced = parse_price(price) if price else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    columns = {
        name: value
        for name, value in (
            ("text", text_column),
            ("rating", rating_column),
            ("external_id", id_column),
            ("created_at", date_column),
            ("author", author_column),
            ("url", url_column),
        )
        if value is not None
    }
    read = ReadOptions(
        source=source,
        business=business,
        columns=columns,
        min_rating=min_rating,
        max_rating=max_rating,
        since=_since(since),
        encoding=encoding,
        format=format,
        delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
    )
    options = BatchOptions(
        path=file,
        read=read,
        concurrency=concurrency,
        requests_per_minute=rpm,
        tokens_per_minute=tpm,
        max_attempts=max_attempts,
        wait=wait,
        price=priced,
    )
    raise typer.Exit(_run(options, get_settings(), dry_run, report))


def _run(options: BatchOptions, settings: Settings, dry: bool, report_path: Path | None) -> int:
    from sqlalchemy.exc import DBAPIError

    from assistant.batch.reader import BatchFileError
    from assistant.batch.run import run_batch
    from assistant.db.migrate import upgrade_to_head

    console, err = Console(), Console(stderr=True)
    logging.basicConfig(level=logging.WARNING, handlers=[RichHandler(console=err, show_path=False)])
    try:
        asyncio.run(upgrade_to_head(settings.resolved_database_url))
    except (OSError, DBAPIError) as exc:  # refused, unknown host or database, bad password: say so, no traceback
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        err.print(f"[red]can't reach the database[/]: {reason}", highlight=False)
        return 1
    try:
        if dry:
            from assistant.batch.estimate import dry_run  # the estimator builds a pipeline: 0.9 s of imports

            _print_dry_run(console, asyncio.run(dry_run(options, settings)), options)
            return 0
        with BatchProgress(err) as progress:
            result = asyncio.run(run_batch(options, settings, progress))
    except BatchFileError as exc:
        err.print(f"[red]can't import {options.path}[/]: {exc}", highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted: run the same command again to finish the rest (nothing is done twice)")
        return 130
    except Exception:
        logging.getLogger("assistant.batch").exception("the batch stopped")
        err.print("[red]the batch stopped[/]: run the same command again to finish it (nothing is done twice)")
        return 1
    render_summary(console, result)
    if report_path:
        report_path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    return 1 if result.failures else 0


def _print_dry_run(console: Console, dry: DryRun, options: BatchOptions) -> None:
    surveyed, estimate, profile = dry.survey, dry.estimate, dry.profile
    counts = Table(title=f"dry run: {options.path.name} (nothing stored, no model called)", show_header=False, box=None)
    existing = f"{surveyed.existing} ({surveyed.existing_pending} not drafted yet)"
    tokens_out = f"{human(estimate.tokens_out)} expected, {human(estimate.tokens_out_ceiling)} at most"
    for label, value in (
        ("rows read", surveyed.rows),
        ("new reviews", surveyed.new),
        ("already in the database", existing),
        ("duplicates in the file", surveyed.duplicates),
        ("filtered out", surveyed.filtered),
        ("invalid rows", len(surveyed.bad)),
        ("reviews to process", estimate.reviews),
        ("LLM calls per review", f"{profile.calls:.2f} (measured on {profile.sample})"),
        ("LLM calls", estimate.calls),
        ("tokens in", human(estimate.tokens_in)),
        ("tokens out", tokens_out),
    ):
        counts.add_row(label, str(value))
    console.print(counts)
    for failure in surveyed.bad[:50]:
        console.print(f"  line {failure.line}: {failure.reason}", highlight=False, markup=False)
    costs = Table(title="cost (USD)")
    for column in ("model", "expected", "at most"):
        costs.add_column(column, justify="left" if column == "model" else "right")
    for model, price in dry.prices.items():
        expected, ceiling = estimate.cost(price)
        label = f"{model} ← configured" if model == dry.model else model
        costs.add_row(label, f"{expected:,.2f}", f"{ceiling:,.2f}")
    if dry.model not in dry.prices:
        costs.add_row(f"{dry.model} ← configured", "?", "? (--price IN/OUT)")
    console.print(costs)
    minutes = estimate.minutes_at(options.requests_per_minute, options.tokens_per_minute)
    if minutes is not None:
        console.print(f"the rate limit allows this in no less than {minutes:.1f} minutes")
