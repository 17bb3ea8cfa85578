"""Timestamps read back from the database are aware UTC: `UTCDateTime` columns are, but SQLite hands back
naive values for computed ones (coalesce, aggregates), and they are UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """`value` as aware UTC (naive values from SQLite are UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
