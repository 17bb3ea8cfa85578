"""Ingest through the HTTP API: idempotency, concurrency, batch, and bad input as problem details."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import AUTH

REVIEW = {"text": "Курьер опоздал на два часа и нагрубил.", "source": "google", "external_id": "g-1", "rating": 2}


async def test_create_then_replay_returns_same_review(client):
    first = await client.post("/api/v1/reviews", json=REVIEW)
    assert first.status_code == 201, first.text
    replay = await client.post("/api/v1/reviews", json=REVIEW)
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]


async def test_same_external_id_with_other_content_is_a_conflict(client):
    assert (await client.post("/api/v1/reviews", json=REVIEW)).status_code == 201
    conflict = await client.post("/api/v1/reviews", json={**REVIEW, "text": "Совсем другой текст"})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert conflict.json()["status"] == 409


async def test_idempotency_key_header_when_no_external_id(client):
    body = {"text": "Great coffee, friendly barista.", "source": "maps", "rating": 5}
    first = await client.post("/api/v1/reviews", json=body, headers={"Idempotency-Key": "k-1"})
    again = await client.post("/api/v1/reviews", json=body, headers={"Idempotency-Key": "k-1"})
    other = await client.post("/api/v1/reviews", json={**body, "rating": 4}, headers={"Idempotency-Key": "k-1"})
    unkeyed = await client.post("/api/v1/reviews", json=body)
    assert (first.status_code, again.status_code, other.status_code, unkeyed.status_code) == (201, 200, 409, 201)
    assert again.json()["id"] == first.json()["id"] != unkeyed.json()["id"]


async def test_twenty_concurrent_duplicates_make_one_row(client):
    body = {**REVIEW, "external_id": "race-1"}
    responses = await asyncio.gather(*(client.post("/api/v1/reviews", json=body) for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and codes.count(200) == 19, codes
    assert len({r.json()["id"] for r in responses}) == 1
    page = (await client.get("/api/v1/drafts", params={"limit": 200})).json()
    assert len({d["review_id"] for d in page["items"]}) <= 1


async def test_batch_keeps_good_items_and_reports_bad_ones(client):
    items = [
        {"text": "Отличный магазин, всё пришло вовремя", "source": "shop", "external_id": "b-1", "rating": 5},
        {"text": "", "source": "shop", "external_id": "b-2"},
        {"text": "Kurjers bija ļoti laipns", "source": "shop", "external_id": "b-3", "rating": 9},
        {"text": "Нормально", "source": "shop", "external_id": "b-4", "colour": "red"},
        {"text": "Доставка швидка, дякую", "source": "shop", "external_id": "b-5", "rating": 5},
        "not an object",
    ]
    response = await client.post("/api/v1/reviews/batch", json={"reviews": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["failed"]) == (2, 4)
    assert [r["status"] for r in body["results"]] == [201, 400, 400, 400, 201, 400]
    replay = (await client.post("/api/v1/reviews/batch", json={"reviews": items})).json()
    assert replay["replayed"] == 2 and replay["created"] == 0
    kept = await client.get(f"/api/v1/reviews/{body['results'][0]['id']}")
    assert kept.status_code == 200


async def test_batch_over_the_limit_is_refused(client):
    items = [{"text": f"review {i}", "source": "s"} for i in range(1001)]
    response = await client.post("/api/v1/reviews/batch", json={"reviews": items})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b'{"text": 12, "source": "x"}',
        b'{"text": "", "source": "x"}',
        b'{"text": "   ", "source": "x"}',
        ('{"text": "' + "a" * 20001 + '", "source": "x"}').encode(),
        b'{"text": "ok", "source": "x", "rating": 0}',
        b'{"text": "ok", "source": "x", "rating": 6}',
        b'{"text": "ok", "source": "x", "rating": "five"}',
        b'{"text": "ok", "source": "x", "surprise": true}',
        b'{"text": "bad \\u0000 byte", "source": "x"}',
        b'{"source": "x"}',
        b"[]",
        b'{"text": "ok", "source": "x", "created_at": "yesterday"}',
    ],
)
async def test_bad_input_is_a_4xx_problem(client, payload):
    response = await client.post("/api/v1/reviews", content=payload, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == response.status_code


async def test_api_key_required(client):
    anonymous = await client.post("/api/v1/reviews", json=REVIEW, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    wrong = await client.get("/api/v1/drafts", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")
    by_header = await client.get(
        "/api/v1/drafts", headers={"Authorization": "", "X-API-Key": AUTH["Authorization"][7:]}
    )
    assert by_header.status_code == 200


async def test_health_and_schema_are_public(client):
    health = await client.get("/health", headers={"Authorization": ""})
    assert health.status_code == 200 and health.json()["database"] == "ok"
    schema = await client.get("/schema/openapi.json", headers={"Authorization": ""})
    assert schema.status_code == 200 and "/api/v1/reviews" in schema.json()["paths"]


async def test_unknown_review_is_404_problem(client):
    response = await client.get("/api/v1/reviews/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
