"""Sendability: the share of drafts an agent could send unchanged or with light edits (issue 20).

Compliance and genericness say whether a draft breaks a rule or reads like a template; neither says whether a
person could put it in front of a customer. A draft is

- `send`: the guard passes it (a reply composed from the playbook counts: its marker is not a problem) and it
  names something of the review (specificity: a content lemma of the review, or a quote of it);
- `light_edits`: only light issues (a cliché, a little too long or short, close to a recent reply) or it names
  nothing specific — a sentence to change, not a reply to write;
- `rewrite`: empty, not a reply at all (`fluency.UNUSABLE`: word salad, loops, wrong language, another
  review's reply, placeholders), answering nothing the review says (`not_about_review`: the reply may be another
  review's) or breaking the playbook (remedies, contacts, leaked instructions).

`sendable` = send + light_edits, per language and overall. `measure` drafts each case with the real
`draft_reply` (model + fallback composer), so the eval measures the product; `python -m
assistant.evaluation.sendability` prints the figures for the embedded default and a scripted good model.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.domain.drafting.composer import COMPOSED
from assistant.domain.drafting.fluency import UNUSABLE
from assistant.domain.drafting.guard import check_draft
from assistant.domain.drafting.service import draft_reply
from assistant.evaluation.specificity import lemma_recall
from assistant.llm import LLM, build_llm
from assistant.llm.scripted import ScriptedCompleter
from assistant.playbooks import Action, load_playbook
from assistant.settings import PROJECT_ROOT, Settings

LIGHT = frozenset({"cliche", "too_long", "too_short", "too_similar", "needs_human", COMPOSED})
VERDICTS = ("send", "light_edits", "rewrite")


@dataclass(frozen=True)
class Judged:
    id: str
    language: str
    verdict: str
    codes: tuple[str, ...]
    composed: bool
    seconds: float
    text: str


def verdict(text: str, codes: Iterable[str], *, review: str, language: str) -> str:
    """send, light_edits or rewrite for one draft (see the module docstring)."""
    codes = set(codes)
    if not (text or "").strip() or codes & UNUSABLE or codes - LIGHT:
        return "rewrite"
    quoted = any(q in text for q in ("«", "„", "“"))
    specific = quoted or (lemma_recall(review, text, language).recall or 0) > 0
    return "send" if not (codes - {COMPOSED}) and specific else "light_edits"


def sendability(judged: Sequence[Judged]) -> dict[str, Any]:
    """Shares per language and overall: sendable (send + light edits), send, composed, and the verdict counts."""

    def summary(rows: Sequence[Judged]) -> dict[str, Any]:
        counts = Counter(r.verdict for r in rows)
        n = len(rows) or 1
        return {
            "drafts": len(rows),
            "sendable": round((counts["send"] + counts["light_edits"]) / n, 3),
            "send": round(counts["send"] / n, 3),
            "composed": round(sum(r.composed for r in rows) / n, 3),
            "max_seconds": round(max((r.seconds for r in rows), default=0.0), 2),
            "verdicts": {v: counts[v] for v in VERDICTS},
        }

    by_language: dict[str, list[Judged]] = defaultdict(list)
    for row in judged:
        by_language[row.language].append(row)
    return {"overall": summary(judged), "per_language": {k: summary(v) for k, v in sorted(by_language.items())}}


def load_reviews(path: Path) -> list[dict[str, Any]]:
    """Unique reviews of a drafts dataset (`eval/datasets/good_drafts.jsonl`): id, language, rating, action, topics."""
    seen: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            seen.setdefault(row["review"], row)
    return list(seen.values())


async def measure(cases: Sequence[dict[str, Any]], *, llm: Any, playbook: Any) -> list[Judged]:
    """Each case drafted by `draft_reply` (the model, and the composer when the model's draft is no reply)."""
    judged: list[Judged] = []
    recent: list[str] = []
    for case in cases:
        started = time.monotonic()
        outcome = await draft_reply(
            review_text=case["review"],
            rating=case.get("rating"),
            platform=None,
            language=case["language"],
            action=Action(case["action"]),
            topics=list(case.get("topics") or []),
            playbook=playbook,
            llm=llm,
            recent_replies=recent[-5:],
        )
        seconds = time.monotonic() - started
        codes = tuple(outcome.guard.codes)
        judged.append(
            Judged(
                case.get("id", ""),
                case["language"],
                verdict(outcome.text, codes, review=case["review"], language=case["language"]),
                codes,
                outcome.composed,
                round(seconds, 2),
                outcome.text,
            )
        )
        recent.append(outcome.text)
    return judged


def judge_dataset(path: Path, playbook: Any) -> list[Judged]:
    """Verdicts for a dataset of ready drafts (`junk_drafts.jsonl`, `good_drafts.jsonl`) through the guard."""
    judged = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        result = check_draft(
            row["draft"],
            review_text=row["review"],
            language=row["language"],
            action=Action(row["action"]),
            playbook=playbook,
        )
        judged.append(
            Judged(
                row["id"],
                row["language"],
                verdict(row["draft"], result.codes, review=row["review"], language=row["language"]),
                tuple(result.codes),
                False,
                0.0,
                row["draft"],
            )
        )
    return judged


async def _main(argv: Sequence[str]) -> None:
    datasets = PROJECT_ROOT / "eval" / "datasets"
    playbook = load_playbook(PROJECT_ROOT / "playbooks" / "default.yaml")
    reviews = load_reviews(datasets / "good_drafts.jsonl")
    report: dict[str, Any] = {
        "junk_drafts": sendability(judge_dataset(datasets / "junk_drafts.jsonl", playbook)),
        "good_drafts": sendability(judge_dataset(datasets / "good_drafts.jsonl", playbook)),
    }
    good: dict[str, str] = {}
    for line in (datasets / "good_drafts.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        good.setdefault(row["review"], row["draft"])
    llm = LLM(ScriptedCompleter(lambda body: _good_answer(body, good)), "scripted-good", max_attempts=1)
    report["scripted_good_model"] = sendability(await measure(reviews, llm=llm, playbook=playbook))
    if "--embedded" in argv:
        llm = build_llm(Settings(llm_base_url=None))
        judged = await measure(reviews, llm=llm, playbook=playbook)
        report["embedded_default"] = sendability(judged)
        if "--verbose" in argv:
            report["embedded_cases"] = [asdict(j) for j in judged]
    if "--json" in argv:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(report))


def render(report: dict[str, Any]) -> str:
    """One line per set and language: sendable, send unchanged, composed, slowest draft."""
    lines = [f"{'set':<22}{'lang':<6}{'drafts':>7}{'sendable':>10}{'send':>7}{'composed':>10}{'max s':>8}"]
    for name, value in report.items():
        if not isinstance(value, dict) or "overall" not in value:
            continue
        for lang, row in [("all", value["overall"]), *value["per_language"].items()]:
            lines.append(
                f"{name:<22}{lang:<6}{row['drafts']:>7}{row['sendable']:>10.0%}{row['send']:>7.0%}"
                f"{row['composed']:>10.0%}{row['max_seconds']:>8.1f}"
            )
    return "\n".join(lines)


def _good_answer(body: dict[str, Any], good: dict[str, str]) -> str:
    """The scripted good model: the reply a person wrote for the review inside the prompt's fence."""
    user = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    return next((draft for review, draft in good.items() if review in user), "")


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
