"""Export approved replies (and follow-ups) as CSV or JSON Lines, streamed in keyset-paged batches.

Each batch is its own short read, ordered by (approval time, draft id), so an export of a million rows holds
no long transaction and no memory. CSV cells that a spreadsheet would run as a formula (leading `=`, `+`,
`-`, `@`, tab or carriage return: review text is untrusted) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import Classification, Draft, DraftStatus, Review
from assistant.db.timestamps import aware

COLUMNS = (
    "review_id",
    "external_id",
    "source",
    "business",
    "rating",
    "review_text",
    "reply_text",
    "kind",
    "approved_by",
    "approved_at",
    "language",
    "action",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


@dataclass(frozen=True)
class ExportFilter:
    business: str | None = None
    since: datetime | None = None  # approved at or after
    until: datetime | None = None  # approved before


def csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formula injection (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


async def approved_replies(
    sessions: async_sessionmaker, flt: ExportFilter, batch: int = BATCH
) -> AsyncIterator[dict[str, Any]]:
    query = (
        select(
            Draft.id,
            Review.id,
            Review.external_id,
            Review.source,
            Review.business,
            Review.rating,
            Review.text,
            Draft.text,
            Draft.kind,
            Draft.decided_by,
            Draft.decided_at,
            Classification.language,
            Classification.action,
        )
        .join(Review, Review.id == Draft.review_id)
        .outerjoin(Classification, Classification.review_id == Review.id)
        .where(Draft.status == DraftStatus.approved)
    )
    if flt.business:
        query = query.where(Review.business == flt.business.lower())
    if flt.since:
        query = query.where(Draft.decided_at >= flt.since)
    if flt.until:
        query = query.where(Draft.decided_at < flt.until)
    after: tuple[datetime, int] | None = None
    while True:
        page = query
        if after is not None:
            page = page.where(
                Draft.decided_at >= after[0],  # sargable: the index range starts at the last row
                or_(Draft.decided_at > after[0], and_(Draft.decided_at == after[0], Draft.id > after[1])),
            )
        async with sessions() as session:
            rows = (await session.execute(page.order_by(Draft.decided_at, Draft.id).limit(batch))).all()
        for row in rows:
            (
                _,
                review_id,
                external_id,
                source,
                business,
                rating,
                review_text,
                reply_text,
                kind,
                by,
                at,
                language,
                action,
            ) = row
            yield {
                "review_id": review_id,
                "external_id": external_id,
                "source": source,
                "business": business,
                "rating": rating,
                "review_text": review_text,
                "reply_text": reply_text,
                "kind": kind,
                "approved_by": by,
                "approved_at": aware(at).isoformat() if at else None,
                "language": language,
                "action": action,
            }
        if len(rows) < batch:
            return
        after = (rows[-1][10], rows[-1][0])


async def as_csv(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM, so spreadsheets open Cyrillic and Latvian text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff".encode() + _drain(buffer)
    count = 0
    async for row in rows:
        writer.writerow([csv_safe(row[c]) for c in COLUMNS])
        count += 1
        if count % 100 == 0:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


async def as_jsonl(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    lines: list[str] = []
    async for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False))
        if len(lines) >= 100:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data
