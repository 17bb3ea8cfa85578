"""`POST /api/v1/drafts/bulk-approve`: approve several clean drafts at once, with a per-draft result."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.keys.guards import requires
from assistant.domain.queue.service import BULK_MAX, DraftService


class BulkApprove(msgspec.Struct, forbid_unknown_fields=True):
    ids: Annotated[list[Annotated[int, msgspec.Meta(ge=1)]], msgspec.Meta(min_length=1, max_length=BULK_MAX)]


class Refused(msgspec.Struct):
    id: int
    reason: str


class BulkApproveOut(msgspec.Struct):
    approved: list[int]
    refused: list[Refused]


class BulkDraftController(Controller):
    path = "/drafts"
    tags = ["drafts"]
    guards = [requires("agent")]

    @post("/bulk-approve", status_code=200, summary="Approve several drafts; flagged ones are refused")
    async def bulk_approve(
        self, data: BulkApprove, db_session: AsyncSession, state: State, request: Request
    ) -> BulkApproveOut:
        result = await DraftService(db_session, state.playbooks, state.llm).bulk_approve(data.ids, request.user.name)
        return BulkApproveOut(
            approved=result.approved, refused=[Refused(id=i, reason=reason) for i, reason in result.refused]
        )
