"""The owners' dashboard, `GET /insights`: the alert banner, complaints per topic with their weekly bars and
trend arrows, reviews per week by action, response time against the SLA, and example complaints.

Charts are server-side SVG (assistant/domain/insights/charts.py). The page sits behind the web UI's sign-in:
`insights_router(settings)` mounts it through `assistant.web.page_router`, like the queue pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.insights.charts import nice_max, stacked_bars, topic_bars
from assistant.domain.insights.controller import compute_insights
from assistant.domain.insights.digest import ARROWS, percent
from assistant.domain.insights.service import InsightsService
from assistant.errors import InvalidInput
from assistant.settings import Settings
from assistant.web import page_router
from assistant.web.rendering import render

WEEK_CHOICES = (4, 8, 12, 26, 52)
TOPIC_ROWS = 10
TREND_TEXT = {
    "up": "more negative than the period before",
    "down": "less negative than the period before",
    "flat": "about the same as the period before",
    "new": "new: no mentions in the period before",
}


def _choice(value: str | None, allowed: list[str]) -> str | None:
    value = (value or "").strip()
    return value if value in allowed else None


def _weeks(value: str | None) -> int:
    try:
        weeks = int(value or 12)
    except ValueError:
        return 12
    return weeks if weeks in WEEK_CHOICES else 12


def page_context(report: Any) -> dict[str, Any]:
    """Everything the template draws, computed here so the template stays declarative."""
    starts = [w.start for w in report.weeks]
    spiked = {a.topic for a in report.alerts}
    shown = report.topics[:TOPIC_ROWS]
    scale = nice_max(max((max(t.weekly_negative, default=0) for t in shown), default=0))
    rows = [
        {
            "topic": t,
            "chart": topic_bars(t.topic, t.weekly_negative, starts, scale=scale, spiked=t.topic in spiked),
            "arrow": ARROWS[t.trend],
            "trend_text": TREND_TEXT[t.trend],
            "share": percent(t.negative_share),
            "before": percent(t.previous_share),
            "spiked": t.topic in spiked,
            "last_week": t.weekly_negative[-1],
        }
        for t in shown
    ]
    actions = stacked_bars(starts, {a.action: a.weekly for a in report.actions})
    return {
        "rows": rows,
        "scale": scale,
        "actions_chart": actions,
        "more_topics": max(0, len(report.topics) - len(shown)),
    }


class InsightsPage(Controller):
    path = "/insights"
    include_in_schema = False

    @get("/")
    async def insights(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        service = InsightsService(db_session, state.playbooks)
        facets = await service.facets()
        params = request.query_params
        business = _choice(params.get("business"), facets["business"])
        platform = _choice(params.get("platform"), facets["platform"])
        weeks = _weeks(params.get("weeks"))
        try:
            report = await compute_insights(db_session, state, business=business, platform=platform, weeks=weeks)
        except InvalidInput as exc:  # not reachable with the choices above, but never a 500
            raise HTTPException(status_code=400, detail=exc.detail) from exc
        return render(
            request,
            "insights.html",
            report=report,
            facets=facets,
            business=business,
            platform=platform,
            weeks=weeks,
            week_choices=WEEK_CHOICES,
            **page_context(report),
        )


def insights_router(settings: Settings) -> Router:
    """The page behind the web UI's sign-in (cookie session, CSRF, HTML error pages)."""
    return page_router(settings, [InsightsPage])
