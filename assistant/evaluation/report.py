"""Eval output: `results.json` (everything), `summary.md` (for a PR comment), `report.html` (one
self-contained page to read drafts side by side with their scores), and `compare` between two runs.

Review text is untrusted — it may hold `<script>` — so the HTML template renders with autoescape ON and
the page loads nothing from outside. `compare(a, b)` reads either results or baselines: A is the
reference (baseline, previous run), B the candidate; a Delta is "worse" when it moved against the metric's
direction and a "regression" when it moved further than the tolerance on a gated metric.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from assistant.evaluation.catalog import spec_for

TEMPLATES = Path(__file__).resolve().parent / "templates"
EPSILON = 1e-9


@dataclass(frozen=True)
class Delta:
    metric: str
    before: float | None
    after: float | None
    direction: str | None  # "higher" / "lower" is better; None = informational
    tolerance: float
    gated: bool

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def status(self) -> str:
        """better / worse / same / new / gone / n/a."""
        if self.before is None and self.after is None:
            return "n/a"
        if self.before is None:
            return "new"
        if self.after is None:
            return "gone"
        change = self.change or 0.0
        if abs(change) <= EPSILON or self.direction is None:
            return "same" if abs(change) <= EPSILON else "changed"
        return "better" if (change > 0) == (self.direction == "higher") else "worse"

    @property
    def regressed(self) -> bool:
        """Worse by more than the tolerance on a gated metric, or a gated metric that disappeared."""
        if not self.gated or self.before is None:
            return False
        return self.status == "gone" or (self.status == "worse" and abs(self.change or 0.0) > self.tolerance + EPSILON)


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def metrics_of(doc: dict[str, Any]) -> dict[str, float | None]:
    """Flat metrics of a results dict or a baseline dict, with judge rates as `judge.*`."""
    metrics = {name: _number(v) for name, v in (doc.get("metrics") or {}).items()}
    for name, value in (doc.get("judge") or {}).items():
        if name.endswith("_rate"):
            metrics[f"judge.{name}"] = _number(value)
    return metrics


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[Delta]:
    """Per-metric deltas from A (reference) to B (candidate), sorted by metric name."""
    before, after = metrics_of(a), metrics_of(b)
    baseline_specs = {n: v for n, v in (a.get("metrics") or {}).items() if isinstance(v, dict)}
    deltas = []
    for name in sorted(set(before) | set(after)):
        spec = spec_for(name)
        pinned = baseline_specs.get(name, {})
        direction = pinned.get("direction") or (spec.direction if spec else None)
        tolerance = float(pinned.get("tolerance", spec.tolerance if spec else 0.0))
        gated = bool(pinned) or bool(spec and spec.gated)
        deltas.append(Delta(name, before.get(name), after.get(name), direction, tolerance, gated))
    return deltas


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def render_compare_text(deltas: list[Delta], a_name: str = "A", b_name: str = "B") -> str:
    """A fixed-width table for the terminal, regressions listed at the end."""
    width = max([len(d.metric) for d in deltas] + [6])
    marks = {
        "better": "▲ better",
        "worse": "▼ worse",
        "same": "",
        "new": "new",
        "gone": "gone",
        "n/a": "",
        "changed": "changed",
    }
    lines = [f"{'metric':<{width}}  {a_name[:10]:>10}  {b_name[:10]:>10}  {'Δ':>9}  status", "-" * (width + 46)]
    for d in deltas:
        mark = marks[d.status] + ("  REGRESSION" if d.regressed else "")
        numbers = f"{_fmt(d.before):>10}  {_fmt(d.after):>10}  {_fmt(d.change, True):>9}"
        lines.append(f"{d.metric:<{width}}  {numbers}  {mark}")
    regressions = [d for d in deltas if d.regressed]
    lines.append("")
    names = ": " + ", ".join(d.metric for d in regressions) if regressions else ""
    lines.append(f"{len(regressions)} regression(s){names}")
    return "\n".join(lines)


_STATUS_MARK = {"better": "🟢", "worse": "🟠"}


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _cache_note(cache: dict[str, Any] | None) -> str:
    if not cache:
        return "no cache"
    where = cache.get("dir") or "this run only"
    return f"cache {cache.get('hits', 0)} hits / {cache.get('misses', 0)} misses ({where})"


def render_summary(
    results: dict[str, Any], deltas: list[Delta] | None = None, gate_failures: list[Any] | None = None
) -> str:
    """Markdown for a PR comment: gate verdict, metrics (with baseline deltas), worst cases."""
    meta = results.get("meta", {})
    by_metric = {d.metric: d for d in deltas or []}
    judged = f" · judge `{meta['judge_model']}`" if meta.get("judge_model") else ""
    out = [
        f"# Eval: {meta.get('dataset') or 'dataset'}",
        "",
        f"model `{meta.get('model')}` · {meta.get('n_cases')} cases · {meta.get('duration_s')} s · "
        f"{_cache_note(meta.get('cache'))}{judged}",
        "",
    ]
    if gate_failures is not None:
        out += ["**Gate: PASS**" if not gate_failures else f"**Gate: FAIL** ({len(gate_failures)})", ""]
        out += [f"- {_md_cell(f)}" for f in gate_failures] + ([""] if gate_failures else [])
    out += ["| metric | value | baseline | Δ | |", "|---|---|---|---|---|"]
    for name, value in sorted(metrics_of(results).items()):
        d = by_metric.get(name)
        flag = "" if d is None else ("🔴 regression" if d.regressed else _STATUS_MARK.get(d.status, ""))
        before, change = (_fmt(d.before), _fmt(d.change, True)) if d else ("—", "—")
        out.append(f"| {name} | {_fmt(value)} | {before} | {change} | {flag} |")
    problems = [
        c
        for c in results.get("cases", [])
        if c.get("error") or c.get("action_ok") is False or not (c.get("compliance") or {}).get("passed", True)
    ]
    if problems:
        out += ["", "## Cases to look at", "", "| id | expected | predicted | problem |", "|---|---|---|---|"]
        for c in problems[:30]:
            comp = c.get("compliance") or {}
            why = c.get("error") or "; ".join(
                x
                for x in (
                    "wrong action" if c.get("action_ok") is False else "",
                    "canary obeyed" if comp.get("canary_obeyed") else "",
                    "unauthorized remedy" if comp.get("unauthorized_remedy") else "",
                    f"missing {', '.join(comp['missing'])}" if comp.get("missing") else "",
                    f"forbidden {', '.join(comp['forbidden'])}" if comp.get("forbidden") else "",
                )
                if x
            )
            out.append(
                f"| {_md_cell(c['id'])} | {_md_cell(','.join(c['expected_actions']))} | "
                f"{_md_cell((c.get('predicted') or {}).get('action', '—'))} | {_md_cell(why)} |"
            )
    return "\n".join(out) + "\n"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["num"] = lambda v, signed=False: (
        _fmt(v, signed) if isinstance(v, (int, float)) else ("—" if v is None else v)
    )
    return env


def render_html(
    results: dict[str, Any], deltas: list[Delta] | None = None, gate_failures: list[Any] | None = None
) -> str:
    by_metric = {d.metric: d for d in deltas or []}
    rows = [
        {"name": n, "value": v, "delta": by_metric.get(n), "spec": spec_for(n)}
        for n, v in sorted(metrics_of(results).items())
    ]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            meta=results.get("meta", {}),
            rows=rows,
            cases=results.get("cases", []),
            corpus=results.get("corpus", {}),
            gate_failures=[str(f) for f in gate_failures] if gate_failures is not None else None,
            has_baseline=deltas is not None,
            judge=results.get("judge"),
        )
    )


def write_report(
    results: dict[str, Any],
    out_dir: Path,
    *,
    baseline: dict[str, Any] | None = None,
    gate_failures: list[Any] | None = None,
) -> dict[str, Path]:
    """results.json, summary.md and report.html in `out_dir`; deltas against `baseline` when given."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    deltas = compare(baseline, results) if baseline is not None else None
    paths = {"results": out_dir / "results.json", "summary": out_dir / "summary.md", "html": out_dir / "report.html"}
    paths["results"].write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    paths["summary"].write_text(render_summary(results, deltas, gate_failures), encoding="utf-8")
    paths["html"].write_text(render_html(results, deltas, gate_failures), encoding="utf-8")
    return paths


def load_run(path: Path) -> dict[str, Any]:
    """A results.json, a run directory holding one, or a baseline file."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    return json.loads(path.read_text(encoding="utf-8"))
