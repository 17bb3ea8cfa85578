"""Tables. Alembic migrations (assistant/db/migrations) are generated from this metadata; the app never
calls `create_all`.

A review has one classification (replaced on reprocessing) and drafts; a draft is a thread of versions:
every generation, regeneration or edit appends a `DraftVersion`, and `Draft.version` is the optimistic
concurrency token agents send back. Every decision appends an `Event` (the audit trail); every model call
appends an `LLMCall`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, func
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware UTC in Python. PostgreSQL's timestamptz does this already; SQLite
    stores no offset, so values are converted to UTC on the way in and marked UTC on the way out (the API
    then always answers RFC 3339 date-times, and `+03:00` input is not stored as if it were UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, **kwargs))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class ReviewStatus(StrEnum):
    """Where a review is; once it has a reply draft, it follows the draft (`states.REVIEW_STATUS`)."""

    received = "received"  # accepted, waiting for the pipeline
    processing = "processing"
    pending_approval = "pending_approval"
    escalated = "escalated"
    approved = "approved"
    rejected = "rejected"
    handled = "handled"
    failed = "failed"


class DraftStatus(StrEnum):
    """The approval states, the one list of them (the moves are in `assistant/domain/queue/states.py`).
    The column is a plain string: a new state needs no migration."""

    pending = "pending"
    escalated = "escalated"
    approved = "approved"
    rejected = "rejected"
    handled = "handled"


class DraftKind(StrEnum):
    """What a draft answers: the review itself, or the follow-up once the case is resolved (a string column)."""

    reply = "reply"
    follow_up = "follow_up"


class Review(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_review_source_external_id"),
        UniqueConstraint("idempotency_key", name="uq_review_idempotency_key"),
        Index("ix_review_status_created", "status", "created_at"),
        Index("ix_review_business_created", "business", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    external_id: str | None = Field(default=None, max_length=300)
    idempotency_key: str | None = Field(default=None, max_length=300)
    content_hash: str = Field(max_length=64)
    business: str = Field(default="default", max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    rating: int | None = None
    author: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000)
    review_created_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    status: str = Field(default=ReviewStatus.received, max_length=32)
    error: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Classification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, unique=True)
    action: str = Field(max_length=32)
    language: str = Field(max_length=8)
    topics: list[str] = _json(list)
    severity: int = 1
    fixable: bool = False
    confidence: float = 0.0
    reasons: list[str] = _json(list)
    dne_kind: str | None = Field(default=None, max_length=32)
    method: str = Field(default="rules", max_length=32)
    needs_human: bool = False
    created_at: datetime = _ts()


class Draft(SQLModel, table=True):
    __table_args__ = (
        Index("ix_draft_status_created", "status", "created_at"),
        UniqueConstraint("review_id", "kind", name="uq_draft_review_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    kind: str = Field(default=DraftKind.reply, max_length=16)
    status: str = Field(default=DraftStatus.pending, max_length=16)
    version: int = 1  # optimistic concurrency token: the latest DraftVersion.version
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    flagged: bool = False
    flags: list[str] = _json(list)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reject_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DraftVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("draft_id", "version", name="uq_draft_version"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    origin: str = Field(max_length=16)  # llm | regenerate | edit
    author: str = Field(default="assistant", max_length=200)
    instruction: str | None = Field(default=None, sa_column=Column(Text))
    guard_ok: bool = True
    guard_issues: list[dict[str, str]] = _json(list)
    overlap: float = 0.0
    attempts: int = 0
    created_at: datetime = _ts()


class Event(SQLModel, table=True):
    """The audit trail: who did what to which review, when, and what changed."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = _ts()


class LLMCall(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    review_id: int | None = Field(default=None, index=True)
    template: str = Field(max_length=100)
    model: str = Field(max_length=200)
    prompt: list[dict[str, Any]] = _json(list)
    response: str | None = Field(default=None, sa_column=Column(Text))
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    attempts: int = 1
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _ts()


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = _json(lambda: ["admin"])
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class User(SQLModel, table=True):
    """A person working the queue: an agent, or an admin who also manages agents, keys and playbooks."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="agent", max_length=16)  # agent | admin
    active: bool = True
    created_at: datetime = _ts()
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class WebhookDelivery(SQLModel, table=True):
    """One approved reply sent to a team's endpoint: retried with backoff, failures kept visible."""

    __table_args__ = (Index("ix_webhook_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    url: str = Field(max_length=2000)
    payload: dict[str, Any] = _json(dict)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime = _ts()
    created_at: datetime = _ts()
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Snippet(SQLModel, table=True):
    """A saved phrase an agent drops into a draft by its key: per business and language, so only phrases that
    fit the review are offered. Untrusted text like any other: escaped when shown, guarded in the draft."""

    __table_args__ = (UniqueConstraint("business", "language", "key", name="uq_snippet_business_language_key"),)

    id: int | None = Field(default=None, primary_key=True)
    business: str = Field(max_length=100)
    language: str = Field(max_length=8)
    key: str = Field(max_length=40)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts()


class SavedFilter(SQLModel, table=True):
    """A queue filter an agent saved under a name, to reopen it from the queue page (per user)."""

    __table_args__ = (UniqueConstraint("owner", "name", name="uq_savedfilter_owner_name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner: str = Field(max_length=200)
    name: str = Field(max_length=80)
    query: str = Field(sa_column=Column(Text, nullable=False))  # the queue's query string, without page
    created_at: datetime = _ts()


class Translation(SQLModel, table=True):
    """A finished translation for agents, shared by every process and kept across restarts: (language, sha256
    of the text) → the model's translation. Never a reply: it is only shown, marked as a translation."""

    __table_args__ = (UniqueConstraint("language", "text_hash", name="uq_translation_language_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=8)
    text_hash: str = Field(max_length=64)
    translated: str = Field(sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=200)  # which model translated it
    created_at: datetime = _ts()


# Insights and export read reviews by when they were written and drafts by approval time (migration 0002).
# The review indexes cover every column the weekly aggregates read, so SQLite never visits the wide rows.
_OCCURRED = func.coalesce(Review.review_created_at, Review.created_at)
Index("ix_review_occurred", _OCCURRED, Review.business, Review.source, Review.review_created_at, Review.created_at)
Index(
    "ix_review_business_occurred",
    Review.business,
    _OCCURRED,
    Review.source,
    Review.review_created_at,
    Review.created_at,
)
Index("ix_draft_status_decided", Draft.status, Draft.decided_at)
