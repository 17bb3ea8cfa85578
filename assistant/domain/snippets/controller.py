"""HTTP endpoints for snippets (saved phrases): what the /snippets page and a review page offer agents, for the
extension and scripts. A review is offered the phrases of its business and language (`?business=&language=`).
Agents add phrases and remove their own; admin keys remove any. The text is untrusted data, returned as stored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Snippet
from assistant.domain.keys.guards import requires
from assistant.domain.snippets.service import MAX_TEXT, SnippetService


class SnippetIn(msgspec.Struct, forbid_unknown_fields=True):
    business: Annotated[str, msgspec.Meta(max_length=100)]
    language: Annotated[str, msgspec.Meta(max_length=8)]
    key: Annotated[str, msgspec.Meta(max_length=40)]
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]


class SnippetOut(msgspec.Struct):
    id: int
    business: str
    language: str
    key: str
    text: str
    created_by: str
    created_at: datetime


def present(snippet: Snippet) -> SnippetOut:
    return SnippetOut(
        id=snippet.id or 0,
        business=snippet.business,
        language=snippet.language,
        key=snippet.key,
        text=snippet.text,
        created_by=snippet.created_by,
        created_at=snippet.created_at,  # aware UTC: a UTCDateTime column
    )


class SnippetController(Controller):
    path = "/snippets"
    tags = ["snippets"]
    guards = [requires("agent")]

    @get("/", summary="Saved phrases, of one business and language when asked")
    async def index(
        self,
        db_session: AsyncSession,
        business: Annotated[str | None, Parameter(max_length=100)] = None,
        language: Annotated[str | None, Parameter(max_length=8)] = None,
    ) -> list[SnippetOut]:
        return [
            present(snippet) for snippet in await SnippetService(db_session).list(business=business, language=language)
        ]

    @post("/", status_code=201, summary="Save a phrase for a business and language")
    async def add(self, data: SnippetIn, request: Request, db_session: AsyncSession) -> SnippetOut:
        snippet = await SnippetService(db_session).add(
            business=data.business, language=data.language, key=data.key, text=data.text, actor=request.user.name
        )
        return present(snippet)

    @delete("/{snippet_id:int}", status_code=204, summary="Remove a phrase (your own; an admin key: any)")
    async def remove(self, snippet_id: int, request: Request, db_session: AsyncSession) -> None:
        await SnippetService(db_session).delete(snippet_id, actor=request.user.name, admin=request.user.can("admin"))
