"""The queue page: filters, sort, pages, and bulk approval of clean drafts."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.queue.service import DraftService
from assistant.domain.users.service import UserService
from assistant.playbooks import Action
from assistant.web.forms import ids_field, read_form, text_field
from assistant.web.queue_service import SORTS, STATUSES, QueueFilters, QueueService
from assistant.web.rendering import flash, is_htmx, render


def queue_service(db_session: AsyncSession, state: State) -> QueueService:
    return QueueService(db_session, state.playbooks, state.setdefault("queue_facets", {}))


class QueueController(Controller):
    path = "/"
    include_in_schema = False

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/queue")

    @get("/queue")
    async def queue(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        filters = QueueFilters.parse(request.query_params)
        service = queue_service(db_session, state)
        page = await service.page(filters, state.settings.queue_page_size)
        context = dict(filters=filters, page=page, facets=await service.facets(), sorts=SORTS, statuses=STATUSES,
                       actions=[a.value for a in Action], names=await UserService(db_session).names())
        partial = is_htmx(request) and request.headers.get("hx-target") == "queue-results"
        return render(request, "_queue_results.html" if partial else "queue.html", **context)

    @post("/queue/bulk-approve", status_code=200)
    async def bulk_approve(self, request: Request, db_session: AsyncSession, state: State) -> Redirect:
        form = await read_form(request)
        ids = ids_field(form, "ids")
        back = "/queue" + ("?" + q if (q := text_field(form, "q", limit=2000)) and "\n" not in q else "")
        if not ids:
            flash(request, "Select drafts first (x, or the checkboxes).", "warning")
            return Redirect(back, status_code=303)
        result = await DraftService(db_session, state.playbooks, state.llm).bulk_approve(ids, request.user.actor)
        if result.approved:
            flash(request, f"Approved {len(result.approved)} draft(s).", "success")
        if result.refused:
            shown = "; ".join(f"#{draft_id}: {reason}" for draft_id, reason in result.refused[:8])
            more = f"; and {len(result.refused) - 8} more" if len(result.refused) > 8 else ""
            flash(request, f"Not approved ({len(result.refused)}): {shown}{more}.", "warning")
        return Redirect(back, status_code=303)
