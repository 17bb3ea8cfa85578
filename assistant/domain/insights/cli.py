"""`assistant insights`: the owners' digest in the terminal, optionally written as Markdown for an email."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.domain.insights.digest import render_markdown, render_terminal
from assistant.domain.insights.schemas import build_query
from assistant.errors import AssistantError
from assistant.playbooks import PlaybookRegistry
from assistant.settings import get_settings


def insights_command(
    business: Annotated[str | None, typer.Option(help="One business (default: all)")] = None,
    platform: Annotated[str | None, typer.Option(help="One platform / source (default: all)")] = None,
    weeks: Annotated[int, typer.Option(min=1, max=104, help="Weeks up to now")] = 12,
    markdown: Annotated[Path | None, typer.Option(help="Also write the digest as Markdown to this file")] = None,
) -> None:
    """What customers complain about, how it changes and how fast the team answers."""
    # The database side loads here, not with the whole CLI: 3.8 s of imports (see assistant/cli.py).
    from sqlalchemy.exc import DBAPIError

    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.insights.service import InsightsService, spike_rule

    settings = get_settings()

    async def run():
        engine = create_engine(settings.resolved_database_url)
        try:
            async with session_factory(engine)() as session:
                service = InsightsService(
                    session, PlaybookRegistry.from_directory(settings.playbooks_dir), spike_rule(settings)
                )
                return await service.report(build_query(weeks=weeks, business=business, platform=platform))
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except AssistantError as exc:
        raise typer.BadParameter(exc.detail) from exc
    except DBAPIError as exc:
        typer.echo(
            f"cannot read the database ({type(exc.orig).__name__}); is it migrated? Run `assistant db upgrade`.",
            err=True,
        )
        raise typer.Exit(2) from exc
    render_terminal(report, Console())
    if markdown:
        markdown.write_text(render_markdown(report), encoding="utf-8")
        typer.echo(f"Markdown digest written to {markdown}")
