"""HTTP endpoints for approved replies: the export, and resolving a case (which queues a follow-up)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import Parameter
from litestar.response import Stream
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Review
from assistant.domain.insights.schemas import parse_instant
from assistant.domain.keys.guards import requires
from assistant.domain.queue.service import DraftService
from assistant.domain.replies.export import ExportFilter, approved_replies, as_csv, as_jsonl
from assistant.domain.replies.followup import resolve_case
from assistant.domain.reviews.presenters import present_draft
from assistant.domain.reviews.schemas import DraftOut
from assistant.errors import InvalidInput

log = logging.getLogger(__name__)
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson; charset=utf-8"}  # text/* get "; charset=utf-8"


@dataclass
class ExportOperation(Operation):
    """The export answers CSV or JSON Lines, not JSON: say so in the OpenAPI schema."""

    def __post_init__(self) -> None:
        if self.responses and isinstance(ok := self.responses.get("200"), OpenAPIResponse):
            ok.content = {
                media.split(";")[0]: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
                for media in MEDIA.values()
            }


Filter = Annotated[str | None, Parameter(required=False, max_length=100)]


class Resolved(msgspec.Struct):
    review_id: int
    resolved_at: datetime | None
    follow_up: DraftOut


class ExportController(Controller):
    path = "/replies"
    tags = ["replies"]
    guards = [requires("agent")]

    @get("/export", summary="Approved replies as CSV or JSON Lines (streamed)", operation_class=ExportOperation)
    async def export(
        self,
        state: State,
        request: Request,
        format: Literal["csv", "jsonl"] = "csv",
        business: Filter = None,
        since: Filter = None,
        until: Filter = None,
    ) -> Stream:
        flt = ExportFilter(
            business=business or None, since=parse_instant(since, "since"), until=parse_instant(until, "until")
        )
        if flt.since and flt.until and flt.since >= flt.until:
            raise InvalidInput("'since' must be before 'until'", field="since")
        log.info(
            "export of approved replies by %s: format=%s business=%s since=%s until=%s",
            request.user.name,
            format,
            flt.business,
            flt.since,
            flt.until,
        )
        rows = approved_replies(state.sessions, flt)
        body = as_csv(rows) if format == "csv" else as_jsonl(rows)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", flt.business or "")  # a header is latin-1 and must hold no CR/LF
        filename = f"approved-replies{'-' + safe if safe else ''}.{format}"
        return Stream(
            body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )


class WrittenReply(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class Correction(msgspec.Struct, forbid_unknown_fields=True):
    action: str | None = None
    topics: Annotated[list[str], msgspec.Meta(max_length=12)] | None = None
    language: Annotated[str, msgspec.Meta(max_length=8)] | None = None


class Corrected(msgspec.Struct):
    review_id: int
    action: str
    topics: list[str]
    language: str


class ResolveController(Controller):
    path = "/reviews"
    tags = ["reviews"]
    guards = [requires("agent")]

    @post(
        "/{review_id:int}/resolve",
        status_code=201,
        summary="Mark the case resolved and queue a follow-up asking to update the rating",
    )
    async def resolve(self, review_id: int, db_session: AsyncSession, state: State, request: Request) -> Resolved:
        draft = await resolve_case(db_session, state.playbooks, state.llm, review_id, request.user.name)
        review = await db_session.get(Review, review_id)
        await db_session.refresh(review)
        return Resolved(
            review_id=review_id,
            resolved_at=review.resolved_at if review else None,
            follow_up=await present_draft(db_session, draft),
        )

    @post(
        "/{review_id:int}/reply",
        status_code=201,
        summary="Write the reply yourself for a review with no draft (e.g. the model failed)",
    )
    async def write_reply(
        self, review_id: int, data: WrittenReply, db_session: AsyncSession, state: State, request: Request
    ) -> DraftOut:
        draft = await DraftService(db_session, state.playbooks, state.llm).write_reply(
            review_id, actor=request.user.name, text=data.text
        )
        return await present_draft(db_session, draft)

    @post(
        "/{review_id:int}/classification", status_code=200, summary="Correct the action, topics or language (audited)"
    )
    async def correct(
        self, review_id: int, data: Correction, db_session: AsyncSession, state: State, request: Request
    ) -> Corrected:
        c = await DraftService(db_session, state.playbooks, state.llm).correct(
            review_id, actor=request.user.name, action=data.action, topics=data.topics, language=data.language
        )
        return Corrected(review_id=review_id, action=c.action, topics=list(c.topics), language=c.language)
