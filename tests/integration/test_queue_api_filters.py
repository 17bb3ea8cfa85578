"""The API's draft list reads the queue through the web queue page's filters (`QueueFilters`): each filter
selects exactly the drafts it names, bad values are 400 problem details, the filters are in the OpenAPI
schema, and the API and the web page list the same drafts, in the same order, for the same query."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from assistant.domain.queue.service import DraftService
from assistant.playbooks import PlaybookRegistry
from assistant.server.app import create_app
from tests.conftest import AUTH, confirming, wait_for_status
from tests.integration.test_security import _db, _sign_in, _user

LATE = (datetime.now(UTC) - timedelta(days=3)).isoformat()  # posted long before any SLA runs out
REVIEWS = [
    {"text": "The blender arrived with a cracked jug. Please send a new one.", "source": "shop", "rating": 2},
    {"text": "Отличный магазин, быстрая доставка, всё понравилось! Спасибо.", "source": "maps", "rating": 5},
    {
        "text": "Kurjers kavējās divas stundas, paka bija saplēsta.",
        "source": "maps",
        "rating": 1,
        "business": "kurjers-lv",
        "created_at": LATE,
    },
    {"text": "Great service, friendly staff, thank you!", "source": "shop", "rating": 5, "author": "Bo Smith"},
    {"text": "Кур'єр запізнився на дві години, замовлення приїхало холодне.", "source": "web", "rating": 1},
]


async def _queue(client: AsyncTestClient) -> list[dict]:
    """Every review through the pipeline; one row per draft with what the filters look at, oldest first."""
    rows = []
    for i, review in enumerate(REVIEWS):
        created = (await client.post("/api/v1/reviews", json={**review, "external_id": f"ord-{i}"})).json()
        body = await wait_for_status(client, created["id"], "pending_approval", "failed")
        assert body["status"] == "pending_approval", body["error"]
        rows.append(body)
    return sorted(rows, key=lambda r: (r["draft"]["created_at"], r["draft"]["id"]))


async def _api_ids(client: AsyncTestClient, **params) -> list[int]:
    response = await client.get("/api/v1/drafts", params=params)
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["items"]]


async def _page_ids(client: AsyncTestClient, **params) -> list[int]:
    response = await client.get("/queue", params=params)
    assert response.status_code == 200, response.text
    return [int(i) for i in re.findall(r'data-draft-id="(\d+)"', response.text)]


def _expected(rows: list[dict], name: str, value: str) -> list[int]:
    matches = {
        "action": lambda r: r["classification"]["action"] == value,
        "language": lambda r: r["classification"]["language"] == value,
        "platform": lambda r: r["source"] == value,
        "business": lambda r: r["business"] == value,
        "rating": lambda r: str(r["rating"]) == value,
        "flagged": lambda r: r["draft"]["flagged"] == (value == "yes"),
        "search": lambda r: any(value.lower() in (r[k] or "").lower() for k in ("text", "author", "external_id")),
    }[name]
    return [r["draft"]["id"] for r in rows if matches(r)]


@pytest.fixture
async def web(settings):
    """One app, two doors: the web page signed in as an agent, the API with the bootstrap key (`AUTH`)."""
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await _sign_in(client)
        client.headers.update(AUTH)  # the API's key; the pages read the session cookie
        yield client


async def test_each_filter_gives_the_same_drafts_as_the_web_page(web):
    rows = await _queue(web)
    everything = [r["draft"]["id"] for r in rows]
    filters = [("search", "BLENDER"), ("search", "bo smith"), ("search", "ord-2")]
    for name, key in (("action", "action"), ("language", "language")):
        filters += [(name, v) for v in sorted({r["classification"][key] for r in rows})]
    filters += [("platform", v) for v in sorted({r["source"] for r in rows})]
    filters += [("business", v) for v in sorted({r["business"] for r in rows})]
    filters += [("rating", v) for v in sorted({str(r["rating"]) for r in rows})]
    filters += [("flagged", "yes"), ("flagged", "no")]
    assert len({v for n, v in filters if n == "action"}) > 1 and len({v for n, v in filters if n == "language"}) > 2

    for name, value in filters:
        expected = _expected(rows, name, value)
        query = {"status": "pending", "sort": "oldest", name: value}
        assert await _api_ids(web, **query) == expected, query
        assert await _page_ids(web, **query) == expected, query
    assert len(_expected(rows, "search", "ord-2")) == 1 and len(_expected(rows, "platform", "maps")) == 2

    for sort in ("oldest", "newest", "priority"):
        api = await _api_ids(web, status="pending", sort=sort)
        assert sorted(api) == sorted(everything)
        assert api == await _page_ids(web, status="pending", sort=sort), sort
    assert await _api_ids(web, sort="newest") == everything[::-1]
    assert await _api_ids(web, order="oldest", limit=2, offset=1) == everything[1:3]  # the older name of sort

    pending = (await web.get("/api/v1/drafts", params={"status": "pending"})).json()
    assert pending["total"] == len(rows) and pending["overdue"] == 1  # the Latvian review waits since days ago
    assert "1 past SLA" in (await web.get("/queue", params={"status": "pending"})).text


async def test_status_and_claims(web, settings):
    rows = await _queue(web)
    first, second = rows[0]["draft"], rows[1]["draft"]
    approved = await web.post(f"/api/v1/drafts/{first['id']}/approve", json=confirming(first))
    assert approved.status_code == 200, approved.text
    assert await _api_ids(web, status="approved") == [first["id"]] == await _page_ids(web, status="approved")
    assert first["id"] not in await _api_ids(web, status="pending")
    assert sorted(await _api_ids(web)) == sorted(r["draft"]["id"] for r in rows)  # no status: every state
    listed = (await web.get("/api/v1/drafts", params={"status": "approved"})).json()
    assert listed["overdue"] is None  # past SLA counts open drafts only

    engine, sessions = await _db(settings)
    async with sessions() as session:  # the API key's name is its actor, as in decisions
        await DraftService(session, PlaybookRegistry.from_directory(settings.playbooks_dir)).claim(
            second["review_id"], actor="bootstrap", minutes=10
        )
    await engine.dispose()
    assert await _api_ids(web, mine="yes") == [second["id"]]
    assert await _api_ids(web, mine="yes", status="approved") == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "failed"},  # the web page's Failed tab lists reviews without drafts
        {"status": "bogus"},
        {"action": "bogus"},
        {"rating": "6"},
        {"rating": "x"},
        {"flagged": "maybe"},
        {"mine": "no"},
        {"sort": "severity"},
        {"language": "123456789"},
        {"search": "x" * 201},
        {"search": "cracked\x00jug"},
        {"limit": "0"},
        {"offset": "-1"},
    ],
)
async def test_bad_filters_are_problem_details(client, params):
    response = await client.get("/api/v1/drafts", params=params)
    assert response.status_code == 400, (params, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_filters_are_documented(client):
    schema = (await client.get("/schema/openapi.json", headers={"Authorization": ""})).json()
    parameters = schema["paths"]["/api/v1/drafts"]["get"]["parameters"]
    names = {p["name"] for p in parameters}
    assert {
        "status",
        "search",
        "action",
        "language",
        "platform",
        "business",
        "rating",
        "flagged",
        "mine",
        "sort",
    } <= names
    assert {"limit", "offset"} <= names
