"""Snippets: saved phrases an agent drops into a draft by key. Each belongs to one business and one language,
and a review is offered only the phrases of its own business and (corrected) language. The text is untrusted
data like a review's: pages escape it, and a draft it lands in is guarded as any edit is."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Snippet
from assistant.errors import Conflict, InvalidInput, NotFound

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,4})?")
MAX_TEXT = 2000


class SnippetService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def list(self, *, business: str | None = None, language: str | None = None) -> list[Snippet]:
        """All phrases, or those of a business and/or language (read as `add` stores them: trimmed, lower-case code)."""
        query = select(Snippet).order_by(Snippet.business, Snippet.language, Snippet.key)
        if business:
            query = query.where(Snippet.business == business.strip())
        if language:
            query = query.where(Snippet.language == language.strip().lower())
        return list((await self.session.execute(query)).scalars().all())

    async def add(self, *, business: str, language: str, key: str, text: str, actor: str) -> Snippet:
        business, language, key = business.strip(), language.strip().lower(), key.strip().lower()
        if not business or len(business) > 100 or "\x00" in business:
            raise InvalidInput("business: 1 to 100 characters", field="business")
        if not LANGUAGE.fullmatch(language):
            raise InvalidInput("language must be a code like en, ru, uk, lv", field="language")
        if not KEY.fullmatch(key):
            raise InvalidInput(
                "key: 1 to 40 lowercase letters, digits, - or _, starting with a letter or digit", field="key"
            )
        if not text.strip() or len(text) > MAX_TEXT or "\x00" in text:
            raise InvalidInput(f"the phrase must be 1 to {MAX_TEXT:,} characters, without NUL bytes", field="text")
        snippet = Snippet(business=business, language=language, key=key, text=text.strip(), created_by=actor)
        self.session.add(snippet)
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict(f"{business}/{language} already has a snippet '{key}'", field="key") from None
        await self.session.refresh(snippet)
        return snippet

    async def delete(self, snippet_id: int, *, actor: str, admin: bool) -> None:
        """An admin removes any phrase; an agent only the ones they added."""
        snippet = await self.session.get(Snippet, snippet_id)
        if snippet is None:
            raise NotFound(f"snippet {snippet_id} not found")
        if not admin and snippet.created_by != actor:
            raise Conflict(f"snippet '{snippet.key}' was added by {snippet.created_by}; ask them or an admin")
        await self.session.delete(snippet)
        await self.session.commit()
