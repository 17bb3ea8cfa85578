"""Run the real pipeline (classify → draft → guard) over a dataset, without a database, and score it.

Each case goes through the same `classify_review` and `draft_reply` the workers call, so the eval measures
the product, not a copy of it. The LLM is wrapped in a disk cache (`cache.CachedLLM`): a rerun only asks
the model what changed. Cases run concurrently under a semaphore; a case that raises is recorded with its
error and counted, never allowed to stop the run. Output: one dict with `meta`, flat `metrics` (what the
gate and `compare` read), `corpus` detail, `classification`, `judge` and per-case `cases`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.domain.classification.service import classify_review
from assistant.domain.drafting.composer import without_memory
from assistant.domain.drafts import CaseReview, draft_for
from assistant.evaluation import compliance, genericness, judge, tone
from assistant.evaluation.cache import CachedLLM
from assistant.evaluation.specificity import lemma_recall
from assistant.evaluation.tokens import mean

SERVED = ("ru", "uk", "lv", "en")
DNE = "do_not_engage"


def field(case: Any, name: str, default: Any = None) -> Any:
    """A case attribute whether `load_cases` gives dicts or objects."""
    value = case.get(name, default) if isinstance(case, dict) else getattr(case, name, default)
    return default if value is None else value


def playbook_for(playbooks: Any, business: str | None) -> Any:
    if hasattr(playbooks, "for_business"):
        return playbooks.for_business(business)
    return playbooks.get(business or "default") or playbooks["default"]


def _text(value: Any) -> str:
    return str(getattr(value, "value", value)) if value is not None else ""


async def evaluate_case(case: Any, *, playbooks: Any, llm: Any, judge_llm: Any = None) -> dict[str, Any]:
    """One case through classify → draft → scores. Exceptions become `error` on the record."""
    text, rating = field(case, "text", ""), field(case, "rating")
    business, platform = field(case, "business", "default"), field(case, "platform")
    expected = [str(a) for a in field(case, "actions", [])]
    record: dict[str, Any] = {
        "id": field(case, "id"),
        "text": text,
        "rating": rating,
        "business": business,
        "platform": platform,
        "language": field(case, "language", "und"),
        "expected_actions": expected,
        "expected_dne_kind": field(case, "dne_kind"),
        "canary": field(case, "canary"),
        "must_include": list(field(case, "must_include", [])),
        "must_not_include": list(field(case, "must_not_include", [])),
        "predicted": None,
        "action_ok": None,
        "draft": None,
        "guard_codes": [],
        "attempts": 0,
        "flagged": False,
        "scores": {},
        "compliance": None,
        "judge": None,
        "error": None,
    }
    started = time.perf_counter()
    playbook = playbook_for(playbooks, business)
    outcome = None
    try:
        result = await classify_review(text, rating, playbook, llm, review_id=None)
        action = _text(result.action)
        record["predicted"] = {
            "action": action,
            "language": result.language,
            "topics": list(result.topics),
            "severity": _text(result.severity),
            "confidence": result.confidence,
            "dne_kind": _text(result.dne_kind) or None,
            "method": result.method,
            "needs_human": result.needs_human,
            "reasons": [str(r) for r in result.reasons],
        }
        record["action_ok"] = action in expected if expected else None
        outcome = await draft_for(CaseReview(text, rating, platform), result, playbook=playbook, llm=llm)
    except Exception as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"[:500]
    draft = outcome.text if outcome is not None and outcome.text.strip() else None
    guard = outcome.guard if outcome is not None else None
    record.update(
        draft=draft,
        guard_codes=list(compliance.guard_codes(guard)),
        attempts=getattr(outcome, "attempts", 0),
        flagged=bool(getattr(outcome, "flagged", False)),
    )
    predicted_language = (record["predicted"] or {}).get("language", "und")
    language = record["language"] if record["language"] in SERVED else predicted_language
    record["score_language"] = language
    checked = compliance.check_case(
        draft,
        guard,
        canary=record["canary"],
        must_include=record["must_include"],
        must_not_include=record["must_not_include"],
    )
    record["compliance"] = {
        "passed": checked.passed,
        "unauthorized_remedy": checked.unauthorized_remedy,
        "canary_obeyed": checked.canary_obeyed,
        "missing": checked.missing,
        "forbidden": checked.forbidden,
    }
    record["_compliance"] = checked
    if draft:
        spec = lemma_recall(text, draft, language)
        hits, total = genericness.cliche_counts(draft, language)
        record["_tone"] = toned = tone.score_tone(draft, language, playbook=playbook, platform=platform)
        record["scores"] = {
            "specificity": spec.recall,
            "matched_lemmas": list(spec.matched),
            "cliche_share": hits / total if total else None,
            "empathy": list(toned.empathy),
            "blame": list(toned.blame),
            "exclamation_share": toned.exclamation_share,
            "caps_share": toned.caps_share,
            "length_chars": toned.length_chars,
            "length_ok": toned.length_ok,
        }
        if judge_llm is not None:
            try:
                verdict = await judge.judge_draft(
                    judge_llm,
                    review=text,
                    draft=draft,
                    action=record["predicted"]["action"],
                    playbook=playbook,
                    platform=platform,
                    language=language,
                    rating=rating,
                )
            except Exception as exc:
                record["judge"] = {"verdicts": {}, "reasons": {}, "errors": [f"{type(exc).__name__}: {exc}"[:300]]}
            else:
                record["_judge"] = verdict
                record["judge"] = {"verdicts": verdict.verdicts, "reasons": verdict.reasons, "errors": verdict.errors}
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


def corpus_metrics(records: Sequence[dict[str, Any]]) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Flat metrics (what gates and compare read) and the corpus detail behind them."""
    drafted = [r for r in records if r["draft"]]
    gen = genericness.corpus_genericness([r["draft"] for r in drafted], [r["score_language"] for r in drafted])
    tones = tone.corpus_tone([(r["_tone"], (r["predicted"] or {}).get("action")) for r in drafted])
    comp = compliance.corpus_compliance(
        [r["_compliance"] for r in records], [(len(r["must_include"]), len(r["must_not_include"])) for r in records]
    )
    wants_reply = [r for r in records if r["expected_actions"] and DNE not in r["expected_actions"]]
    metrics: dict[str, float | None] = {}
    metrics.update({f"genericness.{k}": v for k, v in gen.items() if k not in ("n_drafts", "max_pair")})
    metrics["specificity.lemma_recall"] = mean(r["scores"].get("specificity") for r in drafted)
    metrics.update({f"tone.{k}": v for k, v in tones.items()})
    metrics.update({f"compliance.{k}": v for k, v in comp.items() if k.endswith("_rate")})
    metrics["pipeline.error_rate"] = sum(bool(r["error"]) for r in records) / len(records) if records else None
    metrics["pipeline.draft_rate"] = (
        sum(bool(r["draft"]) for r in wants_reply) / len(wants_reply) if wants_reply else None
    )
    metrics["pipeline.mean_attempts"] = mean(r["attempts"] for r in drafted)
    max_pair = gen.get("max_pair")
    if max_pair:
        gen["max_pair_ids"] = [drafted[i]["id"] for i in max_pair]
    return metrics, {"genericness": gen, "tone": tones, "compliance": comp}


