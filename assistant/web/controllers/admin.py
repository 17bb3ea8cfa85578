"""Admin pages: people (create, deactivate, reactivate), API keys (create, revoke), playbook validation."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.keys.service import SCOPES, create_key, list_keys, revoke_key
from assistant.domain.users.service import ROLES, UserService
from assistant.errors import AssistantError, InvalidInput
from assistant.web.forms import read_form, text_field
from assistant.web.rendering import flash, render
from assistant.web.sessions import admin_only


class AdminController(Controller):
    path = "/admin"
    guards = [admin_only]
    include_in_schema = False

    @get("/")
    async def index(self) -> Redirect:
        return Redirect("/admin/users")

    # -- people ---------------------------------------------------------------------------------------
    async def _users_page(
        self,
        request: Request,
        db_session: AsyncSession,
        *,
        status_code: int = 200,
        error: str | None = None,
        values: dict[str, str] | None = None,
    ) -> Response:
        users = await UserService(db_session).list()
        return render(
            request,
            "admin/users.html",
            status_code=status_code,
            users=users,
            roles=ROLES,
            error=error,
            values=values or {"email": "", "name": "", "role": "agent"},
            section="users",
        )

    @get("/users")
    async def users(self, request: Request, db_session: AsyncSession) -> Response:
        return await self._users_page(request, db_session)

    @post("/users", status_code=200)
    async def create_user(self, request: Request, db_session: AsyncSession) -> Response:
        form = await read_form(request)
        values = {
            "email": text_field(form, "email", limit=320),
            "name": text_field(form, "name", limit=200),
            "role": text_field(form, "role", limit=16) or "agent",
        }
        try:
            user = await UserService(db_session).create(password=text_field(form, "password", limit=1024), **values)
        except AssistantError as exc:
            return await self._users_page(
                request, db_session, status_code=422 if exc.status_code == 400 else 409, error=exc.detail, values=values
            )
        flash(request, f"Created {user.role} {user.email}. Give them their password in person.", "success")
        return Redirect("/admin/users", status_code=303)

    @post("/users/{user_id:int}/deactivate", status_code=200)
    async def deactivate(self, user_id: int, request: Request, db_session: AsyncSession) -> Response:
        return await self._set_active(user_id, False, request, db_session)

    @post("/users/{user_id:int}/activate", status_code=200)
    async def activate(self, user_id: int, request: Request, db_session: AsyncSession) -> Response:
        return await self._set_active(user_id, True, request, db_session)

    async def _set_active(self, user_id: int, active: bool, request: Request, db_session: AsyncSession) -> Response:
        try:
            user = await UserService(db_session).set_active(user_id, active, acting_user_id=request.user.id)
        except InvalidInput as exc:
            flash(request, exc.detail, "danger")
        else:
            flash(
                request,
                f"{user.email} is {'active again' if active else 'deactivated; their sessions ended'}.",
                "success",
            )
        return Redirect("/admin/users", status_code=303)

    # -- API keys -------------------------------------------------------------------------------------
    async def _keys_page(
        self,
        request: Request,
        db_session: AsyncSession,
        *,
        status_code: int = 200,
        new_key: str | None = None,
        error: str | None = None,
    ) -> Response:
        return render(
            request,
            "admin/keys.html",
            status_code=status_code,
            keys=await list_keys(db_session),
            scopes=SCOPES,
            new_key=new_key,
            error=error,
            section="keys",
        )

    @get("/keys")
    async def keys(self, request: Request, db_session: AsyncSession) -> Response:
        return await self._keys_page(request, db_session)

    @post("/keys", status_code=200)
    async def create_api_key(self, request: Request, db_session: AsyncSession) -> Response:
        form = await read_form(request)
        name = text_field(form, "name", limit=200).strip()
        scopes = list(form.getall("scopes")) if "scopes" in form else []
        if not name:
            return await self._keys_page(request, db_session, status_code=422, error="Give the key a name.")
        try:
            key = await create_key(db_session, name, scopes)
        except ValueError as exc:
            return await self._keys_page(request, db_session, status_code=422, error=str(exc))
        return await self._keys_page(request, db_session, status_code=201, new_key=key)

    @post("/keys/{key_id:int}/revoke", status_code=200)
    async def revoke(self, key_id: int, request: Request, db_session: AsyncSession) -> Redirect:
        row = await revoke_key(db_session, key_id)
        flash(request, f"Revoked the key “{row.name}” ({row.prefix}…).", "success")
        return Redirect("/admin/keys", status_code=303)

    # -- playbooks --------------------------------------------------------------------------------------
    @get("/playbooks")
    async def playbooks(self, request: Request, state: State) -> Response:
        registry = state.playbooks
        return render(
            request,
            "admin/playbooks.html",
            playbooks=sorted(registry.playbooks.values(), key=lambda p: p.business),
            errors=registry.errors,
            directory=str(state.settings.playbooks_dir),
            section="playbooks",
        )
