"""The `assistant` command: serve, db, keys (more commands mount here as the product grows)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from assistant.settings import get_settings

app = typer.Typer(help="Review reply assistant: classify reviews, draft replies, queue them for approval.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
          log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info") -> None:
    """Migrate the database, then serve the API (and the pipeline) with the configured or embedded LLM."""
    import uvicorn

    from assistant.db.migrate import upgrade
    from assistant.server.app import create_app

    settings = get_settings()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade(settings.resolved_database_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from assistant.db.migrate import upgrade

    upgrade(get_settings().resolved_database_url, revision)
    typer.echo("database is up to date")


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Option(help="Who or what uses the key")] = "default",
                scope: Annotated[list[str], typer.Option(help="admin, agent or ingest; repeatable")] = ["admin"]) -> None:
    """Create an API key and print it (it is shown only once)."""
    from assistant.db.engine import create_engine, session_factory
    from assistant.db.migrate import upgrade
    from assistant.domain.keys.service import create_key

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