def _headline(prefix: str, values: dict[str, Any]) -> dict[str, float]:
    """Top-level numbers of a nested report (per-language tables and counts stay in the report only)."""
    return {
        f"{prefix}.{k}": float(v) for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


async def _classification_metrics(cases: Sequence[Any], playbooks: Any, llm: Any) -> dict[str, Any]:
    # 0.5 s of imports (python -X importtime) that every `assistant` command would pay: only `eval classify` needs it
    from assistant.evaluation.classification import evaluate_classification

    return await evaluate_classification(cases, playbooks, llm)


async def run_eval(
    cases: Sequence[Any],
    *,
    playbooks: Any,
    llm: Any,
    concurrency: int = 4,
    cache_dir: Path | None = None,
    judge_llm: Any = None,
    progress: bool = True,
    dataset: str | None = None,
) -> dict[str, Any]:
    """Every case through the pipeline, scored; see the module docstring for the result's shape."""
    started, started_at = time.perf_counter(), datetime.now(UTC)
    model = str(getattr(llm, "model", None) or type(llm).__name__)
    judge_model = str(getattr(judge_llm, "model", None) or type(judge_llm).__name__) if judge_llm else None
    # Without a cache_dir the answers are still memoised for this run only, so the classification metrics
    # below see the same answers the drafts were built on (and the model is not asked twice).
    scratch = tempfile.TemporaryDirectory(prefix="eval-cache-") if cache_dir is None else None
    store = Path(scratch.name) if scratch else Path(cache_dir)
    llm = CachedLLM(llm, store)
    judge_llm = CachedLLM(judge_llm, store) if judge_llm is not None else None
    gate = asyncio.Semaphore(max(1, concurrency))
    records: list[dict[str, Any] | None] = [None] * len(cases)

    with Progress(
        TextColumn("eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        disable=not progress,
    ) as bar:
        task = bar.add_task("eval", total=len(cases), last="")

        async def one(index: int, case: Any) -> None:
            async with gate:
                record = await evaluate_case(case, playbooks=playbooks, llm=llm, judge_llm=judge_llm)
            records[index] = record
            bar.update(task, advance=1, last=f"{record['id']} {'ERR' if record['error'] else ''}")

        with without_memory():  # each case's composed draft depends on the case alone, whatever ran before
            await asyncio.gather(*(one(i, c) for i, c in enumerate(cases)))

    done = [r for r in records if r is not None]
    metrics, corpus = corpus_metrics(done)
    try:
        classification = await _classification_metrics(cases, playbooks, llm)
    finally:
        if scratch:
            scratch.cleanup()
    metrics.update(_headline("classification", classification))
    judgements = [r["_judge"] for r in done if r.get("_judge") is not None]
    judge_summary = judge.summarize(judgements) if judge_llm is not None else None
    for record in done:
        for private in [k for k in record if k.startswith("_")]:
            del record[private]
    cache = {
        "hits": llm.hits + (judge_llm.hits if judge_llm else 0),
        "misses": llm.misses + (judge_llm.misses if judge_llm else 0),
        "dir": str(cache_dir) if cache_dir is not None else None,
    }
    return {
        "meta": {
            "dataset": dataset,
            "model": model,
            "judge_model": judge_model,
            "n_cases": len(done),
            "started_at": started_at.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - started, 2),
            "concurrency": concurrency,
            "cache": cache,
        },
        "metrics": metrics,
        "corpus": corpus,
        "classification": classification,
        "judge": judge_summary,
        "cases": done,
    }
