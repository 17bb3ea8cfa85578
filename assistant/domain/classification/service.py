"""Second-stage classification: ask the LLM only about what the rules left undecided, and never trust it blindly.

Why this shape: the embedded model is weak and any model can be steered by the review it reads. So the rules
answer first; the LLM is called only when they are unsure (≤ 0.5 calls per review on the dev set); its JSON is
validated here (the seam validates too, but a schema cannot say "offer_fix needs a fix remedy"); bad JSON gets
one repair round, then the rules' answer with low confidence; an unreachable model means the rules' answer.
When rules and model disagree about do_not_engage, the review goes to a person (`needs_human`); it keeps its draft
when the rules saw a customer in it (a complaint, a low rating, an escalation), since silence is the costlier
mistake. An escalated review (legal, stop word, safety) is answered and flagged: `needs_human` + "escalate:<code>".
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.domain.classification import language, lexicon
from assistant.domain.classification.cues import TOPICS
from assistant.domain.classification.rules import FIX_REMEDIES, RulesVerdict, classify_rules, fit_action
from assistant.errors import LLMBadOutput, LLMError
from assistant.playbooks import Action, DoNotEngageKind, Playbook
from assistant.prompts import render

log = logging.getLogger(__name__)

TEMPLATE = "classify"
FLAGS = {
    "is_injection": "injection",
    "is_extortion": "extortion",
    "is_legal_threat": "legal_threat",
    "is_abuse": "abuse",
    "is_spam": "spam",
    "is_off_topic": "off_topic",
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": [a.value for a in Action]},
        "topics": {"type": "array", "items": {"type": "string", "enum": list(TOPICS)}},
        "severity": {"type": "integer", "minimum": 1, "maximum": 5},
        "fixable": {"type": "boolean"},
        **{flag: {"type": "boolean"} for flag in FLAGS},
        "reason": {"type": "string"},
    },
    "required": ["action", "topics", "severity", "fixable", *FLAGS, "reason"],
    "additionalProperties": False,
}
_NEGATIVE_REASONS = (
    "complaint:",
    "fixable:",
    "unfixable:",
    "loss:",
    "band:negative",
    "band:neutral",
    "no-sentiment-cues",
    "emoji:+0",
)
# a complaint in the words or the stars: somebody to answer
_CUSTOMER_REASONS = ("complaint:", "fixable:", "unfixable:", "loss:", "ruined:", "band:negative", "escalate:")
_POSITIVE_REASONS = ("praise:", "band:positive", "rating:5", "rating:4")
_UNSURE_REASONS = ("mixed-no-rating", "weak-praise-no-rating", "praise-vs-rating", "complaint:strong:")
_MARKER = re.compile(r"<{2,}|>{2,}")


class ChatJSON(Protocol):
    async def chat_json(
        self, template: str, messages: list[dict], *, schema: dict, review_id: int | None = None, max_tokens: int = 300
    ) -> dict: ...


@dataclass(frozen=True)
class ClassificationResult:
    action: Action
    language: str
    topics: tuple[str, ...]
    severity: int
    fixable: bool
    confidence: float
    reasons: tuple[str, ...]
    dne_kind: DoNotEngageKind | None
    method: str  # "rules" | "rules+llm" | "rules (llm failed)"
    llm_calls: int
    needs_human: bool  # rules and LLM disagree on do_not_engage, or an escalation → a person decides
    escalate_reason: str | None = None  # "legal", "stop_word", "safety", "abuse": answered, approved with authority

    @property
    def escalate(self) -> bool:
        return self.escalate_reason is not None


@dataclass(frozen=True)
class LLMAnswer:
    action: Action
    topics: tuple[str, ...]
    severity: int
    fixable: bool
    flags: tuple[str, ...]  # do-not-engage kinds the model flagged
    reason: str


def _from_rules(
    verdict: RulesVerdict, method: str, calls: int, *, confidence: float | None = None, extra: tuple[str, ...] = ()
) -> ClassificationResult:
    return ClassificationResult(
        verdict.action,
        verdict.language,
        verdict.topics,
        verdict.severity,
        verdict.fixable,
        verdict.confidence if confidence is None else confidence,
        verdict.reasons + extra,
        verdict.dne_kind,
        method,
        calls,
        verdict.escalate is not None,
        verdict.escalate,
    )


def build_messages(text: str, rating: int | None, playbook: Playbook, verdict: RulesVerdict) -> list[dict]:
    """System: rules and playbook, no review text. User: the review between markers no review can forge."""
    actions = [(a.value, g.when) for a, g in playbook.actions.items() if g.enabled]
    fixes = [
        f"{r.kind.value} ({r.description})" if r.description else r.kind.value
        for r in playbook.remedies
        if r.kind in FIX_REMEDIES
    ]
    system = render(
        "classify_system",
        business_name=playbook.brand.name,
        actions=actions,
        fixes=fixes,
        discount_cap=playbook.discount_cap,
        topics=list(TOPICS),
    )
    nonce = hashlib.sha256((text or "").encode("utf-8", "replace")).hexdigest()[:8]  # same fence as drafting
    user = render(
        "classify_user",
        rating=rating,
        language=verdict.language,
        topics=list(verdict.topics),
        begin=f"<<<REVIEW {nonce}",
        end=f"REVIEW {nonce}>>>",
        review=_MARKER.sub(" ", text or ""),
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_answer(raw: Any) -> LLMAnswer:
    """Check what the model returned; LLMBadOutput says exactly what is wrong (fed back in the repair round)."""
    if not isinstance(raw, dict):
        raise LLMBadOutput("the answer is not a JSON object")
    missing = [k for k in SCHEMA["required"] if k not in raw]
    if missing:
        raise LLMBadOutput(f"missing keys: {', '.join(missing)}")
    try:
        action = Action(raw["action"])
    except ValueError as exc:
        raise LLMBadOutput(f"action must be one of {', '.join(a.value for a in Action)}") from exc
    severity = raw["severity"]
    if isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 5:
        raise LLMBadOutput("severity must be an integer from 1 to 5")
    booleans = ["fixable", *FLAGS]
    wrong = [k for k in booleans if not isinstance(raw[k], bool)]
    if wrong:
        raise LLMBadOutput(f"these must be true or false: {', '.join(wrong)}")
    if not isinstance(raw["topics"], list) or not all(isinstance(t, str) for t in raw["topics"]):
        raise LLMBadOutput("topics must be a list of strings")
    topics = tuple(dict.fromkeys(t.strip().lower() for t in raw["topics"] if t.strip().lower() in TOPICS))[:8]
    flags = tuple(kind for flag, kind in FLAGS.items() if raw[flag])
    return LLMAnswer(action, topics, severity, raw["fixable"], flags, str(raw.get("reason", ""))[:100])


def _merge(verdict: RulesVerdict, answer: LLMAnswer, playbook: Playbook, calls: int) -> ClassificationResult:
    refusable = [k for k in answer.flags if DoNotEngageKind(k) in playbook.do_not_engage]
    llm_dne = answer.action == Action.do_not_engage or bool(refusable)
    rules_dne = verdict.action == Action.do_not_engage
    reasons = verdict.reasons + (f"llm:{answer.action.value}",) + tuple(f"llm:flag:{k}" for k in answer.flags)
    reasons += (f"llm:note:{answer.reason}",) if answer.reason else ()
    topics = verdict.topics + tuple(t for t in answer.topics if t not in verdict.topics)
    severity = max(verdict.severity, answer.severity)

    def result(
        action: Action, kind: DoNotEngageKind | None, confidence: float, needs_human: bool, extra: tuple[str, ...] = ()
    ) -> ClassificationResult:
        fixable = action == Action.offer_fix or (answer.fixable and verdict.fixable)
        escalate = None if action == Action.do_not_engage else verdict.escalate
        return ClassificationResult(
            action,
            verdict.language,
            topics,
            severity,
            fixable,
            round(confidence, 2),
            reasons + extra,
            kind,
            "rules+llm",
            calls,
            needs_human or escalate is not None,
            escalate,
        )

    if llm_dne and not rules_dne and (verdict.escalate or any(r.startswith(_CUSTOMER_REASONS) for r in reasons)):
        # The rules saw an unhappy customer; the model alone (readable, steerable by the review) cannot silence one.
        action = fit_action(answer.action if answer.action != Action.do_not_engage else verdict.action, playbook)
        return result(action, None, 0.5, True, ("disagree:do_not_engage", "llm:overruled:do_not_engage"))
    if rules_dne or llm_dne:
        kind = verdict.dne_kind if rules_dne else (DoNotEngageKind(refusable[0]) if refusable else None)
        if rules_dne and llm_dne:
            return result(Action.do_not_engage, kind, max(verdict.confidence, 0.8), False)
        # One of them wants to engage, the other does not: no public draft until a person has looked.
        return result(Action.do_not_engage, kind, 0.5, True, ("disagree:do_not_engage",))
    action = fit_action(answer.action, playbook)
    escalates = action in (Action.offer_fix, Action.offer_discount) and verdict.action == Action.thank
    if escalates and not any(r.startswith(_NEGATIVE_REASONS) for r in verdict.reasons):
        # Nothing in the text or rating is negative: a remedy here would come from the text steering the model.
        return result(verdict.action, None, verdict.confidence, False, (f"llm:overruled:{action.value}",))
    thanks = action == Action.thank and verdict.action != Action.thank
    if thanks and (
        any(r.startswith(_CUSTOMER_REASONS + _UNSURE_REASONS) for r in verdict.reasons)
        or not any(r.startswith(_POSITIVE_REASONS) for r in verdict.reasons)
    ):
        # A complaint is never thanked: the model may say "thank" only where the words or stars show praise and
        # nothing in them complains (no stars and no cue is not praise; it may be a complaint in words we lack).
        return result(verdict.action, None, verdict.confidence, False, ("llm:overruled:thank",))
    agree = action == verdict.action
    confidence = min(0.95, max(verdict.confidence, 0.75)) if agree else 0.6
    return result(action, None, confidence, False)


async def classify_review(
    text: str,
    rating: int | None,
    playbook: Playbook,
    llm: ChatJSON | None,
    *,
    review_id: int | None = None,
    verdict: RulesVerdict | None = None,
) -> ClassificationResult:
    """Rules first; the LLM only for undecided reviews; any LLM failure falls back to the rules' answer.
    `verdict`: the rules' answer computed already (the pipeline runs them off the event loop)."""
    verdict = verdict or classify_rules(text, rating, playbook)
    if verdict.decided or llm is None:
        return _from_rules(verdict, "rules", 0)
    messages = build_messages(text, rating, playbook, verdict)
    calls, problem = 0, ""
    for attempt in range(2):
        calls += 1
        try:
            raw = await llm.chat_json(TEMPLATE, messages, schema=SCHEMA, review_id=review_id, max_tokens=300)
            return _merge(verdict, parse_answer(raw), playbook, calls)
        except LLMBadOutput as exc:
            problem = exc.detail
            log.info("classification answer unusable (attempt %d, review %s): %s", attempt + 1, review_id, problem)
            previous = str(exc.extra.get("answer", ""))[:500]
            messages = (
                messages[:2]
                + ([{"role": "assistant", "content": previous}] if previous else [])
                + [
                    {
                        "role": "user",
                        "content": f"That answer was not usable: {problem}. Reply again with one JSON "
                        "object only, with exactly the keys and value types described.",
                    }
                ]
            )
        except LLMError as exc:
            log.warning("classification LLM unavailable (review %s): %s", review_id, exc)
            return _from_rules(verdict, "rules (llm failed)", calls, extra=("llm:unavailable",))
        except Exception:  # a broken seam must not take the pipeline down; the rules' answer stands
            log.exception("classification LLM call failed (review %s)", review_id)
            return _from_rules(verdict, "rules (llm failed)", calls, extra=("llm:error",))
    return _from_rules(
        verdict, "rules (llm failed)", calls, confidence=min(verdict.confidence, 0.3), extra=("llm:bad_output",)
    )


def escalation_of(reasons: list[str] | tuple[str, ...]) -> str | None:
    """The escalation code a stored classification carries ("escalate:legal" → "legal"); no column of its own."""
    return next((r.split(":", 1)[1] for r in reasons if r.startswith("escalate:")), None)


_ESCALATION_NOTES = {
    "legal": "The customer mentions a contract, a court, a regulator or the police. Acknowledge the experience "
    "with care; admit no liability, quote no law, promise nothing beyond the playbook's remedies.",
    "stop_word": "The review touches a sensitive matter the business wants a person to approve. Acknowledge the "
    "experience; admit no fault for the incident and promise nothing beyond the playbook.",
    "safety": "Someone may have been hurt. Take it seriously, ask them to contact us directly, admit no liability.",
    "abuse": "The customer is angry and insulting; answer the complaint calmly, ignore the insults.",
}


def escalation_note(result: ClassificationResult) -> str | None:
    """A note for the drafting prompt (its `instruction`) when the review is escalated, else None."""
    return _ESCALATION_NOTES.get(result.escalate_reason or "")


def warm_up() -> None:
    """Load lingua's models and simplemma's dictionaries now (seconds), not on the first review."""
    language.warm_up()
    lexicon.warm_up()
