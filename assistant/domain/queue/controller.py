"""HTTP endpoints of the approval queue: list drafts and decide on them."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import DraftStatus
from assistant.domain.keys.guards import requires
from assistant.domain.queue import states
from assistant.domain.queue.queries import QueueFilters, QueueQueries
from assistant.domain.queue.service import DraftService
from assistant.domain.reviews.presenters import present_draft, present_drafts
from assistant.domain.reviews.schemas import DraftOut
from assistant.playbooks import Action

DraftText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Instruction = Annotated[str, msgspec.Meta(max_length=500)]
Version = Annotated[int, msgspec.Meta(ge=1)]


class DraftEdit(msgspec.Struct, forbid_unknown_fields=True):
    text: DraftText
    version: Version


class Approve(msgspec.Struct, forbid_unknown_fields=True):
    version: Version | None = None
    confirm: Annotated[str, msgspec.Meta(max_length=2000)] | None = None  # a flagged draft's issues, comma-joined


class Reject(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    version: Version | None = None


class Regenerate(msgspec.Struct, forbid_unknown_fields=True):
    instruction: Instruction | None = None


class Handle(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class Escalate(msgspec.Struct, forbid_unknown_fields=True):
    note: Reason
    role: str = "admin"


class Reopen(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class DraftAnyway(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    text: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    version: Version | None = None


class Undo(msgspec.Struct, forbid_unknown_fields=True):
    window_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] | None = None  # None: ASSISTANT_UNDO_SECONDS


class VersionOut(msgspec.Struct):
    version: int
    text: str
    origin: str
    author: str
    instruction: str | None
    guard_ok: bool
    guard_issues: list[dict[str, str]]
    overlap: float


class DraftDetail(msgspec.Struct):
    draft: DraftOut
    versions: list[VersionOut]


class DraftPage(msgspec.Struct):
    items: list[DraftOut]
    total: int
    limit: int
    offset: int
    overdue: int | None = None  # open drafts past their business's SLA among these (pending / escalated only)


def _actor(request: Request) -> str:
    return request.user.name


def _lead(request: Request) -> bool:
    """Escalations go to team leads: an admin key."""
    return request.user.can("admin")


class DraftController(Controller):
    path = "/drafts"
    tags = ["drafts"]
    guards = [requires("agent")]

    def _service(self, session: AsyncSession, state: State) -> DraftService:
        return DraftService(session, state.playbooks, state.llm)

    @get(
        "/",
        summary="The queue, filtered and sorted like the web queue page, paginated",
        description="The filters are the web queue page's (`/queue?…`), with the same names and values, read by "
        "the same `QueueFilters`: the same query gives the same drafts in the same order. Without `status`, every "
        "state; without `sort`, newest first.",
    )
    async def list_drafts(
        self,
        request: Request,
        db_session: AsyncSession,
        state: State,
        status: Annotated[DraftStatus | None, Parameter(description="the queue tab; omitted: every state")] = None,
        search: Annotated[
            str | None, Parameter(max_length=200, description="in the review's text, author or external id")
        ] = None,
        action: Annotated[Action | None, Parameter(description="the classified action")] = None,
        language: Annotated[str | None, Parameter(max_length=8, description="the classified language")] = None,
        platform: Annotated[str | None, Parameter(max_length=100, description="the review's source")] = None,
        business: Annotated[str | None, Parameter(max_length=100)] = None,
        rating: Annotated[int | None, Parameter(ge=1, le=5)] = None,
        flagged: Annotated[Literal["yes", "no"] | None, Parameter(description="flagged by the guard or not")] = None,
        mine: Annotated[Literal["yes"] | None, Parameter(description="reviews this key's name has claimed")] = None,
        sort: Annotated[
            Literal["newest", "oldest", "priority"] | None,
            Parameter(description="priority: severity × time waited, do-not-engage last"),
        ] = None,
        order: Annotated[Literal["newest", "oldest"] | None, Parameter(description="the older name of `sort`")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
    ) -> DraftPage:
        given = dict(search=search, action=action, language=language, platform=platform, business=business)
        given.update(rating=rating, flagged=flagged, mine=mine, sort=sort or order or "newest")
        # the web page's parser and validation; the tab is the API's own (no status: every state)
        filters = replace(QueueFilters.parse({k: str(v) for k, v in given.items() if v is not None}), status=status)
        queries = QueueQueries.for_app(db_session, state, actor=_actor(request))
        drafts, total = await queries.drafts(filters, limit=limit, offset=offset)
        overdue = await queries.overdue_count(filters) if status in states.OPEN else None
        return DraftPage(
            items=await present_drafts(db_session, drafts), total=total, limit=limit, offset=offset, overdue=overdue
        )

    @get("/{draft_id:int}", summary="A draft with its version history")
    async def read(self, draft_id: int, db_session: AsyncSession, state: State) -> DraftDetail:
        service = self._service(db_session, state)
        draft = await service.get(draft_id)
        versions = [
            VersionOut(
                version=v.version,
                text=v.text,
                origin=v.origin,
                author=v.author,
                instruction=v.instruction,
                guard_ok=v.guard_ok,
                guard_issues=list(v.guard_issues),
                overlap=v.overlap,
            )
            for v in await service.versions(draft_id)
        ]
        return DraftDetail(draft=await present_draft(db_session, draft), versions=versions)

    @patch("/{draft_id:int}", summary="Edit the text (send the version you saw)")
    async def edit(
        self, draft_id: int, data: DraftEdit, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await self._service(db_session, state).edit(
            draft_id, text=data.text, version=data.version, actor=_actor(request)
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/approve", status_code=200, summary="Approve for publishing")
    async def approve(
        self, draft_id: int, db_session: AsyncSession, state: State, request: Request, data: Approve | None = None
    ) -> DraftOut:
        draft = await self._service(db_session, state).approve(
            draft_id,
            actor=_actor(request),
            version=data.version if data else None,
            lead=_lead(request),
            confirm=data.confirm if data else None,
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/reject", status_code=200, summary="Reject with a reason")
    async def reject(
        self, draft_id: int, data: Reject, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await self._service(db_session, state).reject(
            draft_id, actor=_actor(request), reason=data.reason, version=data.version, lead=_lead(request)
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/regenerate", status_code=200, summary="Write a new version, optionally with an instruction")
    async def regenerate(
        self, draft_id: int, db_session: AsyncSession, state: State, request: Request, data: Regenerate | None = None
    ) -> DraftOut:
        draft = await self._service(db_session, state).regenerate(
            draft_id, actor=_actor(request), instruction=(data.instruction or None) if data else None
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/handle", status_code=200, summary="Handled without a public reply (do-not-engage), with why")
    async def handle(
        self, draft_id: int, data: Handle, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await self._service(db_session, state).handle(
            draft_id, actor=_actor(request), reason=data.reason, lead=_lead(request)
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/escalate", status_code=200, summary="Escalate to a role (a team lead), with a note")
    async def escalate(
        self, draft_id: int, data: Escalate, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await self._service(db_session, state).escalate(
            draft_id, actor=_actor(request), role=data.role, note=data.note
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/reopen", status_code=200, summary="A rejected, handled or escalated draft back to pending")
    async def reopen(
        self, draft_id: int, db_session: AsyncSession, state: State, request: Request, data: Reopen | None = None
    ) -> DraftOut:
        draft = await self._service(db_session, state).reopen(
            draft_id, actor=_actor(request), reason=data.reason if data else None
        )
        return await present_draft(db_session, draft)

    @post("/{draft_id:int}/undo", status_code=200, summary="Take back a decision within its undo window")
    async def undo(
        self, draft_id: int, db_session: AsyncSession, state: State, request: Request, data: Undo | None = None
    ) -> DraftOut:
        draft = await self._service(db_session, state).undo(
            draft_id,
            actor=_actor(request),
            window_seconds=state.settings.undo_seconds
            if data is None or data.window_seconds is None
            else data.window_seconds,
        )
        return await present_draft(db_session, draft)

    @post(
        "/{draft_id:int}/draft-anyway",
        status_code=200,
        summary="A public reply for a do-not-engage review after all (typed reason; never clean)",
    )
    async def draft_anyway(
        self, draft_id: int, data: DraftAnyway, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await self._service(db_session, state).draft_anyway(
            draft_id, actor=_actor(request), reason=data.reason, text=data.text, version=data.version
        )
        return await present_draft(db_session, draft)
