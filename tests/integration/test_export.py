"""Export of approved replies: CSV and JSON Lines content, filters, keyset paging, formula-injection escaping."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from assistant.db.engine import create_engine, session_factory
from assistant.domain.replies.export import COLUMNS, ExportFilter, approved_replies, csv_safe
from tests.conftest import confirming, wait_for_status

REVIEWS = [
    {
        "text": '=HYPERLINK("http://evil.test","click") the courier was two hours late',
        "source": "google",
        "external_id": "x-1",
        "rating": 2,
        "business": "default",
    },
    {
        "text": "Курьер опоздал на два часа, но вежливый.",
        "source": "yandex",
        "external_id": "x-2",
        "rating": 3,
        "business": "atelier-ru",
    },
    {
        "text": "Pasūtījums atnāca laikā, paldies!",
        "source": "shop",
        "external_id": "x-3",
        "rating": 5,
        "business": "default",
    },
]
REPLIES = [
    "+1 we are sorry about the courier; we spoke to the delivery service. The support team",
    "Спасибо, что написали: мы разобрались с курьерской службой. Команда поддержки",
    "@team paldies par atsauksmi! Atbalsta komanda",
]


async def approve_all(client) -> list[dict]:
    approved = []
    for review, reply in zip(REVIEWS, REPLIES, strict=True):
        created = (await client.post("/api/v1/reviews", json=review)).json()
        body = await wait_for_status(client, created["id"], "pending_approval", "failed")
        assert body["status"] == "pending_approval", body["error"]
        draft = body["draft"]
        edited = await client.patch(f"/api/v1/drafts/{draft['id']}", json={"text": reply, "version": draft["version"]})
        assert edited.status_code == 200, edited.text
        done = await client.post(
            f"/api/v1/drafts/{draft['id']}/approve", json=confirming(edited.json(), version=edited.json()["version"])
        )
        assert done.status_code == 200, done.text
        approved.append(done.json())
    return approved


def read_csv(response) -> list[dict[str, str]]:
    assert response.content.startswith("\ufeff".encode()), "a BOM lets spreadsheets read Cyrillic as UTF-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_csv_has_every_column_and_defuses_formulas(client):
    approved = await approve_all(client)
    response = await client.get("/api/v1/replies/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response)
    assert list(rows[0].keys()) == list(COLUMNS)
    assert [int(r["review_id"]) for r in rows] == [a["review_id"] for a in approved]
    first, second, third = rows
    assert first["review_text"] == "'" + REVIEWS[0]["text"]
    assert first["reply_text"] == "'" + REPLIES[0]
    assert third["reply_text"] == "'" + REPLIES[2]
    assert second["review_text"] == REVIEWS[1]["text"] and second["reply_text"] == REPLIES[1]
    assert first["external_id"] == "x-1" and first["source"] == "google" and first["rating"] == "2"
    assert second["business"] == "atelier-ru" and second["kind"] == "reply"
    assert first["approved_by"] == "bootstrap" and datetime.fromisoformat(first["approved_at"]).tzinfo is not None
    assert first["language"] and first["action"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


async def test_jsonl_keeps_the_raw_text_and_filters_apply(client):
    approved = await approve_all(client)
    response = await client.get("/api/v1/replies/export", params={"format": "jsonl", "business": "default"})
    assert response.status_code == 200 and "ndjson" in response.headers["content-type"]
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [r["external_id"] for r in lines] == ["x-1", "x-3"]
    assert lines[0]["review_text"] == REVIEWS[0]["text"], "JSON is data, not a spreadsheet: no escaping"
    assert lines[1]["reply_text"] == REPLIES[2] and lines[1]["rating"] == 5
    assert set(lines[0]) == set(COLUMNS)

    cut = datetime.fromisoformat(approved[1]["decided_at"])
    cut = cut.replace(tzinfo=UTC) if cut.tzinfo is None else cut
    since = (await client.get("/api/v1/replies/export", params={"format": "jsonl", "since": cut.isoformat()})).text
    assert [json.loads(line)["external_id"] for line in since.splitlines()] == ["x-2", "x-3"]
    until = (await client.get("/api/v1/replies/export", params={"format": "jsonl", "until": cut.isoformat()})).text
    assert [json.loads(line)["external_id"] for line in until.splitlines()] == ["x-1"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert (await client.get("/api/v1/replies/export", params={"format": "jsonl", "since": tomorrow})).text == ""
    empty_csv = read_csv(await client.get("/api/v1/replies/export", params={"since": tomorrow}))
    assert empty_csv == []


async def test_bad_parameters_are_problems_not_crashes(client):
    for params in (
        {"format": "xlsx"},
        {"since": "yesterday"},
        {"until": "2025-13-45"},
        {"since": "2025-02-01", "until": "2025-01-01"},
    ):
        response = await client.get("/api/v1/replies/export", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_keyset_paging_returns_every_row_once(client, settings):
    await approve_all(client)
    engine = create_engine(settings.resolved_database_url)
    try:
        rows = [row async for row in approved_replies(session_factory(engine), ExportFilter(), batch=2)]
    finally:
        await engine.dispose()
    assert [r["external_id"] for r in rows] == ["x-1", "x-2", "x-3"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("fine = ok", "fine = ok"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_csv_safe(cell, expected):
    assert csv_safe(cell) == expected
