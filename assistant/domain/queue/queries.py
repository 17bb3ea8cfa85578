"""The queue's queries: filter, sort, page, count, the neighbours of a draft, facets. The web queue page and
the API's draft list (`assistant/domain/queue/controller.py`) read the queue through them, with the same
filters (`QueueFilters`).

Every query starts from `draft` on the (status, created_at) index and reaches review and classification by
primary / unique keys, so the first page of 10,000 pending drafts reads ~50 index entries plus probes
(bench/queue_page.py prints the plans and timings). The severity × age sort is the one that has to score
every row of the status; it is a top-N sort over a single index range.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftKind, DraftStatus, Event, Review, ReviewStatus
from assistant.db.timestamps import aware
from assistant.domain.queue import states
from assistant.errors import InvalidInput
from assistant.playbooks import Action, PlaybookRegistry
from assistant.text.excerpt import excerpt

SORTS = {"oldest": "Oldest first", "newest": "Newest first", "priority": "Severity × age"}
FAILED = "failed"  # not a draft state: reviews the model failed on, waiting for a person (no draft yet)
STATUSES = (*states.DRAFT_STATUSES, FAILED)
FACET_TTL = 600.0
OVERDUE_TTL = 15.0
EXCERPT = 180
# the customer's posting time when the platform gave it, else when we received the review: SLAs count from it
POSTED = func.coalesce(Review.review_created_at, Review.created_at)


@dataclass(frozen=True)
class QueueFilters:
    status: str | None = DraftStatus.pending.value  # None: every draft state (the API's list)
    action: str | None = None
    language: str | None = None
    platform: str | None = None
    rating: int | None = None
    flagged: str | None = None  # "yes" | "no"
    business: str | None = None
    search: str | None = None  # text, author, order number (external id)
    mine: str | None = None  # "yes": claimed by me
    sort: str = "oldest"
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> QueueFilters:
        """From a query string; empty fields mean "any", anything else must be valid (→ 400)."""

        def text(name: str, limit: int = 100) -> str | None:
            value = (params.get(name) or "").strip()
            if len(value) > limit or "\x00" in value:
                raise InvalidInput(f"'{name}' is too long", field=name)
            return value or None

        status, sort = text("status") or "pending", text("sort") or "oldest"
        action, flagged, rating, page = text("action"), text("flagged"), text("rating"), text("page")
        if status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
        if action and action not in {a.value for a in Action}:
            raise InvalidInput("unknown action", field="action")
        if flagged and flagged not in ("yes", "no"):
            raise InvalidInput("flagged must be yes or no", field="flagged")
        if rating and rating not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput("rating must be 1 to 5", field="rating")
        if page and (not (page.isascii() and page.isdigit() and len(page) <= 6) or not 1 <= int(page) <= 100_000):
            raise InvalidInput("page must be a positive number", field="page")
        mine = text("mine")
        if mine and mine != "yes":
            raise InvalidInput("mine must be yes", field="mine")
        return cls(
            status=status,
            action=action,
            language=text("language", 8),
            platform=text("platform"),
            rating=int(rating) if rating else None,
            flagged=flagged,
            business=text("business"),
            search=text("search", 200),
            mine=mine,
            sort=sort,
            page=int(page) if page else 1,
        )

    def query(self, **changes: Any) -> str:
        """This view as a query string (defaults left out), with `changes` applied."""
        merged = replace(self, **changes)
        defaults = QueueFilters()
        pairs = [(name, getattr(merged, name)) for name in self.__dataclass_fields__]
        return urlencode([(k, v) for k, v in pairs if v is not None and v != getattr(defaults, k)])

    @property
    def is_filtered(self) -> bool:
        return any(
            getattr(self, n) is not None
            for n in ("action", "language", "platform", "rating", "flagged", "business", "search", "mine")
        )


@dataclass
class QueueRow:
    draft_id: int
    review_id: int
    version: int
    kind: str
    status: str
    draft_excerpt: str
    flagged: bool
    flags: list[str]
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    review_excerpt: str
    rating: int | None
    platform: str
    business: str
    author: str | None
    claimed_by: str | None
    claimed_until: datetime | None
    action: str | None
    language: str | None
    topics: list[str]
    severity: int | None
    posted_at: datetime | None = None
    escalated_to: str | None = None
    decision_reason: str | None = None
    sla_hours: float = 24.0
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def age_seconds(self) -> float:
        """From the customer's posting time (when the platform gave it): that is what the customer waits."""
        end = aware(self.decided_at) if self.decided_at else self.now
        return (end - aware(self.posted_at or self.created_at)).total_seconds()

    @property
    def is_open(self) -> bool:
        return self.status in states.OPEN

    @property
    def overdue(self) -> bool:
        return self.age_seconds > self.sla_hours * 3600

    def claim_holder(self, now: datetime | None = None) -> str | None:
        until = aware(self.claimed_until)
        return self.claimed_by if self.claimed_by and until and until > (now or self.now) else None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    overdue: int


