"""Insights against figures computed by hand on a planted dataset: weekly series by topic and action,
negative shares and trends, top complaints with examples, response time and SLA, the spike alert (fires on
the planted courier spike, not on noise), the API's validation, and the CLI digest."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from assistant.db.engine import sync_url
from assistant.db.models import Classification, Draft, Review
from assistant.domain.insights.alerts import SpikeRule, find_spikes
from assistant.domain.insights.digest import md_escape

# (row, days before the period end, action, topics, overrides); the period is the 4 weeks before `end`.
# Week 0 = the last 7 days. Courier complaints: 1 a week for weeks 4..1, then 6 in week 0 (the spike).
# Packaging: 4 complaints out of nowhere in week 0, price 2 (was 1 a week): both noise, under min_count 5.
ROWS = [
    (1, 1.5, "apologize", ["courier"], {"status": "pending_approval"}),
    (2, 2.5, "apologize", ["courier"], {"status": "pending_approval"}),
    (3, 3.5, "apologize", ["courier"], {}),
    (4, 4.5, "apologize", ["courier"], {}),
    (5, 5.5, "apologize", ["courier"], {}),
    (6, 6.5, "offer_discount", ["courier", "delivery"], {}),
    (7, 2.5, "apologize", ["price"], {"source": "yandex"}),
    (8, 3.5, "apologize", ["price"], {}),
    (9, 1.5, "apologize", ["packaging"], {}),
    (10, 1.6, "apologize", ["packaging"], {}),
    (11, 1.7, "apologize", ["packaging"], {}),
    (12, 1.8, "apologize", ["packaging"], {}),
    (13, 0.5, "do_not_engage", [], {}),
    (14, 8.5, "apologize", ["courier"], {"approve_after_h": 50}),
    (15, 9.5, "thank", ["staff"], {"approve_after_h": 2}),
    (16, 15.5, "apologize", ["courier"], {"approve_after_h": 4}),
    (17, 16.5, "offer_fix", ["quality"], {}),
    (18, 10.5, "apologize", ["price"], {}),
    (19, 22.5, "apologize", ["courier"], {}),
    (20, 23.5, "thank", ["delivery"], {"approve_after_h": 10}),
    (21, 24.5, "thank", ["delivery"], {"approve_after_h": 30}),
    # the previous period (4 weeks before)
    (22, 29.5, "apologize", ["courier"], {}),
    (23, 30.5, "thank", ["courier"], {}),
    (24, 36.5, "thank", ["delivery"], {}),
    (25, 37.5, "apologize", ["price"], {}),
    (26, 44.5, "thank", ["delivery"], {}),
    (27, 50.5, "offer_fix", ["delivery"], {}),
    # outside both periods, and another business
    (28, 60.5, "apologize", ["courier"], {}),
    (29, 1.5, "apologize", ["courier"], {"business": "acme"}),
]


@dataclass
class Planted:
    end: datetime
    ids: dict[int, int]  # row number → review id

    @property
    def params(self) -> dict[str, str]:
        return {"from": (self.end - timedelta(weeks=4)).isoformat(), "to": self.end.isoformat()}


def plant(database_url: str, rows=ROWS, end: datetime | None = None) -> Planted:
    """Insert reviews with classifications (and approved replies) written at fixed offsets before `end`."""
    end = end or datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(sync_url(database_url))
    ids = {}
    with Session(engine) as session:
        for number, days, action, topics, extra in rows:
            written = end - timedelta(days=days)
            ingested = written + timedelta(hours=1)
            approve_after = extra.get("approve_after_h")
            review = Review(
                source=extra.get("source", "google"),
                external_id=f"plant-{number}",
                content_hash=f"{number:064d}",
                business=extra.get("business", "default"),
                text=extra.get("text", f"Review {number}: {action} about {', '.join(topics) or 'nothing'}"),
                rating=5 if action == "thank" else 2,
                review_created_at=written,
                created_at=ingested,
                updated_at=ingested,
                status=extra.get("status", "approved" if approve_after else "rejected"),
            )
            session.add(review)
            session.flush()
            ids[number] = review.id
            session.add(
                Classification(review_id=review.id, action=action, language="en", topics=topics, created_at=ingested)
            )
            if approve_after:
                decided = ingested + timedelta(hours=approve_after)
                session.add(
                    Draft(
                        review_id=review.id,
                        status="approved",
                        text=f"Reply {number}",
                        decided_by="agent",
                        decided_at=decided,
                        created_at=ingested,
                        updated_at=decided,
                    )
                )
        session.commit()
    engine.dispose()
    return Planted(end=end, ids=ids)


@pytest.fixture
def planted(database_url: str) -> Planted:
    return plant(database_url)


def by_topic(report: dict) -> dict[str, dict]:
    return {t["topic"]: t for t in report["topics"]}


async def test_weekly_series_shares_and_trends(client, planted):
    response = await client.get("/api/v1/insights", params={"business": "default", **planted.params})
    assert response.status_code == 200, response.text
    report = response.json()
    assert len(report["weeks"]) == 4
    assert (report["reviews"], report["negative"]) == (21, 17)
    assert (report["previous_reviews"], report["previous_negative"]) == (6, 3)
    topics = by_topic(report)
    assert [t["topic"] for t in report["topics"]] == ["courier", "packaging", "price", "delivery", "quality", "staff"]
    courier = topics["courier"]
    assert courier["weekly"] == [1, 1, 1, 6] and courier["weekly_negative"] == [1, 1, 1, 6]
    assert (courier["total"], courier["negative"], courier["negative_share"]) == (9, 9, 1.0)
    assert (courier["previous_total"], courier["previous_negative"], courier["previous_share"]) == (2, 1, 0.5)
    assert courier["trend"] == "up" and courier["share_of_complaints"] == 0.5
    delivery = topics["delivery"]
    assert (delivery["total"], delivery["negative"], delivery["negative_share"]) == (3, 1, 0.3333)
    assert delivery["weekly"] == [2, 0, 0, 1] and delivery["previous_share"] == 0.3333
    assert delivery["trend"] == "flat"
    assert topics["price"]["trend"] == "flat" and topics["price"]["negative"] == 3
    assert topics["packaging"]["trend"] == "new" and topics["packaging"]["previous_share"] is None
    assert topics["staff"]["negative"] == 0 and topics["staff"]["trend"] == "flat"
    actions = {a["action"]: a["weekly"] for a in report["actions"]}
    assert actions == {
        "apologize": [1, 1, 2, 11],
        "thank": [2, 0, 1, 0],
        "offer_fix": [0, 1, 0, 0],
        "offer_discount": [0, 0, 0, 1],
        "do_not_engage": [0, 0, 0, 1],
    }


async def test_top_complaints_with_examples(client, planted):
    report = (await client.get("/api/v1/insights", params={"business": "default", **planted.params})).json()
    complaints = report["top_complaints"]
    assert [(c["topic"], c["count"]) for c in complaints] == [
        ("courier", 9),
        ("packaging", 4),
        ("price", 3),
        ("delivery", 1),
        ("quality", 1),
    ]
    assert [e["review_id"] for e in complaints[0]["examples"]] == [planted.ids[1], planted.ids[2], planted.ids[3]]
    assert complaints[0]["examples"][0]["text"] == "Review 1: apologize about courier"
    assert complaints[0]["examples"][0]["rating"] == 2
    assert [e["review_id"] for e in complaints[3]["examples"]] == [planted.ids[6]]


async def test_response_time_and_sla(client, planted):
    report = (await client.get("/api/v1/insights", params={"business": "default", **planted.params})).json()
    # approved after 2, 4, 10, 30 and 50 hours: nearest-rank median = 10, p90 = 50; SLA 24 h → 2 late
    assert report["response_time"] == {
        "answered": 5,
        "median_hours": 10.0,
        "p90_hours": 50.0,
        "sla_hours": 24.0,
        "sla_breaches": 2,
        "overdue_now": 2,
    }


async def test_each_business_is_held_to_its_own_sla(client, database_url):
    # kurjers-lv promises 8 h (playbooks/kurjers-lv.yaml), default 24 h: 10 h is late for one, not the other
    planted = plant(
        database_url,
        [
            (1, 3.5, "apologize", ["courier"], {"business": "kurjers-lv", "approve_after_h": 10}),
            (2, 3.5, "apologize", ["courier"], {"approve_after_h": 10}),
            (3, 4.5, "apologize", ["courier"], {"approve_after_h": 30}),
        ],
    )
    everyone = (await client.get("/api/v1/insights", params=planted.params)).json()["response_time"]
    assert (everyone["answered"], everyone["sla_breaches"], everyone["median_hours"]) == (3, 2, 10.0)
    kurjers = (await client.get("/api/v1/insights", params={"business": "kurjers-lv", **planted.params})).json()
    assert kurjers["response_time"]["sla_hours"] == 8.0 and kurjers["response_time"]["sla_breaches"] == 1


async def test_spike_alert_fires_on_the_planted_spike_only(client, planted):
    report = (await client.get("/api/v1/insights", params={"business": "default", **planted.params})).json()
    assert [(a["topic"], a["count"], a["trailing_average"], a["ratio"]) for a in report["alerts"]] == [
        ("courier", 6, 1.0, 6.0)
    ]
    assert report["alerts"][0]["message"].startswith("courier complaints ×6 this week")
    everyone = (await client.get("/api/v1/insights", params=planted.params)).json()
    assert [(a["topic"], a["count"]) for a in everyone["alerts"]] == [("courier", 7)]  # + acme's complaint
    assert everyone["reviews"] == 22 and everyone["response_time"]["sla_hours"] is None
    a_week_earlier = {
        "from": (planted.end - timedelta(weeks=5)).isoformat(),
        "to": (planted.end - timedelta(weeks=1)).isoformat(),
        "business": "default",
    }
    assert (await client.get("/api/v1/insights", params=a_week_earlier)).json()["alerts"] == []


def test_spike_rule_needs_both_the_factor_and_the_minimum():
    rule = SpikeRule(factor=2.0, min_count=5, trailing_weeks=4)
    assert find_spikes({"noise": [4, 0, 0, 0, 0]}, rule) == []  # new but tiny
    assert find_spikes({"steady": [9, 8, 10, 9, 7]}, rule) == []  # busy but normal
    assert find_spikes({"double": [10, 5, 5, 5, 5]}, rule) == []  # exactly ×2 is not above ×2
    [spike] = find_spikes({"courier": [11, 5, 5, 5, 5]}, rule)
    assert spike.ratio == 2.2 and spike.message.startswith("courier complaints ×2.2 this week")
    [new] = find_spikes({"mould": [5, 0, 0, 0, 0]}, rule)
    assert new.ratio is None and "complaints new this week" in new.message
    assert find_spikes({"short": [6, 1]}, rule)[0].trailing_average == 0.25  # missing weeks count as 0


async def test_filters_and_empty_results(client, planted):
    yandex = (await client.get("/api/v1/insights", params={"platform": "yandex", **planted.params})).json()
    assert yandex["reviews"] == 1 and [t["topic"] for t in yandex["topics"]] == ["price"]
    nobody = (await client.get("/api/v1/insights", params={"business": "nobody", **planted.params})).json()
    assert nobody["reviews"] == 0 and nobody["topics"] == [] and nobody["alerts"] == []
    assert nobody["response_time"]["median_hours"] is None and nobody["response_time"]["answered"] == 0
    default = (await client.get("/api/v1/insights", params={"weeks": 2})).json()
    assert len(default["weeks"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-02-01", "to": "2025-01-01"},
        {"from": "last tuesday"},
        {"to": "2025-13-01"},
        {"weeks": 0},
        {"weeks": 500},
        {"from": "2020-01-01", "to": "2025-01-01"},
        {"business": "x" * 101},
    ],
)
async def test_bad_parameters_are_400_problems(client, params):
    response = await client.get("/api/v1/insights", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_cli_digest_and_markdown(database_url, planted, tmp_path):
    out = tmp_path / "digest.md"
    env = {**os.environ, "ASSISTANT_DATABASE_URL": database_url, "COLUMNS": "140"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "insights",
            "--business",
            "default",
            "--weeks",
            "4",
            "--markdown",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "courier complaints ×6 this week" in result.stdout
    courier_line = next(line for line in result.stdout.splitlines() if "│ courier" in line)
    assert "↑" in courier_line and "100%" in courier_line and "50%" in courier_line
    assert "→" in next(line for line in result.stdout.splitlines() if "│ price" in line)
    markdown = out.read_text(encoding="utf-8")
    assert "- ⚠ courier complaints ×6 this week" in markdown
    assert "| courier | 9 | 9 | 100% | 50% | ↑ |" in markdown
    assert "median 10.0 h, p90 50.0 h" in markdown
    assert f"- review #{planted.ids[1]}, 2★: Review 1: apologize about courier" in markdown


def test_markdown_escapes_untrusted_text():
    assert md_escape("<img src=x onerror=alert(1)> **bold** [a](http://x)") == (
        "\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* \\[a\\](http://x)"
    )
