"""Input built to hurt the service: a review that used to freeze it, bodies and fields of the wrong shape, and
the files it creates. Each answer must be a 4xx problem (never a 500) and the service must keep answering.

Why these inputs: "system" + 10,000 newlines + "late" made /health take 24 s (quadratic patterns run on the event
loop); JSON 10,000 levels deep, `created_at` "0001-01-01T00:00:00+14:00" (UTC conversion overflows), a form
field sent as a file, and `ids=²` (`"²".isdigit()` but `int("²")` raises) were each a 500."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time

import httpx
import pytest
from litestar.testing import AsyncTestClient

from assistant.db.migrate import upgrade
from assistant.server.app import create_app
from assistant.settings import Settings
from tests.conftest import AUTH, LiveServer, wait_for_status
from tests.integration.test_security import PASSWORD, _sign_in, _token, _user

PROBLEM = "application/problem+json"
# Runs of separators, the shapes that made patterns backtrack; each a full-length review.
HOSTILE = [
    "system" + "\n" * 10_000 + "late",
    "ignore" + " " * 19_000 + "instructions",
    "a " * 10_000,
    "\n\n" + ". " * 9_000 + "refund",
    "a." * 10_000,
    "1" * 20_000,
    "\r\n" * 9_990 + "SYSTEM:",
]


def _is_problem(response, status: int = 400, *, page: bool = False) -> None:
    """The API answers problem details; the web pages answer the same status as an HTML page."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    expected = "text/html" if page else PROBLEM
    assert response.headers["content-type"].startswith(expected), response.headers["content-type"]


# -- one review must not freeze the service ---------------------------------------------------------------------


def test_health_answers_while_hostile_reviews_are_processed(settings) -> None:
    """A real server (uvicorn, its own event loop): /health is polled every 50 ms while reviews made of long
    separator runs go through the rules and the guard (off the loop, on the text-CPU thread)."""
    latencies: list[float] = []
    done = threading.Event()
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as api:
        assert api.get("/health").status_code == 200

        def poll() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as probe:
                while not done.is_set():
                    started = time.perf_counter()
                    assert probe.get("/health").status_code == 200
                    latencies.append(time.perf_counter() - started)
                    time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        ids = [
            api.post(
                "/api/v1/reviews", json={"text": text, "source": "hostile", "external_id": f"h{i}", "rating": 2}
            ).json()["id"]
            for i, text in enumerate(HOSTILE)
        ]
        deadline = time.monotonic() + 120
        statuses = {}
        while time.monotonic() < deadline:
            statuses = {i: api.get(f"/api/v1/reviews/{i}").json()["status"] for i in ids}
            if all(s in ("pending_approval", "failed") for s in statuses.values()):
                break
            time.sleep(0.2)
        done.set()
        poller.join(timeout=60)
    assert all(s in ("pending_approval", "failed") for s in statuses.values()), statuses
    assert len(latencies) >= 5, "health was polled while the reviews were processed"
    ranked = sorted(latencies)
    p90, slowest = ranked[int(len(ranked) * 0.9)], ranked[-1]
    print(
        f"/health while {len(HOSTILE)} hostile reviews were processed: {len(ranked)} polls, median "
        f"{ranked[len(ranked) // 2] * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms"
    )
    # Python's `re` holds the GIL for one whole call, so the loop can wait about one call (a few hundred ms for
    # the largest patterns on 20,000 characters, more on a loaded machine); one quadratic pattern took 24 s.
    assert p90 < 1.0 and slowest < 3.0, f"/health: p90 {p90:.2f} s, slowest {slowest:.2f} s over {len(ranked)} polls"


async def test_a_review_over_the_rules_budget_goes_to_a_person(settings) -> None:
    tight = settings.model_copy(update={"rules_budget_seconds": 0.01})  # "a." × 10,000 takes ~0.2 s of rules
    async with AsyncTestClient(app=create_app(tight)) as web:
        web.headers.update(AUTH)
        text = "a." * 9_990 + f" {time.time_ns()}"  # never seen before: nothing of it is cached
        created = await web.post("/api/v1/reviews", json={"text": text, "source": "hostile", "rating": 2})
        body = await wait_for_status(web, created.json()["id"], "pending_approval", "failed")
    draft = body["draft"]  # do not engage: an empty, flagged draft a person marks handled or answers
    assert body["status"] == "pending_approval" and draft["text"] == "" and "needs_human" in draft["flags"], body
    classification = body["classification"]
    assert classification["needs_human"] and classification["action"] == "do_not_engage", classification
    assert any(r.startswith("over_budget:") for r in classification["reasons"]), classification["reasons"]


# -- bad input is a 4xx problem, never a 500 ----------------------------------------------------------------------


async def test_deeply_nested_json_is_refused_before_it_is_parsed(client) -> None:
    for depth in (40, 10_000, 100_000):
        for open_, close in (("[", "]"), ('{"a":', "}")):
            nested = open_ * depth + "1" + close * depth
            for path in ("/api/v1/reviews", "/api/v1/reviews/batch", "/api/v1/drafts/bulk-approve"):
                body = '{"text": "deep", "source": "s", "extra": ' + nested + "}"
                response = await client.post(path, content=body, headers={"Content-Type": "application/json"})
                _is_problem(response)
                assert "nests deeper" in response.json()["detail"], response.text[:200]
    unclosed = await client.post("/api/v1/reviews", content="[" * 100_000, headers={"Content-Type": "application/json"})
    _is_problem(unclosed)
    shallow = {
        "reviews": [
            {"text": "[[[[{{{{ brackets in text are not nesting ]]]]}}}}" * 20, "source": "s", "external_id": "shallow"}
        ]
    }
    assert (await client.post("/api/v1/reviews/batch", json=shallow)).status_code in (200, 201)