def _epoch(column: Any, dialect: str) -> ColumnElement:
    if dialect == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


class QueueQueries:
    def __init__(
        self,
        session: AsyncSession,
        playbooks: PlaybookRegistry,
        facet_cache: dict | None = None,
        actor: str | None = None,
    ):
        self.session = session
        self.actor = actor
        self.playbooks = playbooks
        self.facet_cache = facet_cache if facet_cache is not None else {}
        self.dialect = session.bind.dialect.name

    @classmethod
    def for_app(cls, session: AsyncSession, state: Any, actor: str | None = None) -> QueueQueries:
        """With the app's playbooks and its facet cache (shared by the web page and the API)."""
        return cls(session, state.playbooks, state.setdefault("queue_facets", {}), actor=actor)

    # -- building blocks ---------------------------------------------------------------------------
    def _where(self, f: QueueFilters) -> list[ColumnElement]:
        clauses: list[ColumnElement] = [Draft.status == f.status] if f.status else []
        if f.action:
            clauses.append(Classification.action == f.action)
        if f.language:
            clauses.append(Classification.language == f.language)
        if f.platform:
            clauses.append(Review.source == f.platform)
        if f.rating:
            clauses.append(Review.rating == f.rating)
        if f.business:
            clauses.append(Review.business == f.business.lower())
        if f.flagged:
            clauses.append(Draft.flagged.is_(f.flagged == "yes"))
        clauses += self._review_where(f)
        return clauses

    def _review_where(self, f: QueueFilters) -> list[ColumnElement]:
        """Search and "claimed by me": conditions on the review alone (the Failed tab uses them too)."""
        clauses: list[ColumnElement] = []
        if f.search:
            variants = {f.search, f.search.lower(), f.search.upper(), f.search.capitalize()}  # SQLite folds ASCII only
            clauses.append(
                or_(
                    *[
                        column.contains(v, autoescape=True)
                        for v in variants
                        for column in (Review.text, Review.author, Review.external_id)
                    ],
                    *[
                        func.lower(column).contains(f.search.lower(), autoescape=True)
                        for column in (Review.text, Review.author, Review.external_id)
                    ],
                )
            )
        if f.mine:
            clauses.append(and_(Review.claimed_by == (self.actor or ""), Review.claimed_until > datetime.now(UTC)))
        return clauses

    def _sort_keys(self, f: QueueFilters, now: datetime) -> list[tuple[ColumnElement, bool]]:
        """(expression, ascending) pairs, ending in the draft id so the order is total."""
        if f.sort == "newest":
            return [(Draft.created_at, False), (Draft.id, False)]
        if f.sort == "priority":  # do-not-engage last: nobody answers it, it must not bury the customers
            age = literal(now.timestamp()) - _epoch(POSTED, self.dialect)
            dne = case((Classification.action == Action.do_not_engage.value, 1), else_=0)
            return [
                (dne, True),
                (func.coalesce(Classification.severity, 1) * age, False),
                (Draft.created_at, True),
                (Draft.id, True),
            ]
        return [(Draft.created_at, True), (Draft.id, True)]

    @staticmethod
    def _joined(query: Any) -> Any:
        return (
            query.select_from(Draft)
            .join(Review, Review.id == Draft.review_id)
            .outerjoin(Classification, Classification.review_id == Draft.review_id)
        )

    def _row_query(self) -> Any:
        return self._joined(
            select(
                Draft.id,
                Draft.review_id,
                Draft.version,
                Draft.kind,
                Draft.status,
                func.substr(Draft.text, 1, 400),
                Draft.flagged,
                Draft.flags,
                Draft.created_at,
                Draft.decided_at,
                Draft.decided_by,
                func.substr(Review.text, 1, 400),
                Review.rating,
                Review.source,
                Review.business,
                Review.author,
                Review.claimed_by,
                Review.claimed_until,
                Classification.action,
                Classification.language,
                Classification.topics,
                Classification.severity,
                POSTED,
                Draft.reject_reason,
            )
        )

    def _rows(self, result: Any, now: datetime) -> list[QueueRow]:
        rows = []
        for r in result.all():
            row = QueueRow(
                draft_id=r[0],
                review_id=r[1],
                version=r[2],
                kind=r[3],
                status=r[4],
                draft_excerpt=excerpt(r[5] or "", EXCERPT),
                flagged=r[6],
                flags=list(r[7] or []),
                created_at=r[8],
                decided_at=r[9],
                decided_by=r[10],
                review_excerpt=excerpt(r[11] or "", EXCERPT),
                rating=r[12],
                platform=r[13],
                business=r[14],
                author=r[15],
                claimed_by=r[16],
                claimed_until=r[17],
                action=r[18],
                language=r[19],
                topics=list(r[20] or []),
                severity=r[21],
                posted_at=r[22],
                decision_reason=r[23],
                now=now,
            )
            row.sla_hours = self.playbooks.for_business(row.business).sla_hours
            rows.append(row)
        return rows

    # -- what the pages ask ------------------------------------------------------------------------
    async def page(self, f: QueueFilters, page_size: int) -> QueuePage:
        """A deferred join: pick the page's draft ids through the narrow index-backed query (joining only
        what the filters and the sort need), then load the wide rows (texts, topics) for those ids alone."""
        if f.status == FAILED:
            return await self.failed_page(f, page_size)
        now = datetime.now(UTC)
        total = await self.count(f)
        pages = max(1, -(-total // page_size))
        page = min(f.page, pages)
        ids = await self._ids(f, now, limit=page_size, offset=(page - 1) * page_size)
        rows: list[QueueRow] = []
        if ids:
            loaded = {
                row.draft_id: row
                for row in self._rows(await self.session.execute(self._row_query().where(Draft.id.in_(ids))), now)
            }
            rows = [loaded[i] for i in ids if i in loaded]
            await self._escalations(rows)
        overdue = await self.overdue_count(f) if f.status in states.OPEN else 0
        return QueuePage(rows=rows, total=total, page=page, pages=pages, overdue=overdue)

    async def drafts(self, f: QueueFilters, *, limit: int, offset: int) -> tuple[list[Draft], int]:
        """A slice of the filtered, sorted queue as draft rows (the API's list), and how many match."""
        ids = await self._ids(f, datetime.now(UTC), limit=limit, offset=offset)
        loaded = await self.session.execute(select(Draft).where(Draft.id.in_(ids))) if ids else None
        found = {draft.id: draft for draft in loaded.scalars().all()} if loaded else {}
        return [found[i] for i in ids if i in found], await self.count(f)

    async def _ids(self, f: QueueFilters, now: datetime, *, limit: int, offset: int) -> list[int]:
        """The draft ids of one slice through the narrow, index-backed query (joining only what the filters and
        the sort need)."""
        order = [expr.asc() if asc else expr.desc() for expr, asc in self._sort_keys(f, now)]
        query = self._narrow(select(Draft.id), f).where(*self._where(f)).order_by(*order).limit(limit).offset(offset)
        return list((await self.session.execute(query)).scalars().all())

    async def _escalations(self, rows: list[QueueRow]) -> None:
        """Who each escalated row waits for (the latest `escalated` event's role)."""
        wanted = [r.draft_id for r in rows if r.status == states.ESCALATED]
        if not wanted:
            return
        found = await self.session.execute(
            select(Event.draft_id, Event.detail)
            .where(Event.draft_id.in_(wanted), Event.action == "escalated")
            .order_by(Event.id)
        )
        to = {draft_id: (detail or {}).get("to") for draft_id, detail in found.all()}
        for row in rows:
            if row.draft_id in to:
                row.escalated_to = states.ESCALATION_ROLES.get(to[row.draft_id] or "", to[row.draft_id])

    async def failed_page(self, f: QueueFilters, page_size: int) -> QueuePage:
        """Reviews the model failed on (after the automatic retries): no draft yet, a person retries or writes."""
        now = datetime.now(UTC)
        where = [Review.status == ReviewStatus.failed, *self._review_where(f)]
        if f.platform:
            where.append(Review.source == f.platform)
        if f.rating:
            where.append(Review.rating == f.rating)
        if f.business:
            where.append(Review.business == f.business.lower())
        total = (await self.session.execute(select(func.count()).select_from(Review).where(*where))).scalar_one()
        pages = max(1, -(-total // page_size))
        page = min(f.page, pages)
        order = [Review.created_at.desc(), Review.id.desc()] if f.sort == "newest" else [Review.created_at, Review.id]
        result = await self.session.execute(
            select(
                Review.id,
                func.substr(Review.text, 1, 400),
                Review.rating,
                Review.source,
                Review.business,
                Review.author,
                Review.claimed_by,
                Review.claimed_until,
                Review.created_at,
                POSTED,
                Review.error,
                Review.attempts,
            )
            .where(*where)
            .order_by(*order)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        rows = []
        for r in result.all():
            row = QueueRow(
                draft_id=0,
                review_id=r[0],
                version=0,
                kind=DraftKind.reply,
                status=FAILED,
                draft_excerpt="",
                flagged=False,
                flags=[],
                created_at=r[8],
                decided_at=None,
                decided_by=None,
                review_excerpt=excerpt(r[1] or "", EXCERPT),
                rating=r[2],
                platform=r[3],
                business=r[4],
                author=r[5],
                claimed_by=r[6],
                claimed_until=r[7],
                action=None,
                language=None,
                topics=[],
                severity=None,
                posted_at=r[9],
                decision_reason=f"{r[10] or 'unknown error'} (after {r[11]} attempts)",
                now=now,
            )
            row.sla_hours = self.playbooks.for_business(row.business).sla_hours
            rows.append(row)
        return QueuePage(rows=rows, total=total, page=page, pages=pages, overdue=0)

    async def counts(self, f: QueueFilters) -> dict[str, int]:
        """How many in each tab, within the active filters (the tabs show them); a filtered set is cached
        briefly, as it joins over every decided draft too."""
        key = ("counts", f.query(page=1), self.actor if f.mine else None)
        cached = self.facet_cache.get(key) if f.is_filtered else None  # unfiltered counts are index-only
        if cached and cached[0] > time.monotonic():
            return cached[1]
        counts = {}
        for status in states.DRAFT_STATUSES:
            counts[status] = await self.count(replace(f, status=status))
        counts[FAILED] = (await self.failed_page(replace(f, page=1), 1)).total
        if f.is_filtered:
            self.facet_cache[key] = (time.monotonic() + OVERDUE_TTL, counts)
        return counts

    def _narrow(self, query: Any, f: QueueFilters) -> Any:
        query = query.select_from(Draft)
        if f.platform or f.rating or f.business or f.search or f.mine or f.sort == "priority":
            query = query.join(Review, Review.id == Draft.review_id)
        if f.action or f.language:
            query = query.join(Classification, Classification.review_id == Draft.review_id)
        elif f.sort == "priority":
            query = query.outerjoin(Classification, Classification.review_id == Draft.review_id)
        return query

    async def count(self, f: QueueFilters) -> int:
        """Joins only when a filter needs them: the plain pending count is an index-only range count."""
        plain = replace(f, sort="oldest")
        return (
            await self.session.execute(self._narrow(select(func.count()), plain).where(*self._where(f)))
        ).scalar_one()

    async def overdue_count(self, f: QueueFilters | None = None) -> int:
        """Open drafts past their business's SLA, counted from the customer's posting time, within the active
        filters: one joined count (each business's cutoff picked by a CASE), cached briefly per filter, as it
        is a headline figure, not something an agent acts on row by row."""
        f = replace(f or QueueFilters(), page=1, sort="oldest")
        key = ("overdue", f.query(), self.actor if f.mine else None)
        cached = self.facet_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        now = datetime.now(UTC).timestamp()
        default_sla = self.playbooks.for_business("default").sla_hours
        custom = {
            name: p.sla_hours
            for name, p in self.playbooks.playbooks.items()
            if name != "default" and p.sla_hours != default_sla
        }

        def cutoff(hours: float) -> datetime:
            return datetime.fromtimestamp(now - hours * 3600, UTC)

        limit = (
            case(
                *[(Review.business == name, literal(cutoff(hours), POSTED.type)) for name, hours in custom.items()],
                else_=literal(cutoff(default_sla), POSTED.type),
            )
            if custom
            else literal(cutoff(default_sla), POSTED.type)
        )
        query = self._joined(select(func.count())).where(*self._where(f), limit > POSTED)
        count = (await self.session.execute(query)).scalar_one()
        if len(self.facet_cache) > 500:
            self.facet_cache.clear()
        self.facet_cache[key] = (time.monotonic() + OVERDUE_TTL, count)
        return count

    async def neighbours(self, f: QueueFilters, draft_id: int) -> tuple[int | None, int | None]:
        """The review ids just before and after this draft in the filtered, sorted queue (keyset, no offset)."""
        now = datetime.now(UTC)
        keys = self._sort_keys(f, now)
        current = (
            await self.session.execute(self._joined(select(*[k for k, _ in keys])).where(Draft.id == draft_id))
        ).first()
        if current is None:
            return None, None
        found = []
        for forward in (False, True):
            after = []
            for i, (expr, asc) in enumerate(keys):
                later = expr > current[i] if asc == forward else expr < current[i]
                after.append(and_(*[k == current[j] for j, (k, _) in enumerate(keys[:i])], later))
            order = [(e.asc() if asc == forward else e.desc()) for e, asc in keys]
            query = self._joined(select(Draft.review_id)).where(*self._where(f), or_(*after)).order_by(*order).limit(1)
            found.append((await self.session.execute(query)).scalar())
        return found[0], found[1]

    async def facets(self) -> dict[str, list[str]]:
        """Values for the filter menus, cached for a few minutes. Platforms and businesses are read from the
        indexes that lead with them (uq_review_source_external_id, ix_review_business_created), so a menu may
        offer a value with nothing pending; an exact menu would cost a join over every pending draft."""
        cached = self.facet_cache.get("facets")
        if cached and cached[0] > time.monotonic():
            return cached[1]
        values = {}
        for name, column in (
            ("platform", Review.source),
            ("business", Review.business),
            ("language", Classification.language),
        ):
            rows = await self.session.execute(select(column).distinct().order_by(column).limit(200))
            values[name] = [v for v in rows.scalars().all() if v]
        values["business"] = sorted(set(values["business"]) | set(self.playbooks.playbooks))
        self.facet_cache["facets"] = (time.monotonic() + FACET_TTL, values)
        return values
