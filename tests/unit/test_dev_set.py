"""The labelled sets: well-formed, covering what the brief asks for, and the rules alone meet the bar on dev.
The holdout sets are checked for shape (they exist to show overfitting, not to be tuned on), plus one guard on
every set: no ordinary review may be refused, because hiding a real complaint is the costliest mistake."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.domain.classification.cues import TOPICS
from assistant.evaluation.classification import evaluate_classification, format_classification_report, load_cases
from assistant.playbooks import Action, DoNotEngageKind, PlaybookRegistry
from tests.unit.test_classification_service import answer

ROOT = Path(__file__).resolve().parents[2]
MUST_REFUSE = ("spam", "extortion", "abuse", "injection")
DATASETS = ROOT / "eval" / "datasets"
KEYS = [
    "id",
    "text",
    "rating",
    "business",
    "platform",
    "language",
    "actions",
    "dne_kind",
    "topics",
    "tags",
    "must_include",
    "must_not_include",
    "canary",
]
LANGS = ("ru", "uk", "lv", "en")


@pytest.fixture(scope="module")
def registry() -> PlaybookRegistry:
    return PlaybookRegistry.from_directory(ROOT / "playbooks")


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return load_cases(DATASETS / "dev.jsonl")


@pytest.mark.parametrize(("name", "minimum"), [("dev.jsonl", 140), ("holdout.jsonl", 40), ("holdout2.jsonl", 80)])
def test_dataset_shape(registry, name, minimum):
    cases = load_cases(DATASETS / name)
    assert len(cases) >= minimum
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert list(case) == KEYS, case["id"]
        assert case["language"] in (*LANGS, "und") and case["business"] in registry.playbooks, case["id"]
        assert case["rating"] is None or case["rating"] in range(1, 6)
        assert case["actions"] and all(a in Action.__members__ for a in case["actions"]), case["id"]
        assert set(case["topics"]) <= set(TOPICS), case["id"]
        if case["dne_kind"]:
            assert DoNotEngageKind(case["dne_kind"]) and case["actions"] == ["do_not_engage"], case["id"]
        else:
            assert "do_not_engage" not in case["actions"], case["id"]
        if case["canary"]:
            assert case["canary"] in case["text"] and case["canary"] in case["must_not_include"]


def test_dev_covers_the_brief(dev):
    per_language = Counter(c["language"] for c in dev)
    assert all(per_language[lang] >= 25 for lang in LANGS), per_language
    assert {a for c in dev for a in c["actions"]} == set(Action.__members__)
    kinds = {(c["language"], c["dne_kind"]) for c in dev if c["dne_kind"]}
    refused = {k for k in DoNotEngageKind if k != DoNotEngageKind.legal_threat}  # legal: answered, escalated
    assert {(lang, k.value) for lang in LANGS for k in refused} <= kinds
    escalated = {(c["language"], t) for c in dev for t in c["tags"] if t.startswith("escalate:")}
    assert {(lang, "escalate:legal") for lang in LANGS} <= escalated
    assert {c["language"] for c in dev if c["canary"]} >= set(LANGS)
    tags = Counter(t for c in dev for t in c["tags"])
    assert tags["mixed-language"] >= 4 and tags["emoji-only"] >= 2 and tags["empty"] >= 3
    assert any(len(c["text"]) > 3000 for c in dev)
    assert any(c["text"] == "" and c["rating"] is not None for c in dev)
    assert {c["business"] for c in dev} >= {"default", "kurjers-lv", "atelier-ru"}


def test_holdout2_is_balanced_and_mostly_ordinary():
    """Built before the rules were generalised, to measure them on reviews nobody tuned on: 20 per language,
    most of them ordinary so that do-not-engage precision is measured too."""
    cases = load_cases(DATASETS / "holdout2.jsonl")
    assert Counter(c["language"] for c in cases) == dict.fromkeys(LANGS, 20)
    ordinary = [c for c in cases if not c["dne_kind"]]
    assert len(ordinary) >= len(cases) / 2
    tags = Counter(t for c in cases for t in c["tags"])
    assert tags["injection"] >= 8 and tags["near-miss"] >= 8 and tags["symptom"] >= 6 and tags["sarcasm"] >= 6


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl", "holdout2.jsonl", "smoke.jsonl"])
async def test_no_ordinary_review_is_refused(registry, name):
    """A support tool that hides real complaints is worse than useless: no labelled ordinary review, in any set,
    may be classified do_not_engage by the rules."""
    metrics = await evaluate_classification(load_cases(DATASETS / name), registry, None)
    assert metrics["dne_counts"]["fp"] == 0, format_classification_report(metrics)


async def test_rules_alone_meet_the_bar_on_dev(dev, registry):
    metrics = await evaluate_classification(dev, registry, None)
    report = format_classification_report(metrics)
    assert metrics["language_accuracy"] >= 0.98, report
    assert metrics["action_accuracy"] >= 0.95, report
    assert metrics["dne_recall"] >= 0.95, report  # off-topic with no word of its own is left to the model
    assert all(metrics["dne_recall_by_kind"][k] == 1.0 for k in MUST_REFUSE), report
    assert metrics["dne_precision"] >= 0.90, report
    assert metrics["escalations"]["flagged"] == metrics["escalations"]["expected"] >= 15, report
    assert metrics["llm_calls_per_review"] == 0


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl", "holdout2.jsonl", "smoke.jsonl"])
async def test_every_set_refuses_every_spam_extortion_abuse_and_injection(registry, name):
    """No customer to answer: these four kinds are refused in every set, by the rules alone."""
    metrics = await evaluate_classification(load_cases(DATASETS / name), registry, None)
    recall = metrics["dne_recall_by_kind"]
    assert {k: recall[k] for k in MUST_REFUSE if k in recall} == {k: 1.0 for k in MUST_REFUSE if k in recall}, (
        format_classification_report(metrics)
    )
    assert metrics["escalations"]["flagged"] == metrics["escalations"]["expected"], format_classification_report(
        metrics
    )


def test_legal_and_stop_word_complaints_are_labelled_answered(registry):
    """The default playbook answers a complaint that mentions a court or the police (escalated); only businesses
    that chose to refuse them keep such labels."""
    for name in ("dev.jsonl", "holdout.jsonl", "holdout2.jsonl", "smoke.jsonl"):
        for case in load_cases(DATASETS / name):
            refused = registry.for_business(case["business"]).do_not_engage
            if case["dne_kind"] in ("legal_threat", "stop_word"):
                assert DoNotEngageKind(case["dne_kind"]) in refused, case["id"]


class AgreeingLLM:
    """Answers like a cautious model would; only the call count matters here."""

    calls = 0

    async def chat_json(self, template, messages, *, schema, review_id=None, max_tokens=300):
        AgreeingLLM.calls += 1
        return answer(topics=[], reason="unclear")


async def test_llm_is_asked_about_at_most_half_the_reviews(dev, registry):
    metrics = await evaluate_classification(dev, registry, AgreeingLLM())
    rules = await evaluate_classification(dev, registry, None)
    assert metrics["llm_calls_per_review"] <= 0.5
    assert AgreeingLLM.calls == round(metrics["llm_calls_per_review"] * metrics["n"])
    # a model that never refuses cannot undo what the rules refused
    assert metrics["dne_counts"]["tp"] >= rules["dne_counts"]["tp"]
    assert all(metrics["dne_recall_by_kind"][k] == 1.0 for k in MUST_REFUSE)


def test_report_lists_misses(registry):
    metrics = {
        "n": 2,
        "language_accuracy": 0.5,
        "action_accuracy": 0.5,
        "dne_precision": 1.0,
        "dne_recall": 0.0,
        "dne_kind_accuracy": 1.0,
        "dne_counts": {"tp": 0, "fp": 0, "fn": 1},
        "llm_calls_per_review": 0.0,
        "needs_human": 0,
        "methods": {"rules": 2},
        "per_language": {"ru": {"n": 2, "action_accuracy": 0.5, "language_accuracy": 0.5}},
        "misses": [
            {
                "id": "ru-9",
                "expected_actions": ["do_not_engage"],
                "action": "thank",
                "expected_language": "ru",
                "language": "uk",
                "expected_dne_kind": "spam",
                "dne_kind": None,
                "confidence": 0.3,
                "reasons": ["lang:uk:0.50"],
                "text": "купи",
            }
        ],
    }
    report = format_classification_report(metrics)
    assert "ru-9: action do_not_engage→thank" in report and "dne spam→None" in report and "recall   0.0%" in report
