"""`assistant users …`: create the first admin (and more people) from the shell."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from assistant.errors import AssistantError
from assistant.settings import get_settings

if TYPE_CHECKING:
    from assistant.domain.users.service import UserService

T = TypeVar("T")

users_app = typer.Typer(help="People who use the web UI (agents and admins).", no_args_is_help=True)


async def _with_service(database_url: str, work: Callable[[UserService], Awaitable[T]]) -> T:
    # The database side loads here, not with the whole CLI: 4.2 s of imports (see assistant/cli.py).
    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.users.service import UserService

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await work(UserService(session))
    finally:
        await engine.dispose()


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Login email")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[str, typer.Option(help="agent or admin")] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create a user. Prompts for the password (twice) unless --password-stdin is given."""
    from assistant.db.migrate import upgrade  # 5.2 s of imports: only for this command

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = get_settings()
    upgrade(settings.resolved_database_url)

    async def work(service):
        return await service.create(email=email, name=name, password=password, role=role)

    try:
        user = asyncio.run(_with_service(settings.resolved_database_url, work))
    except AssistantError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"created {user.role} {user.email} (id {user.id})")


@users_app.command("list")
def list_users() -> None:
    """List users with their role and whether they are active."""
    settings = get_settings()

    async def work(service):
        return [(u.id, u.email, u.name, u.role, u.active) for u in await service.list()]

    for user_id, email, name, role, active in asyncio.run(_with_service(settings.resolved_database_url, work)):
        typer.echo(f"{user_id}\t{email}\t{name}\t{role}\t{'active' if active else 'inactive'}")
