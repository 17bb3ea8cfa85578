"""Saved queue filters: an agent names the filter they are looking at and reopens it later. Per user; the
stored value is the queue's own query string, so reopening is just following a link."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import SavedFilter
from assistant.errors import Conflict, InvalidInput

MAX_PER_USER = 30


class SavedFilterService:
    def __init__(self, session: AsyncSession, owner: str):
        self.session = session
        self.owner = owner

    async def list(self) -> list[SavedFilter]:
        rows = await self.session.execute(
            select(SavedFilter).where(SavedFilter.owner == self.owner).order_by(SavedFilter.name)
        )
        return list(rows.scalars().all())

    async def save(self, name: str, query: str) -> SavedFilter:
        """`query` is a validated queue query string (`QueueFilters.query`); saving a name again replaces it."""
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise InvalidInput("name the filter (1 to 80 characters)", field="name")
        if len(query) > 2000 or "\x00" in query:
            raise InvalidInput("that filter is too long to save", field="query")
        existing = await self.list()
        same = next((f for f in existing if f.name == name), None)
        if same is None and len(existing) >= MAX_PER_USER:
            raise InvalidInput(f"at most {MAX_PER_USER} saved filters; delete one first", field="name")
        if same is not None:
            same.query = query
            saved = same
        else:
            saved = SavedFilter(owner=self.owner, name=name, query=query)
            self.session.add(saved)
        try:
            await self.session.commit()
        except IntegrityError:  # the same name saved at the same moment in another tab
            await self.session.rollback()
            raise Conflict(f"a filter named '{name}' was just saved; reload the queue", field="name") from None
        await self.session.refresh(saved)
        return saved

    async def delete(self, filter_id: int) -> None:
        await self.session.execute(
            delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.owner == self.owner)
        )
        await self.session.commit()
