"""The `assistant` CLI: serve, worker, batch, eval, insights, db, keys, users, playbooks (the program that runs it
is assistant/__main__.py).

Commands import their machinery (database, server, workers) inside the command, here and in the sub-commands'
`cli.py` modules: `python -X importtime -c "import assistant.cli"` measures 0.6 s for the CLI itself,
while assistant.db.engine alone adds 2.8 s, assistant.db.migrate 5.2 s, assistant.server.app 6.5 s and
assistant.processing.saq_jobs 7.0 s (all at the top: `assistant --help` took 15.7 s instead of 3.4 s).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from assistant.batch.cli import batch_app
from assistant.domain.insights.cli import insights_command
from assistant.domain.users.cli import users_app
from assistant.evaluation.cli import app as eval_app
from assistant.playbooks import PlaybookError, PlaybookRegistry
from assistant.settings import get_settings

app = typer.Typer(
    help="Review reply assistant: classify reviews, draft replies, queue them for approval.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(batch_app, name="batch")
app.command("insights")(insights_command)
app.add_typer(users_app, name="users")
app.add_typer(eval_app, name="eval")
playbooks_app = typer.Typer(help="Business playbooks.", no_args_is_help=True)
app.add_typer(playbooks_app, name="playbooks")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies whose X-Forwarded-For is believed (comma-separated, or *) [default: "
            "ASSISTANT_FORWARDED_ALLOW_IPS, else none]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Migrate the database, then serve the API (and the pipeline) with the configured or embedded LLM."""
    import uvicorn

    from assistant.db.migrate import upgrade
    from assistant.server.app import create_app
    from assistant.server.run import uvicorn_config

    settings = get_settings()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade(settings.resolved_database_url)
    trusted = settings.forwarded_allow_ips if forwarded_allow_ips is None else forwarded_allow_ips
    uvicorn.Server(
        uvicorn_config(create_app(settings), host=host, port=port, log_level=log_level, forwarded_allow_ips=trusted)
    ).run()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from assistant.db.migrate import upgrade

    upgrade(get_settings().resolved_database_url, revision)
    typer.echo("database is up to date")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key")] = "default",
    scope: Annotated[list[str] | None, typer.Option(help="admin, agent or ingest; repeatable")] = None,
) -> None:
    """Create an API key and print it (it is shown only once)."""
    from assistant.db.engine import create_engine, session_factory
    from assistant.db.migrate import upgrade
    from assistant.domain.keys.service import create_key

    if scope is None:
        scope = ["admin"]
    settings = get_settings()
    upgrade(settings.resolved_database_url)

    async def run() -> str:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with session_factory(engine)() as session:
                return await create_key(session, name, scope)
        finally:
            await engine.dispose()

    try:
        typer.echo(asyncio.run(run()))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@playbooks_app.command("check")
def playbooks_check(
    directory: Annotated[str | None, typer.Argument(help="Default: ASSISTANT_PLAYBOOKS_DIR")] = None,
) -> None:
    """Validate every playbook; print each problem with its file and field. Exit 1 if any is broken."""
    folder = Path(directory) if directory else get_settings().playbooks_dir
    try:
        registry = PlaybookRegistry.from_directory(folder)
    except PlaybookError as exc:
        registry = None
        typer.echo(f"✗ {exc}", err=True)
    for business in sorted(registry.playbooks if registry else []):
        typer.echo(f"✓ {business}")
    errors = registry.errors if registry else [None]
    for error in filter(None, errors):
        typer.echo(f"✗ {error.path.name}", err=True)
        for problem in error.problems:
            typer.echo(f"    {problem}", err=True)
    raise typer.Exit(1 if errors else 0)


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Model requests at once; three times as many review jobs run [default: ASSISTANT_WORKER_CONCURRENCY]",
            show_default=False,
        ),
    ] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Stop once the queue is empty")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Process review jobs from ASSISTANT_QUEUE_URL (SAQ on Redis or PostgreSQL) until SIGINT/SIGTERM."""
    from assistant.db.migrate import upgrade
    from assistant.processing.saq_jobs import run_worker

    settings = get_settings()
    if not settings.queue_url:
        raise typer.BadParameter("set ASSISTANT_QUEUE_URL (redis://… or postgresql://…) to run workers")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade(settings.resolved_database_url)
    asyncio.run(run_worker(settings, concurrency=concurrency, burst=burst))
