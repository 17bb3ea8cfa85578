"""Timestamps read back from the database are aware UTC: `UTCDateTime` columns are, but SQLite hands back
naive values for computed ones (coalesce, aggregates), and they are UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(value: datetime | None) -> datetime | None:
    """`value` as aware UTC (naive values from SQLite are UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
