"""Contract fuzzing: schemathesis reads the service's own OpenAPI schema and throws generated requests —
valid ones and deliberately broken ones — at every `/api/v1` operation of a live server with a valid key.

Passing means: no 5xx, every response's status code, content type and body are the ones the schema
declares. A small, fixed budget (seeded, no example database) keeps it to seconds per backend; raise
FUZZ_EXAMPLES locally to dig deeper. Every failure is collected and reported with a curl line to replay."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import AUTH

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEED_REVIEWS = [
    {"text": "Курьер опоздал на два часа и нагрубил", "source": "fuzz", "external_id": "ru-1", "rating": 2},
    {"text": "Paldies, viss lieliski, ātra piegāde!", "source": "fuzz", "external_id": "lv-1", "rating": 5},
    {"text": "The blender arrived with a cracked jug", "source": "fuzz", "external_id": "en-1", "rating": 2},
]


def _seed(base_url: str) -> dict[str, int]:
    """A few drafted reviews, so operations on `/{id}` reach real objects and not only 404s."""
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=10) as http:
        ids = [http.post("/api/v1/reviews", json=review).json()["id"] for review in SEED_REVIEWS]
        deadline = time.monotonic() + 30
        while True:
            bodies = [http.get(f"/api/v1/reviews/{i}").json() for i in ids]
            if all(b["status"] in ("pending_approval", "failed") for b in bodies):
                break
            assert time.monotonic() < deadline, [b["status"] for b in bodies]
            time.sleep(0.1)
    drafts = [b["draft"]["id"] for b in bodies if b.get("draft")]
    return {"review_id": ids[0], "draft_id": drafts[0] if drafts else 1, "delivery_id": 1}


def _run(operation, mode: GenerationMode, base_url: str, examples: int, path_parameters=None) -> str | None:
    """Fuzz one operation; the failure report, or None."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

    @seed(20240611)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=strategy)
    def fuzz(case) -> None:
        case.call_and_validate(base_url=base_url, headers=dict(AUTH), checks=CHECKS, timeout=30)

    try:
        fuzz()
    except (Exception, BaseExceptionGroup) as exc:
        return f"{operation.method.upper()} {operation.path} [{mode.value}]: {exc}"
    return None


def test_every_api_operation_honours_its_contract(live_server) -> None:
    known = _seed(live_server.url)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/v1")]
    assert len(operations) >= 15, [op.path for op in operations]
    failures = []
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, max(EXAMPLES // 2, 3))):
            failures.append(_run(operation, mode, live_server.url, examples))
        pinned = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
        if pinned:  # the same operation on an object that exists: the 2xx and 409 paths, not only 404
            failures.append(_run(operation, GenerationMode.POSITIVE, live_server.url, EXAMPLES, pinned))
    failures = [f for f in failures if f]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("path", ["/api/v1/drafts/4", "/api/v1/reviews/1/resolve", "/api/v1/webhooks/deliveries/1"])
async def test_options_is_answered_not_crashed(client, path: str) -> None:
    """Found by fuzzing: OPTIONS skipped authentication, then a controller guard read the missing user (500)."""
    response = await client.options(path)
    assert response.status_code == 204 and response.headers["allow"]


async def test_problem_members_are_not_overwritten_by_domain_details(client) -> None:
    """Found by fuzzing: approving an approved draft answered `"status": "approved"` instead of 409."""
    from tests.conftest import wait_for_status

    review = (await client.post("/api/v1/reviews", json=SEED_REVIEWS[2])).json()
    body = await wait_for_status(client, review["id"], "pending_approval")
    draft_id = body["draft"]["id"]
    assert (await client.post(f"/api/v1/drafts/{draft_id}/approve", json={})).status_code == 200
    again = await client.post(f"/api/v1/drafts/{draft_id}/approve", json={})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["status"] == 409 and again.json()["current_status"] == "approved"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/drafts/99999999999999999999",
        "/api/v1/reviews/36893488147419103232",
        "/api/v1/drafts?offset=15608073904614991872",
        "/api/v1/reviews/4294967296",
    ],
)
async def test_huge_numbers_are_client_errors(client, path: str) -> None:
    """Found by fuzzing: ids past int64 (SQLite) or int32 (PostgreSQL) crashed the driver (500)."""
    response = await client.get(path)
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_timestamps_are_rfc3339_with_offset(client) -> None:
    """Found by fuzzing: SQLite handed back naive datetimes, sent without an offset; and an instant given
    with +03:00 must come back as the same instant."""
    created = (
        await client.post(
            "/api/v1/reviews", json={**SEED_REVIEWS[0], "external_id": "tz", "created_at": "2025-03-01T12:00:00+03:00"}
        )
    ).json()
    stored = (await client.get(f"/api/v1/reviews/{created['id']}")).json()
    for body in (created, stored):
        assert body["created_at"].endswith(("Z", "+00:00")) or body["created_at"][-6] in "+-"
        assert datetime.fromisoformat(body["review_created_at"]) == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert stored["review_created_at"] in ("2025-03-01T09:00:00Z", "2025-03-01T09:00:00+00:00")


async def test_empty_idempotency_key_is_no_key(client) -> None:
    """Found by fuzzing: an empty Idempotency-Key was stored as the key "", and the second one crashed."""
    for text in ("first", "second"):
        response = await client.post(
            "/api/v1/reviews", json={"text": text, "source": "fuzz"}, headers={"Idempotency-Key": ""}
        )
        assert response.status_code == 201, response.text


async def test_export_filename_survives_any_business(client) -> None:
    """Found by fuzzing: a business filter outside latin-1 (or with control characters) went into the
    Content-Disposition header and crashed the response."""
    response = await client.get("/api/v1/replies/export", params={"format": "jsonl", "business": "Ģ\x0c\r\nX-Evil: 1"})
    assert response.status_code == 200
    assert "x-evil" not in response.headers
    assert re.fullmatch(
        r'attachment; filename="approved-replies-_+X-Evil__1\.jsonl"', response.headers["content-disposition"]
    )
