"""Real reviews nobody on the team wrote (../shared/real-reviews, read in place, never copied): the classifier must
not drop an unhappy customer, never thank a complaint and still thank plain praise, with the rules alone and with
the LLM second stage on the scripted server. Skipped where the folder is absent; the report's arithmetic is checked
on a small folder written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.evaluation.classification import (
    evaluate_real_reviews,
    format_real_reviews_report,
    load_real_reviews,
    pure_praise,
)
from assistant.evaluation.cli import REAL_REVIEWS, app
from assistant.playbooks import PlaybookRegistry

ROOT = Path(__file__).resolve().parents[2]
present = pytest.mark.skipif(not any(REAL_REVIEWS.glob("*.jsonl")), reason=f"no real reviews in {REAL_REVIEWS}")


@pytest.fixture(scope="module")
def registry() -> PlaybookRegistry:
    return PlaybookRegistry.from_directory(ROOT / "playbooks")


@present
async def test_rules_meet_the_targets_on_real_reviews(registry):
    report = await evaluate_real_reviews(load_real_reviews(REAL_REVIEWS), registry, None)
    text = format_real_reviews_report(report, show=5)
    targets = report["targets"]
    assert targets["dropped"][0] <= 0.005, text
    assert targets["negatives_thanked"][0] <= 0.01, text
    assert targets["pure_praise_thanked"][0] >= 0.95, text
    total = report["total"]
    assert total["n"] >= 500 and total["negative"] >= 100 and total["pure"] >= 30, text  # a real sample, not a few
    assert total["lang_ok"] / total["n"] >= 0.97, text


@present
def test_the_command_with_the_scripted_model_meets_the_targets():
    """The whole command, second stage on the scripted server through the real openai SDK: a model that answers
    "thank" to everything must not thank a complaint nor drop anyone."""
    result = CliRunner().invoke(app, ["real-reviews", str(REAL_REVIEWS), "--scripted", "--check"])
    assert result.exit_code == 0, result.output
    assert "rules+llm" in result.output and "MISSED" not in result.output


def _write(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir()
    lines = [
        json.dumps({"id": f"t-{i}", "language": "en", "sentiment": None, "rating": None, **row})
        for i, row in enumerate(rows)
    ]
    (folder / "en.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


async def test_report_counts_each_failure_class(registry, tmp_path):
    """Our own lines, shaped like the real ones (a Cons: line, no stars, a 'policy'): each class is counted."""
    folder = _write(
        tmp_path / "reviews",
        [
            {"text": "Great speaker, loud and clear.\nPros: sound\nCons: none", "rating": 5},
            {"text": "Nice screen.\nCons: the battery dies by noon", "rating": 5},
            {"text": "Buy cheap followers now, visit best-smm-panel.xyz", "rating": 5},
            {"text": "The refund policy is a joke, support never answered my three emails.", "rating": 1},
            {"text": "Waited an hour for cold food and the waiter was rude.", "sentiment": "neg"},
        ],
    )
    report = await evaluate_real_reviews(load_real_reviews(folder), registry, None)
    total = report["total"]
    assert (total["n"], total["five"], total["pure"], total["negative"]) == (5, 3, 2, 2)
    assert total["dropped"] == 1 and total["dropped:spam"] == 1  # the ad, and nothing else
    assert total.get("negative_thanked", 0) == 0 and total.get("pure_thanked", 0) == 1
    assert report["targets"]["dropped"] == (0.2, False)
    assert "MISSED" in format_real_reviews_report(report)


def test_command_without_reviews_is_an_error(tmp_path):
    result = CliRunner().invoke(app, ["real-reviews", str(tmp_path), "--rules-only"])
    assert result.exit_code == 2 and "no *.jsonl" in result.output


@pytest.mark.parametrize(
    ("text", "pure"),
    [
        ("Love it\nPros: all\nCons: Немає.", True),
        ("Love it\nCons: -", True),
        ("Love it", True),
        ("Love it\nCons: Швидко сідає батарея", False),
    ],
)
def test_pure_praise_is_five_stars_with_no_fault_named(text, pure):
    assert pure_praise({"text": text, "rating": 5}) is pure
    assert not pure_praise({"text": text, "rating": 4})
