"""Insights for owners: what customers complain about, how it changes, and how fast the team answers.

Every figure is a GROUP BY in the database over the indexed `occurred_at` range (see `sql.py`); Python only
reshapes a few hundred grouped rows into weekly series. Weeks are rolling 7-day windows ending at the period
end, so the latest week is never a partial one and the spike alert compares like with like.

A review is *negative* when its classification calls for an apology, a fix or a discount; do-not-engage
reviews (spam, extortion…) are neither praise nor complaint and count only in the action series.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, text, true
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftStatus, Review, ReviewStatus
from assistant.db.timestamps import aware
from assistant.domain.insights.alerts import SpikeRule, find_spikes
from assistant.domain.insights.schemas import (
    ActionStats,
    Complaint,
    Example,
    Insights,
    InsightsQuery,
    ResponseTime,
    TopicStats,
    Week,
)
from assistant.domain.insights.sql import epoch_seconds, occurred_at, topic_items, weeks_before
from assistant.playbooks import PlaybookRegistry

NEGATIVE_ACTIONS = ("apologize", "offer_fix", "offer_discount")
TREND_POINTS = 0.05  # a negative share moving by 5 percentage points or more is a trend
TOP_COMPLAINTS = 5
EXAMPLES = 3
EXAMPLE_CHARS = 200
CURRENT, PREVIOUS, EARLIER = 0, 1, 2


class InsightsService:
    def __init__(self, session: AsyncSession, playbooks: PlaybookRegistry, rule: SpikeRule | None = None):
        self.session = session
        self.playbooks = playbooks
        self.rule = rule or SpikeRule()

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name

    def _filters(self, query: InsightsQuery) -> list[Any]:
        filters = []
        if query.business:
            filters.append(Review.business == query.business)
        if query.platform:
            filters.append(Review.source == query.platform)
        return filters

    def _period(self, query: InsightsQuery, at: Any) -> Any:
        return case((at >= query.start, CURRENT), (at >= query.start - query.length, PREVIOUS), else_=EARLIER)

    def _low(self, query: InsightsQuery) -> datetime:
        """How far back the grids reach: the previous period, and enough weeks for the trailing average."""
        return min(query.start - query.length, query.end - timedelta(weeks=self.rule.trailing_weeks + 1))

    async def report(self, query: InsightsQuery) -> Insights:
        if self.dialect == "postgresql":
            # unnesting JSON makes the planner expect 100 topics a review; JIT then spends ~200 ms compiling
            await self.session.execute(text("SET LOCAL jit = off"))
        n_weeks = max(1, math.ceil(query.length / timedelta(weeks=1)))
        weeks = [
            Week(start=max(query.start, query.end - timedelta(weeks=w + 1)), end=query.end - timedelta(weeks=w))
            for w in reversed(range(n_weeks))
        ]
        topic_rows = await self._topic_grid(query)
        action_rows = await self._action_grid(query)
        topics = self._topics(topic_rows, n_weeks)
        actions, totals = self._actions(action_rows, n_weeks)
        ranked = [t for t in topics if t.negative > 0][:TOP_COMPLAINTS]
        examples = await self._examples(query, [t.topic for t in ranked])
        return Insights(
            start=query.start,
            end=query.end,
            previous_start=query.start - query.length,
            business=query.business,
            platform=query.platform,
            weeks=weeks,
            reviews=totals[(CURRENT, "all")],
            negative=totals[(CURRENT, "negative")],
            previous_reviews=totals[(PREVIOUS, "all")],
            previous_negative=totals[(PREVIOUS, "negative")],
            topics=topics,
            actions=actions,
            top_complaints=[
                Complaint(topic=t.topic, count=t.negative, examples=examples.get(t.topic, [])) for t in ranked
            ],
            response_time=await self._response_time(query),
            alerts=self._alerts(topic_rows),
        )

    async def facets(self, limit: int = 200) -> dict[str, list[str]]:
        """Businesses (with a playbook or seen in reviews) and platforms, for the dashboard's filters."""
        seen = (await self.session.execute(select(Review.business).distinct().limit(limit))).scalars().all()
        sources = (await self.session.execute(select(Review.source).distinct().limit(limit))).scalars().all()
        return {"business": sorted(set(seen) | set(self.playbooks.playbooks)), "platform": sorted(sources)}

    # -- the grouped queries -----------------------------------------------------------------------
    async def _topic_grid(self, query: InsightsQuery) -> list[tuple[str, int, int, int, int]]:
        """(topic, weeks ago, period, mentions, negative mentions)."""
        at = occurred_at()
        item = topic_items(self.dialect)
        rows = (
            select(
                item.c.value.label("topic"),
                weeks_before(query.end.timestamp(), at).label("week"),
                self._period(query, at).label("period"),
                case((Classification.action.in_(NEGATIVE_ACTIONS), 1), else_=0).label("negative"),
            )
            .select_from(Review)
            .join(Classification, Classification.review_id == Review.id)
            .join(item, true())
            .where(at >= self._low(query), at < query.end, *self._filters(query))
            .subquery()
        )
        grouped = select(rows.c.topic, rows.c.week, rows.c.period, func.count(), func.sum(rows.c.negative)).group_by(
            rows.c.topic, rows.c.week, rows.c.period
        )
        return [tuple(r) for r in (await self.session.execute(grouped)).all()]

    async def _action_grid(self, query: InsightsQuery) -> list[tuple[str, int, int, int]]:
        """(action, weeks ago, period, reviews) for the current and previous period."""
        at = occurred_at()
        rows = (
            select(
                Classification.action.label("action"),
                weeks_before(query.end.timestamp(), at).label("week"),
                self._period(query, at).label("period"),
            )
            .select_from(Review)
            .join(Classification, Classification.review_id == Review.id)
            .where(at >= query.start - query.length, at < query.end, *self._filters(query))
            .subquery()
        )
        grouped = select(rows.c.action, rows.c.week, rows.c.period, func.count()).group_by(
            rows.c.action, rows.c.week, rows.c.period
        )
        return [tuple(r) for r in (await self.session.execute(grouped)).all()]

    async def _examples(self, query: InsightsQuery, topics: list[str]) -> dict[str, list[Example]]:
        """The latest few negative reviews per top topic, one windowed query."""
        if not topics:
            return {}
        at = occurred_at()
        item = topic_items(self.dialect)
        ranked = (
            select(
                item.c.value.label("topic"),
                Review.id.label("review_id"),
                Review.rating.label("rating"),
                at.label("at"),
                func.substr(Review.text, 1, EXAMPLE_CHARS).label("text"),
                func.row_number().over(partition_by=item.c.value, order_by=(at.desc(), Review.id.desc())).label("rank"),
            )
            .select_from(Review)
            .join(Classification, Classification.review_id == Review.id)
            .join(item, true())
            .where(
                at >= query.start,
                at < query.end,
                Classification.action.in_(NEGATIVE_ACTIONS),
                item.c.value.in_(topics),
                *self._filters(query),
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(ranked.c.topic, ranked.c.review_id, ranked.c.text, ranked.c.rating, ranked.c.at)
            .where(ranked.c.rank <= EXAMPLES)
            .order_by(ranked.c.topic, ranked.c.rank)
        )
        examples: dict[str, list[Example]] = defaultdict(list)
        for topic, review_id, snippet, rating, when in rows.all():
            short = snippet if len(snippet) < EXAMPLE_CHARS else snippet[: EXAMPLE_CHARS - 1].rstrip() + "…"
            examples[topic].append(Example(review_id=review_id, text=short, rating=rating, at=aware(when)))
        return examples

    def _sla_seconds(self, business: Any) -> Any:
        default = self.playbooks.for_business("default").sla_hours * 3600
        per_business = {
            name: p.sla_hours * 3600 for name, p in self.playbooks.playbooks.items() if p.sla_hours * 3600 != default
        }
        return case(per_business, value=business, else_=default) if per_business else default

    async def _response_time(self, query: InsightsQuery) -> ResponseTime:
        """Ingest → approval of the reply, for replies approved in the period; nearest-rank percentiles."""
        delta = epoch_seconds(Draft.decided_at) - epoch_seconds(Review.created_at)
        rows = (
            select(
                delta.label("delta"),
                self._sla_seconds(Review.business).label("sla"),
                func.row_number().over(order_by=delta).label("rank"),
                func.count().over().label("n"),
            )
            .select_from(Draft)
            .join(Review, Review.id == Draft.review_id)
            .where(
                Draft.kind == "reply",
                Draft.status == DraftStatus.approved,
                Draft.decided_at >= query.start,
                Draft.decided_at < query.end,
                *self._filters(query),
            )
            .subquery()
        )
        answered, median, p90, breaches = (
            await self.session.execute(
                select(
                    func.max(rows.c.n),
                    func.min(case((rows.c.rank >= 0.5 * rows.c.n, rows.c.delta))),
                    func.min(case((rows.c.rank >= 0.9 * rows.c.n, rows.c.delta))),
                    func.sum(case((rows.c.delta > rows.c.sla, 1), else_=0)),
                )
            )
        ).one()
        waiting = (
            select(func.count())
            .select_from(Review)
            .where(
                Review.status.in_((ReviewStatus.received, ReviewStatus.processing, ReviewStatus.pending_approval)),
                Review.created_at < query.end,
                *self._filters(query),
                epoch_seconds(Review.created_at) + self._sla_seconds(Review.business) < datetime.now(UTC).timestamp(),
            )
        )
        overdue = (await self.session.execute(waiting)).scalar_one()
        sla = self.playbooks.for_business(query.business).sla_hours if query.business else None
        hours = lambda s: round(float(s) / 3600, 2) if s is not None else None  # noqa: E731
        return ResponseTime(
            answered=answered or 0,
            median_hours=hours(median),
            p90_hours=hours(p90),
            sla_hours=sla,
            sla_breaches=int(breaches or 0),
            overdue_now=overdue,
        )

    # -- reshaping grouped rows --------------------------------------------------------------------
    @staticmethod
    def _topics(rows: list[tuple[str, int, int, int, int]], n_weeks: int) -> list[TopicStats]:
        by_topic: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"weekly": [0] * n_weeks, "weekly_negative": [0] * n_weeks, "counts": defaultdict(int)}
        )
        for topic, week, period, mentions, negative in rows:
            entry = by_topic[topic]
            entry["counts"][(period, "all")] += mentions
            entry["counts"][(period, "negative")] += negative or 0
            if period == CURRENT and 0 <= week < n_weeks:
                entry["weekly"][n_weeks - 1 - week] += mentions
                entry["weekly_negative"][n_weeks - 1 - week] += negative or 0
        all_negative = sum(e["counts"][(CURRENT, "negative")] for e in by_topic.values()) or 1
        stats = []
        for topic, entry in by_topic.items():
            counts = entry["counts"]
            total, negative = counts[(CURRENT, "all")], counts[(CURRENT, "negative")]
            previous_total, previous_negative = counts[(PREVIOUS, "all")], counts[(PREVIOUS, "negative")]
            if not total and not previous_total:
                continue  # only seen in the weeks kept for the alert's trailing average
            share = negative / total if total else 0.0
            previous_share = previous_negative / previous_total if previous_total else None
            if previous_share is None:
                trend = "new" if negative else "flat"
            else:
                change = share - previous_share
                trend = "up" if change >= TREND_POINTS else "down" if change <= -TREND_POINTS else "flat"
            stats.append(
                TopicStats(
                    topic=topic,
                    weekly=entry["weekly"],
                    weekly_negative=entry["weekly_negative"],
                    total=total,
                    negative=negative,
                    negative_share=round(share, 4),
                    share_of_complaints=round(negative / all_negative, 4),
                    previous_total=previous_total,
                    previous_negative=previous_negative,
                    previous_share=round(previous_share, 4) if previous_share is not None else None,
                    trend=trend,
                )
            )
        return sorted(stats, key=lambda s: (-s.negative, -s.total, s.topic))

    @staticmethod
    def _actions(rows: list[tuple[str, int, int, int]], n_weeks: int) -> tuple[list[ActionStats], dict]:
        weekly: dict[str, list[int]] = defaultdict(lambda: [0] * n_weeks)
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for action, week, period, count in rows:
            totals[(period, "all")] += count
            if action in NEGATIVE_ACTIONS:
                totals[(period, "negative")] += count
            if period == CURRENT and 0 <= week < n_weeks:
                weekly[action][n_weeks - 1 - week] += count
        actions = [ActionStats(action=a, weekly=w, total=sum(w)) for a, w in weekly.items()]
        return sorted(actions, key=lambda a: (-a.total, a.action)), totals

    def _alerts(self, rows: list[tuple[str, int, int, int, int]]) -> list:
        span = self.rule.trailing_weeks + 1
        negatives: dict[str, list[int]] = defaultdict(lambda: [0] * span)
        for topic, week, _period, _mentions, negative in rows:
            if 0 <= week < span:
                negatives[topic][week] += negative or 0
        return find_spikes(negatives, self.rule)


def spike_rule(settings: Any) -> SpikeRule:
    return SpikeRule(
        factor=settings.insights_spike_factor,
        min_count=settings.insights_spike_min_count,
        trailing_weeks=settings.insights_trailing_weeks,
    )
