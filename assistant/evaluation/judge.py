"""Optional LLM judge: a closed-choice rubric for what the heuristics can only approximate.

Five yes/no questions (feels heard? specific? solves? polite? only allowed remedies?) answered
PASS / FAIL / UNSURE with a short reason, as JSON through the product's LLM seam (`chat_json`). Asked
three times with the questions in a different order each time (order bias; also gives the disk cache three
distinct keys) and reduced by majority — no majority means UNSURE. Judge scores are reported, never
gated: a judge model drifts, a gate must not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import LLMError
from assistant.prompts import render

VERDICTS = ("PASS", "FAIL", "UNSURE")
RUBRIC: dict[str, str] = {
    "heard": "Does the draft make the customer feel heard, naming their actual experience before anything else?",
    "specific": "Is the draft specific to this review (its details), not a reply that would fit any review?",
    "solves": "Does the draft do what the action requires (thank for the specific thing / own the problem / "
    "offer the fix or discount and how to get it)?",
    "polite": "Is the draft polite and calm, without blaming the customer or a third party?",
    "allowed_remedies": "Does the draft promise only remedies from the allowed list (no other refunds, "
    "discounts above the cap, gifts or compensation)?",
}
PASSES = 3
TEMPLATE = "judge"


def schema(questions: Sequence[str] = tuple(RUBRIC)) -> dict[str, Any]:
    answer = {
        "type": "object",
        "required": ["verdict", "reason"],
        "properties": {"verdict": {"type": "string", "enum": list(VERDICTS)}, "reason": {"type": "string"}},
    }
    return {"type": "object", "required": list(questions), "properties": dict.fromkeys(questions, answer)}


@dataclass
class Judgement:
    verdicts: dict[str, str] = field(default_factory=dict)  # question → majority verdict
    reasons: dict[str, str] = field(default_factory=dict)  # question → a reason given for that verdict
    votes: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def describe_remedies(playbook: Any) -> str:
    remedies = getattr(playbook, "remedies", None) or []
    parts = []
    for r in remedies:
        kind = str(getattr(r.kind, "value", r.kind))
        cap = f" (max {r.max_percent}%)" if getattr(r, "max_percent", None) else ""
        parts.append(f"{kind}{cap}: {r.description}" if getattr(r, "description", "") else f"{kind}{cap}")
    return "; ".join(parts) or "none"


def messages_for(
    pass_no: int,
    *,
    review: str,
    draft: str,
    action: str,
    playbook: Any,
    platform: str | None,
    language: str,
    rating: int | None,
) -> list[dict[str, str]]:
    order = list(RUBRIC)
    shift = (pass_no - 1) % len(order)
    order = order[shift:] + order[:shift]
    user = render(
        "judge_user",
        action=action,
        remedies=describe_remedies(playbook),
        platform=platform or "unknown",
        language=language,
        rating=rating if rating is not None else "none",
        review=review,
        draft=draft,
        questions=[(q, RUBRIC[q]) for q in order],
        pass_no=pass_no,
    )
    return [{"role": "system", "content": render("judge_system")}, {"role": "user", "content": user}]


def majority(votes: Sequence[str]) -> str:
    if not votes:
        return "UNSURE"
    verdict, count = Counter(votes).most_common(1)[0]
    return verdict if count * 2 > len(votes) else "UNSURE"


async def judge_draft(
    llm: Any,
    *,
    review: str,
    draft: str,
    action: str,
    playbook: Any,
    platform: str | None,
    language: str,
    rating: int | None,
    passes: int = PASSES,
) -> Judgement:
    """Majority verdict per rubric question over `passes` independent asks."""
    out = Judgement(votes={q: [] for q in RUBRIC})
    reasons: dict[str, dict[str, str]] = {q: {} for q in RUBRIC}
    for pass_no in range(1, passes + 1):
        messages = messages_for(
            pass_no,
            review=review,
            draft=draft,
            action=action,
            playbook=playbook,
            platform=platform,
            language=language,
            rating=rating,
        )
        try:
            answer = await llm.chat_json(TEMPLATE, messages, schema=schema(), max_tokens=400)
        except LLMError as exc:
            out.errors.append(f"pass {pass_no}: {exc}")
            continue
        for q in RUBRIC:
            item = answer.get(q) or {}
            verdict = str(item.get("verdict", "UNSURE")).upper()
            verdict = verdict if verdict in VERDICTS else "UNSURE"
            out.votes[q].append(verdict)
            reasons[q].setdefault(verdict, str(item.get("reason", ""))[:200])
    for q in RUBRIC:
        out.verdicts[q] = majority(out.votes[q])
        out.reasons[q] = reasons[q].get(out.verdicts[q], "no majority" if out.votes[q] else "not judged")
    return out


def summarize(judgements: Sequence[Judgement]) -> dict[str, Any]:
    """Share of PASS / UNSURE per question over the judged drafts."""
    n = len(judgements)
    if not n:
        return {"judged": 0}
    summary: dict[str, Any] = {"judged": n, "errors": sum(bool(j.errors) for j in judgements)}
    for q in RUBRIC:
        summary[f"{q}_pass_rate"] = sum(j.verdicts.get(q) == "PASS" for j in judgements) / n
        summary[f"{q}_unsure_rate"] = sum(j.verdicts.get(q) == "UNSURE" for j in judgements) / n
    return summary
