"""Phrases (snippets): the page that lists and manages them, and adding one from a review page. Agents add
phrases and remove their own; admins remove any."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.snippets.service import SnippetService
from assistant.errors import AssistantError
from assistant.web.forms import local_path, read_form, text_field
from assistant.web.rendering import flash, render


class SnippetsController(Controller):
    path = "/snippets"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        snippets = await SnippetService(db_session).list()
        businesses = sorted({*state.playbooks.playbooks, *(s.business for s in snippets)})
        return render(request, "snippets.html", snippets=snippets, businesses=businesses)

    @post("/", status_code=200)
    async def add(self, request: Request, db_session: AsyncSession) -> Redirect:
        form = await read_form(request)
        back = local_path(form.get("next"), "/snippets")
        try:
            snippet = await SnippetService(db_session).add(
                business=text_field(form, "business", limit=100),
                language=text_field(form, "language", limit=8),
                key=text_field(form, "key", limit=40),
                text=text_field(form, "text", limit=2000),
                actor=request.user.actor,
            )
        except AssistantError as exc:
            flash(request, f"Phrase not saved: {exc.detail}.", "danger")
        else:
            flash(request, f"Saved the phrase '{snippet.key}' for {snippet.business} · {snippet.language}.", "success")
        return Redirect(back, status_code=303)

    @post("/{snippet_id:int}/delete", status_code=200)
    async def delete(self, snippet_id: int, request: Request, db_session: AsyncSession) -> Redirect:
        try:
            await SnippetService(db_session).delete(snippet_id, actor=request.user.actor, admin=request.user.is_admin)
        except AssistantError as exc:
            flash(request, exc.detail, "danger")
        else:
            flash(request, "Phrase removed.", "success")
        return Redirect("/snippets", status_code=303)
