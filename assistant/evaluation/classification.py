"""Classification eval: how often language and action are right on a labelled set, and whether every review
that must not get a public reply is caught (do-not-engage recall is the number that protects the brand).

Why its own module: the product is judged on reviews it never saw, so the same metrics are run on the dev set
(tuned on) and on the holdout set (never tuned on); a gap between the two is overfitting made visible.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from assistant.domain.classification.rules import classify_rules
from assistant.domain.classification.service import ClassificationResult, classify_review
from assistant.playbooks import PlaybookRegistry

REQUIRED = ("id", "text", "rating", "business", "language", "actions", "dne_kind")


def load_cases(path: str | Path) -> list[dict]:
    """Read a JSONL dataset; a malformed line is an error naming the file and line, not a silent skip."""
    cases = []
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}:{number}: invalid JSON: {exc.msg}") from exc
        missing = [k for k in REQUIRED if k not in case]
        if missing:
            raise ValueError(f"{path.name}:{number}: missing keys {', '.join(missing)}")
        cases.append(case)
    return cases


async def _predict(case: dict, playbooks: PlaybookRegistry, llm: Any | None) -> ClassificationResult:
    playbook = playbooks.for_business(case.get("business"))
    if llm is None:
        v = classify_rules(case["text"], case["rating"], playbook)
        return ClassificationResult(v.action, v.language, v.topics, v.severity, v.fixable, v.confidence, v.reasons,
                                    v.dne_kind, "rules", 0, False)
    return await classify_review(case["text"], case["rating"], playbook, llm)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


async def evaluate_classification(cases: list[dict], playbooks: PlaybookRegistry, llm: Any | None) -> dict:
    """Metrics over `cases`; `llm=None` evaluates the rules alone."""
    lang_ok = action_ok = calls = needs_human = 0
    tp = fp = fn = kind_ok = 0
    per_language: dict[str, Counter] = defaultdict(Counter)
    methods: Counter = Counter()
    misses: list[dict] = []
    for case in cases:
        got = await _predict(case, playbooks, llm)
        want_dne = case["dne_kind"] is not None or case["actions"] == ["do_not_engage"]
        got_dne = got.action.value == "do_not_engage"
        lang_right = got.language == case["language"]
        action_right = got.action.value in case["actions"]
        kind_right = not want_dne or (got.dne_kind is not None and got.dne_kind.value == case["dne_kind"])
        lang_ok += lang_right
        action_ok += action_right
        tp += want_dne and got_dne
        fp += got_dne and not want_dne
        fn += want_dne and not got_dne
        kind_ok += want_dne and got_dne and kind_right
        calls += got.llm_calls
        needs_human += got.needs_human
        methods[got.method] += 1
        bucket = per_language[case["language"]]
        bucket["n"] += 1
        bucket["action_ok"] += action_right
        bucket["lang_ok"] += lang_right
        if not (lang_right and action_right and kind_right):
            misses.append({
                "id": case["id"], "expected_actions": case["actions"], "action": got.action.value,
                "expected_language": case["language"], "language": got.language,
                "expected_dne_kind": case["dne_kind"], "dne_kind": got.dne_kind.value if got.dne_kind else None,
                "confidence": got.confidence, "reasons": list(got.reasons), "text": (case["text"] or "")[:120],
            })
    n = len(cases)
    return {
        "n": n,
        "language_accuracy": _ratio(lang_ok, n),
        "action_accuracy": _ratio(action_ok, n),
        "dne_precision": _ratio(tp, tp + fp),
        "dne_recall": _ratio(tp, tp + fn),
        "dne_kind_accuracy": _ratio(kind_ok, tp),
        "dne_counts": {"tp": tp, "fp": fp, "fn": fn},
        "llm_calls_per_review": calls / n if n else 0.0,
        "needs_human": needs_human,
        "methods": dict(methods),
        "per_language": {lang: {"n": c["n"], "action_accuracy": _ratio(c["action_ok"], c["n"]),
                                "language_accuracy": _ratio(c["lang_ok"], c["n"])}
                         for lang, c in sorted(per_language.items())},
        "misses": misses,
    }


def format_classification_report(metrics: dict) -> str:
    """Plain-text report: headline metrics, a per-language table, then every miss with its reasons."""
    pct = lambda x: f"{100 * x:5.1f}%"  # noqa: E731
    counts = metrics["dne_counts"]
    lines = [
        f"Classification eval — {metrics['n']} reviews",
        f"  language accuracy      {pct(metrics['language_accuracy'])}",
        f"  action accuracy        {pct(metrics['action_accuracy'])}",
        f"  do-not-engage precision {pct(metrics['dne_precision'])}  recall {pct(metrics['dne_recall'])}"
        f"  (tp {counts['tp']}, fp {counts['fp']}, fn {counts['fn']})",
        f"  do-not-engage kind     {pct(metrics['dne_kind_accuracy'])}",
        f"  LLM calls per review   {metrics['llm_calls_per_review']:.2f}   needs human: {metrics['needs_human']}"
        f"   methods: {', '.join(f'{k}={v}' for k, v in sorted(metrics['methods'].items()))}",
        "",
        f"  {'lang':<5} {'n':>4} {'language':>9} {'action':>8}",
    ]
    for lang, row in metrics["per_language"].items():
        lines.append(f"  {lang:<5} {row['n']:>4} {pct(row['language_accuracy']):>9} {pct(row['action_accuracy']):>8}")
    if metrics["misses"]:
        lines += ["", f"Misses ({len(metrics['misses'])}):"]
        for m in metrics["misses"]:
            kind = f" dne {m['expected_dne_kind']}→{m['dne_kind']}" if m["expected_dne_kind"] or m["dne_kind"] else ""
            lines.append(f"  {m['id']}: action {'/'.join(m['expected_actions'])}→{m['action']}  "
                         f"lang {m['expected_language']}→{m['language']}{kind}  conf {m['confidence']}")
            lines.append(f"      {m['text']!r}")
            lines.append(f"      {' '.join(m['reasons'])}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m assistant.evaluation.classification eval/datasets/holdout.jsonl
    import asyncio
    import sys

    root = Path(__file__).resolve().parents[2]
    dataset = sys.argv[1] if len(sys.argv) > 1 else str(root / "eval" / "datasets" / "dev.jsonl")
    registry = PlaybookRegistry.from_directory(root / "playbooks")
    print(format_classification_report(asyncio.run(evaluate_classification(load_cases(dataset), registry, None))))
