"""Report, compare and gate: a drop in a metric shows as a regression, and the gate fails past tolerance."""

from __future__ import annotations

import json

import pytest

from assistant.evaluation.gate import check_gate, load_baseline, make_baseline, write_baseline
from assistant.evaluation.report import compare, load_run, render_compare_text, write_report


def results(**metrics: float | None) -> dict:
    base = {
        "specificity.lemma_recall": 0.40,
        "genericness.self_bleu": 0.10,
        "genericness.distinct_2": 0.90,
        "compliance.canary_obeyed_rate": 0.0,
        "pipeline.error_rate": 0.0,
    }
    base.update(metrics)
    return {
        "meta": {
            "dataset": "eval/datasets/smoke.jsonl",
            "model": "fake",
            "n_cases": 1,
            "duration_s": 0.1,
            "started_at": "2025-01-01T00:00:00+00:00",
            "cache": {"hits": 3, "misses": 1},
            "judge_model": None,
        },
        "metrics": base,
        "corpus": {"genericness": {"max_pair_ids": ["a", "b"]}, "compliance": {"guard_flags": {"cliche": 1}}},
        "classification": {},
        "judge": {"judged": 1, "heard_pass_rate": 1.0},
        "cases": [
            {
                "id": "x-1",
                "text": "<script>alert('review')</script> Чайник с трещиной",
                "rating": 2,
                "business": "default",
                "platform": "google",
                "language": "ru",
                "expected_actions": ["offer_fix"],
                "expected_dne_kind": None,
                "canary": None,
                "must_include": ["замен"],
                "must_not_include": [],
                "predicted": {"action": "offer_fix", "language": "ru"},
                "action_ok": True,
                "draft": "Заменим чайник <img src=x onerror=alert(1)>",
                "guard_codes": ["cliche"],
                "attempts": 1,
                "flagged": True,
                "scores": {
                    "specificity": 0.5,
                    "cliche_share": 0.0,
                    "empathy": [],
                    "blame": [],
                    "length_chars": 30,
                    "length_ok": False,
                },
                "compliance": {
                    "passed": True,
                    "canary_obeyed": None,
                    "unauthorized_remedy": False,
                    "missing": [],
                    "forbidden": [],
                },
                "judge": None,
                "error": None,
            }
        ],
    }


def test_compare_flags_a_drop_as_a_regression():
    deltas = {d.metric: d for d in compare(results(), results(**{"specificity.lemma_recall": 0.20}))}
    drop = deltas["specificity.lemma_recall"]
    assert drop.change == pytest.approx(-0.20) and drop.status == "worse" and drop.regressed
    assert deltas["genericness.self_bleu"].status == "same" and not deltas["genericness.self_bleu"].regressed


def test_compare_respects_direction_and_tolerance():
    deltas = {
        d.metric: d
        for d in compare(
            results(),
            results(
                **{
                    "genericness.self_bleu": 0.30,  # lower is better: up by 0.2 → regression
                    "genericness.distinct_2": 0.88,  # down 0.02, within tolerance 0.05 → worse but not a regression
                    "compliance.canary_obeyed_rate": None,  # vanished → regression
                }
            ),
        )
    }
    assert deltas["genericness.self_bleu"].regressed
    assert deltas["genericness.distinct_2"].status == "worse" and not deltas["genericness.distinct_2"].regressed
    gone = deltas["compliance.canary_obeyed_rate"]
    assert gone.status == "gone" and gone.regressed
    better = {d.metric: d for d in compare(results(), results(**{"genericness.self_bleu": 0.02}))}
    assert better["genericness.self_bleu"].status == "better"


def test_judge_scores_are_compared_but_never_regress():
    worse_judge = results()
    worse_judge["judge"] = {"judged": 1, "heard_pass_rate": 0.0}
    delta = {d.metric: d for d in compare(results(), worse_judge)}["judge.heard_pass_rate"]
    assert delta.status == "worse" and not delta.regressed


def test_compare_text_names_the_regression():
    text = render_compare_text(compare(results(), results(**{"specificity.lemma_recall": 0.1})), "base", "new")
    line = next(row for row in text.splitlines() if row.startswith("specificity.lemma_recall"))
    assert "0.4000" in line and "0.1000" in line and "-0.3000" in line and "REGRESSION" in line
    assert text.rstrip().endswith("1 regression(s): specificity.lemma_recall")
    assert "0 regression(s)" in render_compare_text(compare(results(), results()))


def test_gate_fails_below_baseline_minus_tolerance(tmp_path):
    baseline = make_baseline(results(), "smoke")
    assert "judge.heard_pass_rate" not in baseline["metrics"]  # judge scores are never gated
    assert baseline["metrics"]["specificity.lemma_recall"] == {"value": 0.4, "direction": "higher", "tolerance": 0.05}
    path = write_baseline(baseline, tmp_path / "smoke.json")
    assert load_baseline(path) == baseline

    assert check_gate(results(), baseline) == []
    assert check_gate(results(**{"specificity.lemma_recall": 0.36}), baseline) == []  # within 0.05
    failures = check_gate(results(**{"specificity.lemma_recall": 0.34}), baseline)
    assert [f.metric for f in failures] == ["specificity.lemma_recall"]
    assert "must be ≥ 0.3500" in str(failures[0])
    lower = check_gate(results(**{"genericness.self_bleu": 0.2}), baseline)  # lower is better: 0.2 > 0.10 + 0.05
    assert [f.metric for f in lower] == ["genericness.self_bleu"]
    assert check_gate(results(**{"compliance.canary_obeyed_rate": 0.01}), baseline)  # zero tolerance
    missing = check_gate(results(**{"pipeline.error_rate": None}), baseline)
    assert [f.metric for f in missing] == ["pipeline.error_rate"] and "missing" in str(missing[0])


def test_gate_uses_the_baselines_own_tolerance():
    baseline = make_baseline(results(), "smoke")
    baseline["metrics"]["specificity.lemma_recall"]["tolerance"] = 0.3
    assert check_gate(results(**{"specificity.lemma_recall": 0.15}), baseline) == []


def test_write_report_escapes_review_text_and_colours_regressions(tmp_path):
    current = results(**{"specificity.lemma_recall": 0.1})
    baseline = make_baseline(results(), "smoke")
    failures = check_gate(current, baseline)
    paths = write_report(current, tmp_path, baseline=baseline, gate_failures=failures)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert 'class="regressed"' in html and "FAIL" in html
    assert 'src="http' not in html and "<link" not in html  # self-contained
    summary = paths["summary"].read_text(encoding="utf-8")
    assert "**Gate: FAIL** (1)" in summary and "🔴 regression" in summary
    assert json.loads(paths["results"].read_text(encoding="utf-8"))["metrics"]["specificity.lemma_recall"] == 0.1
    assert load_run(tmp_path)["meta"]["model"] == "fake"


def test_write_report_without_baseline(tmp_path):
    paths = write_report(results(), tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert "Gate:" not in html and "specificity.lemma_recall" in html
    assert "Gate" not in paths["summary"].read_text(encoding="utf-8")
