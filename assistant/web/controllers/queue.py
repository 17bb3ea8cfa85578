"""The queue page: filters, sort, pages, and bulk approval of clean drafts."""

from __future__ import annotations

from urllib.parse import parse_qsl

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.queue import states
from assistant.domain.queue.queries import SORTS, STATUSES, QueueFilters, QueueQueries
from assistant.domain.queue.service import DraftService
from assistant.domain.saved_filters.service import SavedFilterService
from assistant.domain.users.service import UserService
from assistant.errors import AssistantError
from assistant.playbooks import Action
from assistant.web.forms import ids_field, int_field, local_path, read_form, text_field
from assistant.web.rendering import flash, is_htmx, offer_undo, render

ARRIVALS_POLL_SECONDS = 30  # how often an open queue page asks whether new reviews arrived


def queue_service(db_session: AsyncSession, state: State, actor: str | None = None) -> QueueQueries:
    return QueueQueries.for_app(db_session, state, actor)


def _back(form) -> str:
    q = text_field(form, "q", limit=2000)
    return "/queue" + ("?" + q if q and "\n" not in q else "")


class QueueController(Controller):
    path = "/"
    include_in_schema = False

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/queue")

    @get("/queue")
    async def queue(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        filters = QueueFilters.parse(request.query_params)
        service = queue_service(db_session, state, request.user.actor)
        page = await service.page(filters, state.settings.queue_page_size)
        context = dict(
            filters=filters,
            page=page,
            facets=await service.facets(),
            sorts=SORTS,
            statuses=STATUSES,
            actions=[a.value for a in Action],
            names=await UserService(db_session).names(),
            counts=await service.counts(filters),
            open_states=states.OPEN,
            saved_filters=await SavedFilterService(db_session, request.user.actor).list(),
        )
        partial = is_htmx(request) and request.headers.get("hx-target") == "queue-results"
        return render(
            request,
            "_queue_results.html" if partial else "queue.html",
            partial=partial,
            oob=False,
            poll_seconds=ARRIVALS_POLL_SECONDS,
            **context,
        )

    @get("/queue/arrivals")
    async def arrivals(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        """A banner when more reviews wait under these filters than the page shows (polled by htmx): the list
        itself does not move under the agent's cursor."""
        filters = QueueFilters.parse(request.query_params)
        seen = request.query_params.get("seen", "")
        seen_total = int(seen) if seen.isdigit() and len(seen) < 12 else 0
        total = await queue_service(db_session, state, request.user.actor).count(filters)
        return render(request, "_arrivals.html", new=max(0, total - seen_total), filters=filters)

    @post("/queue/bulk-approve", status_code=200)
    async def bulk_approve(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        """First a preview of exactly what will be sent (and what will be refused, why); sending takes a second
        press, and then the replies wait out the undo window before their webhooks fire."""
        form = await read_form(request)
        ids = ids_field(form, "ids")
        back = _back(form)
        if not ids:
            flash(request, "Select drafts first (x, or the checkboxes).", "warning")
            return Redirect(back, status_code=303)
        service = DraftService(db_session, state.playbooks, state.llm)
        if form.get("confirm") != "send":
            preview = await service.bulk_preview(ids, request.user.actor)
            return render(
                request,
                "bulk_preview.html",
                preview=preview,
                back=back,
                undo_seconds=int(state.settings.undo_seconds),
                q=text_field(form, "q", limit=2000),
                names=await UserService(db_session).names(),
            )
        seen = {draft_id: version for draft_id in ids if (version := int_field(form, f"version_{draft_id}"))}
        result = await service.bulk_approve(
            ids, request.user.actor, hold_seconds=state.settings.undo_seconds, seen=seen
        )
        if result.approved:
            flash(request, f"Approved {len(result.approved)} draft(s).", "success")
            offer_undo(
                request, result.approved, f"Approved {len(result.approved)} draft(s)", state.settings.undo_seconds
            )
        if result.refused:
            shown = "; ".join(f"#{draft_id}: {reason}" for draft_id, reason in result.refused[:8])
            more = f"; and {len(result.refused) - 8} more" if len(result.refused) > 8 else ""
            flash(request, f"Not approved ({len(result.refused)}): {shown}{more}.", "warning")
        return Redirect(back, status_code=303)

    @post("/queue/filters", status_code=200)
    async def save_filter(self, request: Request, db_session: AsyncSession) -> Redirect:
        """Save the filter on screen under a name (a name saved again is replaced); it is listed on the queue page."""
        form = await read_form(request)
        query = text_field(form, "q", limit=2000)
        try:
            filters = QueueFilters.parse(dict(parse_qsl(query)))
            saved = await SavedFilterService(db_session, request.user.actor).save(
                text_field(form, "name", limit=200), filters.query(page=1)
            )
        except AssistantError as exc:
            flash(request, f"Filter not saved: {exc.detail}.", "danger")
            return Redirect(_back(form), status_code=303)
        flash(request, f"Saved the filter “{saved.name}”.", "success")
        return Redirect("/queue" + (f"?{saved.query}" if saved.query else ""), status_code=303)

    @post("/queue/filters/{filter_id:int}/delete", status_code=200)
    async def delete_filter(self, filter_id: int, request: Request, db_session: AsyncSession) -> Redirect:
        form = await read_form(request)
        await SavedFilterService(db_session, request.user.actor).delete(filter_id)
        flash(request, "Saved filter removed.", "success")
        return Redirect(_back(form), status_code=303)

    @post("/queue/undo", status_code=200)
    async def undo(self, request: Request, db_session: AsyncSession, state: State) -> Redirect:
        """Take back the last approval / rejection / handling (one or a bulk) while its window is open."""
        form = await read_form(request)
        ids = ids_field(form, "ids")
        back = local_path(form.get("next"), "/queue")
        service = DraftService(db_session, state.playbooks, state.llm)
        undone, refused = [], []
        for draft_id in ids:
            try:
                await service.undo(draft_id, actor=request.user.actor, window_seconds=state.settings.undo_seconds)
                undone.append(draft_id)
            except AssistantError as exc:
                refused.append(f"#{draft_id}: {exc.detail}")
        if undone:
            flash(request, f"Undone: {len(undone)} draft(s) back in the queue, nothing was sent.", "success")
        if refused:
            flash(request, "Could not undo " + "; ".join(refused[:8]), "danger")
        return Redirect(back, status_code=303)
