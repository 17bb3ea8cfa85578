"""The API contract for reviews: what clients send (strict) and what they get back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]
Url = Annotated[str, msgspec.Meta(max_length=2000)]
Business = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)  # naive counts as UTC


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: Text
    source: Source
    external_id: Short | None = None
    rating: Rating | None = None
    author: Short | None = None
    url: Url | None = None
    business: Business | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        """A date must be one we can store as UTC: "0001-01-01T00:00:00+14:00" overflows the conversion."""
        at = self.created_at
        if at is not None and not EARLIEST <= (at if at.tzinfo else at.replace(tzinfo=UTC)) < LATEST:
            raise ValueError("created_at must be between 1900-01-01 and 2999-12-31 (UTC)")


# A batch holds up to 1,000 reviews: 96 MiB fits 1,000 maximal ones as UTF-8 JSON at 4 bytes a character (every
# script, emoji included) plus their other fields. A client that \u-escapes non-Latin text (Python's json.dumps
# default) gets 413 above that: split the batch. Every other route keeps server/hardening.py's BODY_LIMIT.
BATCH_BODY_LIMIT = 96 * 1024 * 1024


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    reviews: list[Any]


class ClassificationOut(msgspec.Struct):
    action: str
    language: str
    topics: list[str]
    severity: int
    fixable: bool
    confidence: float
    reasons: list[str]
    dne_kind: str | None
    method: str
    needs_human: bool
    escalate: bool = False  # a complaint answered with care: legal, stop word, safety; needs_human is set too
    escalate_reason: str | None = None


class GuardIssueOut(msgspec.Struct):
    code: str
    detail: str


class DraftOut(msgspec.Struct):
    id: int
    review_id: int
    kind: str
    status: str
    version: int
    text: str
    flagged: bool
    flags: list[str]
    guard_issues: list[GuardIssueOut]
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime


class ReviewOut(msgspec.Struct):
    id: int
    status: str
    source: str
    external_id: str | None
    business: str
    text: str
    rating: int | None
    author: str | None
    url: str | None
    review_created_at: datetime | None
    created_at: datetime
    error: str | None
    attempts: int
    classification: ClassificationOut | None
    draft: DraftOut | None


class BatchItemResult(msgspec.Struct, omit_defaults=True):
    index: int
    status: int  # 201 created, 200 replayed, 400 invalid, 409 conflict
    id: int | None = None
    error: dict[str, Any] | None = None


class BatchOut(msgspec.Struct):
    created: int
    replayed: int
    failed: int
    results: list[BatchItemResult]
