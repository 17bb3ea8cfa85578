"""The regression gate: deterministic metrics must not fall behind the committed baseline.

A baseline (`eval/baseline/<name>.json`) is written from a run the team accepted (`assistant eval baseline`)
and committed. Each metric carries its value, direction and absolute tolerance, so a baseline can loosen
one noisy metric without touching code. `check_gate` returns the failures; empty means pass.
Judge scores are never in a baseline: reported, not gated.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.evaluation.catalog import spec_for


@dataclass(frozen=True)
class GateFailure:
    metric: str
    baseline: float | None
    actual: float | None
    tolerance: float
    direction: str

    def __str__(self) -> str:
        if self.actual is None:
            return f"{self.metric}: missing from the results (baseline {self.baseline:.4f})"
        sign = "≥" if self.direction == "higher" else "≤"
        bound = self.baseline - self.tolerance if self.direction == "higher" else self.baseline + self.tolerance
        return (
            f"{self.metric}: {self.actual:.4f}, must be {sign} {bound:.4f} "
            f"(baseline {self.baseline:.4f} ± {self.tolerance:g}, {self.direction} is better)"
        )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_gate(results: dict[str, Any], baseline: dict[str, Any]) -> list[GateFailure]:
    """Every baseline metric whose result moved the wrong way by more than its tolerance (or vanished)."""
    actual_metrics = results.get("metrics", {})
    failures = []
    for name, entry in sorted(baseline.get("metrics", {}).items()):
        expected = _number(entry.get("value"))
        if expected is None:
            continue  # not measurable on the baseline run: nothing to hold the line on
        direction, tolerance = entry.get("direction", "higher"), float(entry.get("tolerance", 0.0))
        actual = _number(actual_metrics.get(name))
        worse = actual is None or (
            actual < expected - tolerance - 1e-6 if direction == "higher" else actual > expected + tolerance + 1e-6
        )
        if worse:
            failures.append(GateFailure(name, expected, actual, tolerance, direction))
    return failures


def make_baseline(results: dict[str, Any], name: str) -> dict[str, Any]:
    """A baseline from an accepted run: every gated metric with a value, with the catalog's defaults."""
    metrics = {}
    for metric, value in sorted(results.get("metrics", {}).items()):
        spec = spec_for(metric)
        if spec and spec.gated and _number(value) is not None:
            metrics[metric] = {
                "value": round(float(value), 6),
                "direction": spec.direction,
                "tolerance": spec.tolerance,
            }
    meta = results.get("meta", {})
    return {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": meta.get("dataset"),
        "model": meta.get("model"),
        "n_cases": meta.get("n_cases"),
        "metrics": metrics,
    }


def load_baseline(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_baseline(baseline: dict[str, Any], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def failures_as_dicts(failures: list[GateFailure]) -> list[dict[str, Any]]:
    return [{**asdict(f), "message": str(f)} for f in failures]
