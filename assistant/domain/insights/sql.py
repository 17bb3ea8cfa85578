"""The few SQL expressions SQLite and PostgreSQL spell differently, so the insights queries are written once.

`epoch_seconds(ts)` is a timestamp as seconds since 1970 (SQLite stores UTC text, `julianday` reads it;
PostgreSQL has `EXTRACT(EPOCH …)`), `floor_int(x)` rounds down to an integer, and `topic_items()` unnests a
classification's JSON list of topics into rows (`json_each` / `json_array_elements_text`). With these, week
buckets are plain integer arithmetic inside GROUP BY, and nothing is aggregated in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from assistant.db.models import Classification, Review

WEEK_SECONDS = 7 * 24 * 3600


class epoch_seconds(FunctionElement):
    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


class floor_int(FunctionElement):
    type = Integer()
    inherit_cache = True
    name = "floor_int"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds)
def _epoch_default(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


@compiles(floor_int, "sqlite")
def _floor_sqlite(element: floor_int, compiler: Any, **kw: Any) -> str:
    # CAST truncates toward zero; every value we floor is >= 0 (rows are filtered to before the period end)
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(floor_int)
def _floor_default(element: floor_int, compiler: Any, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


def occurred_at() -> Any:
    """When the customer wrote the review (platform date) or, failing that, when we received it.

    An imported backlog keeps its real dates, so trends are not one spike in the import week. The same
    expression is indexed (migration 0002), so range filters on it use the index."""
    return func.coalesce(Review.review_created_at, Review.created_at)


def weeks_before(end_epoch: float, timestamp: Any) -> Any:
    """0 for the 7 days ending at `end_epoch`, 1 for the 7 days before, … (rolling weeks: no partial week)."""
    return floor_int((end_epoch - epoch_seconds(timestamp)) / WEEK_SECONDS)


def topic_items(dialect: str) -> Any:
    """The rows of `classification.topics`, one per topic, as a table with a `value` column."""
    if dialect == "postgresql":
        return (
            func.json_array_elements_text(Classification.topics).table_valued("value").render_derived(name="topic_item")
        )
    return func.json_each(Classification.topics).table_valued("value").alias("topic_item")
