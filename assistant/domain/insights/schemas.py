"""What an insights report says: the question asked (`InsightsQuery`) and the answer (`Insights`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from assistant.errors import InvalidInput

DEFAULT_WEEKS = 12
MAX_DAYS = 731  # two years of weekly buckets is plenty for a dashboard


@dataclass(frozen=True)
class InsightsQuery:
    start: datetime  # inclusive, aware UTC
    end: datetime  # exclusive, aware UTC
    business: str | None = None
    platform: str | None = None

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def parse_instant(value: str | None, name: str) -> datetime | None:
    """ISO date or datetime from a query string; naive means UTC. Bad input is a 400, never a 500."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"'{name}' must be an ISO date or datetime, e.g. 2025-03-01", field=name) from exc
    if not datetime(1900, 1, 1, tzinfo=UTC) <= parsed < datetime(3000, 1, 1, tzinfo=UTC):  # room for ± weeks
        raise InvalidInput(f"'{name}' must be between 1900 and 2999", field=name)
    return parsed


def build_query(
    *,
    start: str | None = None,
    end: str | None = None,
    weeks: int | None = None,
    business: str | None = None,
    platform: str | None = None,
    now: datetime | None = None,
) -> InsightsQuery:
    """A period from `from`/`to` (or the last `weeks` weeks up to now), validated."""
    until = parse_instant(end, "to") or (now or datetime.now(UTC))
    since = parse_instant(start, "from") or until - timedelta(weeks=weeks or DEFAULT_WEEKS)
    if since >= until:
        raise InvalidInput("'from' must be before 'to'", field="from")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"the period may span at most {MAX_DAYS} days", field="from")
    for name, value in (("business", business), ("platform", platform)):
        if value is not None and (len(value) > 100 or "\x00" in value):
            raise InvalidInput(f"'{name}' must be at most 100 characters without NUL bytes", field=name)
    return InsightsQuery(start=since, end=until, business=(business or "").lower() or None, platform=platform or None)


class Week(msgspec.Struct):
    start: datetime
    end: datetime


class TopicStats(msgspec.Struct):
    topic: str
    weekly: list[int]  # reviews mentioning the topic, one per week, oldest first
    weekly_negative: list[int]
    total: int
    negative: int
    negative_share: float  # negative / total for this topic
    share_of_complaints: float  # this topic's negatives / all negative mentions
    previous_total: int
    previous_negative: int
    previous_share: float | None
    trend: str  # up | down | flat | new


class ActionStats(msgspec.Struct):
    action: str
    weekly: list[int]
    total: int


class Example(msgspec.Struct):
    review_id: int
    text: str
    rating: int | None
    at: datetime


class Complaint(msgspec.Struct):
    topic: str
    count: int
    examples: list[Example]


class ResponseTime(msgspec.Struct):
    answered: int  # replies approved in the period
    median_hours: float | None
    p90_hours: float | None
    sla_hours: float | None  # the playbook's, when one business is asked for
    sla_breaches: int  # approved later than the SLA
    overdue_now: int  # still waiting, already past the SLA


class Alert(msgspec.Struct):
    topic: str
    count: int  # complaints in the last 7 days
    trailing_average: float  # per week, over the weeks before
    ratio: float | None  # None when the topic had no complaints before
    message: str


class Insights(msgspec.Struct):
    start: datetime
    end: datetime
    previous_start: datetime
    business: str | None
    platform: str | None
    weeks: list[Week]
    reviews: int
    negative: int
    previous_reviews: int
    previous_negative: int
    topics: list[TopicStats]
    actions: list[ActionStats]
    top_complaints: list[Complaint]
    response_time: ResponseTime
    alerts: list[Alert]