async def test_dates_that_cannot_be_stored_are_refused(client) -> None:
    edges = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00", "1899-12-31T23:59:59Z"]
    for i, value in enumerate(edges):
        single = await client.post(
            "/api/v1/reviews",
            json={"text": "Fine kettle", "source": "dates", "external_id": f"d{i}", "created_at": value},
        )
        _is_problem(single)
        batch = await client.post(
            "/api/v1/reviews/batch",
            json={"reviews": [{"text": "Fine kettle", "source": "dates", "external_id": f"b{i}", "created_at": value}]},
        )
        assert batch.status_code in (200, 201) and batch.json()["results"][0]["status"] == 400, batch.text
        for path, name in (("/api/v1/insights", "from"), ("/api/v1/replies/export", "since")):
            _is_problem(await client.get(path, params={name: value}))
    fine = await client.post(
        "/api/v1/reviews",
        json={"text": "Fine kettle", "source": "dates", "external_id": "ok", "created_at": "2025-03-01T10:00:00+14:00"},
    )
    assert fine.status_code == 201
    body = (await client.get(f"/api/v1/reviews/{fine.json()['id']}")).json()
    assert body["review_created_at"].startswith("2025-02-28T20:00:00"), body["review_created_at"]


async def test_form_fields_sent_as_files_are_refused(settings) -> None:
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as web:
        token = _token((await web.get("/login")).text)
        response = await web.post(
            "/login",
            data={"email": "anna@example.com", "password": PASSWORD, "_csrf_token": token},
            files={"next": ("next.txt", b"/queue", "text/plain")},
            follow_redirects=False,
        )
        _is_problem(response, page=True)
        response = await web.post(
            "/login",
            data={"password": PASSWORD, "_csrf_token": token},
            files={"email": ("e.txt", b"anna@example.com")},
            follow_redirects=False,
        )
        _is_problem(response, page=True)
        await _sign_in(web)
        token = _token((await web.get("/queue")).text)
        for field in ("ids", "next", "confirm"):
            response = await web.post(
                "/queue/bulk-approve",
                data={"_csrf_token": token, "ids": "1"},
                files={field: ("x.txt", b"1")},
                follow_redirects=False,
            )
            _is_problem(response, page=True)


async def test_numbers_written_with_other_digits_are_refused(settings) -> None:
    """`"²".isdigit()` is true and `int("²")` raises; `int("٣")` is 3. Only ASCII digits are numbers here."""
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _sign_in(web)
        token = _token((await web.get("/queue")).text)
        for value in ("²", "①", "٣", "１", "1²", "9" * 5000):
            response = await web.post(
                "/queue/bulk-approve", data={"_csrf_token": token, "ids": value}, follow_redirects=False
            )
            assert response.status_code == 400, (value[:10], response.status_code, response.text[:200])
            page = await web.get("/queue", params={"page": value}, follow_redirects=False)
            assert page.status_code == 400, (value[:10], page.status_code)


# -- files the service creates ------------------------------------------------------------------------------------


def test_database_and_key_files_are_private_whatever_the_umask(tmp_path, scripted_llm) -> None:
    data = tmp_path / "fresh" / "data"
    settings = Settings(data_dir=data, llm_base_url=scripted_llm.base_url, llm_model="scripted", bootstrap_api_key="k")
    previous = os.umask(0)
    try:
        upgrade(settings.resolved_database_url)  # what `assistant serve` does first

        async def run() -> dict[str, int]:
            async with AsyncTestClient(app=create_app(settings)) as web:
                assert (await web.get("/login")).status_code == 200  # the session secret is made on first use
                web.headers.update({"Authorization": "Bearer k"})
                created = await web.post("/api/v1/reviews", json={"text": "Nice", "source": "perm"})
                assert created.status_code == 201
                await wait_for_status(web, created.json()["id"], "pending_approval", "failed")
                return {path.name: stat.S_IMODE(path.stat().st_mode) for path in data.iterdir()}

        running = asyncio.run(run())  # while the service runs: SQLite's -wal and -shm files exist too
    finally:
        os.umask(previous)
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert mode(data) == 0o700 and mode(data.parent) == 0o700
    assert {"assistant.db", "secret.key", "assistant.db-wal", "assistant.db-shm"} <= set(running), running
    assert running == dict.fromkeys(running, 0o600), running
    assert {p.name: mode(p) for p in data.iterdir()} == {p.name: 0o600 for p in data.iterdir()}


def test_an_existing_readable_database_is_tightened(tmp_path) -> None:
    tmp_path.chmod(0o755)
    database = tmp_path / "old.db"
    upgrade(f"sqlite:///{database}")
    database.chmod(0o644)  # as an older version left it
    upgrade(f"sqlite:///{database}")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755, "a directory that existed (maybe shared) is left alone"


pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
