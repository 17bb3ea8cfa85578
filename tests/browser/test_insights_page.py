"""The insights dashboard in a real browser (Debian's chromium through Playwright) against the live server:
an agent signs in, sees the planted courier spike in the alert banner and in red on the courier row's bars,
filters by business and period, and hostile review text in the examples stays text. Screenshot:
test-artifacts/insights-<backend>.png."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.db.engine import create_engine, session_factory
from assistant.domain.insights.charts import SPIKE
from assistant.domain.users.service import UserService
from tests.integration.test_insights import ROWS, plant

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

from tests.browser.conftest import ARTIFACTS, CHROMIUM, submit_sign_in  # noqa: E402

EMAIL, PASSWORD = "olga@example.com", "owner password 123"
EVIL = "<img src=x onerror=\"document.title='pwned'\"> the courier threw my parcel over the fence"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _create_user(database_url: str) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                await UserService(session).create(email=EMAIL, name="Olga Owner", password=PASSWORD, role="agent")
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds an event loop on this thread
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def dashboard(live_server, settings, request) -> dict:
    rows = [(n, d, a, t, {**x, "text": EVIL}) if n == 1 else (n, d, a, t, x) for n, d, a, t, x in ROWS]
    planted = plant(settings.database_url, rows)
    _create_user(settings.database_url)
    return {"url": live_server.url, "planted": planted, "backend": request.node.callspec.params["database_url"]}


def test_the_dashboard_shows_the_planted_spike(chromium, dashboard):
    context = chromium.new_context(base_url=dashboard["url"], viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto("/insights?weeks=4")
        page.wait_for_url(re.compile(r"/login"))  # signed out: to the login page and back
        submit_sign_in(page, EMAIL, PASSWORD)
        page.wait_for_url(re.compile(r"/insights\?weeks=4"))

        banner = page.locator(".ins-alerts")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("courier complaints ×7 this week")  # all businesses: + acme's complaint
        expect(page.locator(".ins-alert")).to_have_count(1)  # packaging and price are noise, not alerts

        courier = page.locator('tr[data-topic="courier"]')
        expect(courier).to_have_class(re.compile(r"\bins-spiked\b"))
        expect(courier.locator(".ins-last")).to_have_text("7")
        bars = courier.locator("svg rect")
        expect(bars).to_have_count(4)
        assert bars.last.get_attribute("fill") == SPIKE
        assert bars.first.get_attribute("fill") != SPIKE
        assert float(bars.last.get_attribute("height")) > 5 * float(bars.first.get_attribute("height"))
        expect(courier.locator(".ins-trend")).to_have_text("↑")
        packaging = page.locator('tr[data-topic="packaging"]')
        expect(packaging).not_to_have_class(re.compile(r"\bins-spiked\b"))
        expect(packaging.locator(".ins-trend")).to_contain_text("new")
        assert page.locator(".ins-stacked rect").count() >= 8  # reviews per week by action

        quote = page.locator(".ins-complaint .ins-quote", has_text="threw my parcel")
        expect(quote).to_have_text(EVIL)  # shown as text, not run as HTML
        assert page.title() != "pwned" and page.locator(".ins-complaint img").count() == 0

        page.select_option('select[name="business"]', "default")
        page.click('.filters button[type="submit"]')
        page.wait_for_url(re.compile(r"business=default"))
        expect(page.locator(".ins-alerts")).to_contain_text("courier complaints ×6 this week")
        expect(page.locator(".ins-tile").filter(has_text="Answered late").locator(".ins-value")).to_have_text("2")
        expect(page.locator(".ins-tile").filter(has_text="Median response").locator(".ins-value")).to_have_text(
            "10h 00m"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"insights-{dashboard['backend']}.png"), full_page=True)

        page.goto("/insights?weeks=4&business=nobody-here&platform=<script>")  # unknown filters fall back
        expect(page.locator("h1")).to_have_text("Insights")
    finally:
        context.close()


def test_signed_out_visitors_go_to_the_login_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    try:
        response = page.goto("/insights")
        page.wait_for_url(re.compile(r"/login\?next=%2Finsights"))
        assert response is not None and response.ok
    finally:
        context.close()
