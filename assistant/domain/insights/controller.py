"""`GET /api/v1/insights`: topic trends, complaints, response time and spike alerts for a period."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.insights.schemas import Insights, build_query
from assistant.domain.insights.service import InsightsService, spike_rule
from assistant.domain.keys.guards import requires

Filter = Annotated[str | None, Parameter(required=False, max_length=100)]


async def compute_insights(
    session: AsyncSession,
    state: State,
    *,
    business: str | None = None,
    platform: str | None = None,
    start: str | None = None,
    end: str | None = None,
    weeks: int | None = None,
) -> Insights:
    """Shared by the API, the dashboard page and the CLI."""
    query = build_query(start=start, end=end, weeks=weeks, business=business, platform=platform)
    return await InsightsService(session, state.playbooks, spike_rule(state.settings)).report(query)


class InsightsController(Controller):
    path = "/insights"
    tags = ["insights"]
    guards = [requires("agent")]

    @get("/", summary="What customers complain about, how it changes, how fast the team answers")
    async def insights(
        self,
        db_session: AsyncSession,
        state: State,
        business: Filter = None,
        platform: Filter = None,
        start: Annotated[str | None, Parameter(query="from", required=False, max_length=40)] = None,
        end: Annotated[str | None, Parameter(query="to", required=False, max_length=40)] = None,
        weeks: Annotated[int | None, Parameter(required=False, ge=1, le=104)] = None,
    ) -> Insights:
        return await compute_insights(
            db_session, state, business=business, platform=platform, start=start, end=end, weeks=weeks
        )
