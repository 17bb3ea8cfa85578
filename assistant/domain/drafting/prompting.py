"""Chat messages for drafting a reply (or a follow-up) from the playbook and one review.

Two rules shape this module. First, everything the business decides (action, allowed remedies and the discount
cap, brand facts, tone, form of address, length) goes into the system message, and the review goes only into
the user message, fenced by markers that carry a per-review nonce, so text inside a review can neither close
the fence nor pose as instructions. Second, the prompt must fit the model: the embedded model has a
2048-8192 token context, so a long review is cut to a token budget (head + tail, with a visible marker).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.domain.drafting.cliches import CLICHES
from assistant.playbooks import FIX_KINDS, Action, Playbook, Remedy, RemedyKind
from assistant.prompts import render
from assistant.text import normalize
from assistant.text.tokens import count_message_tokens, trim_to_tokens

DEFAULT_LANGUAGE = "en"
KINDS = ("reply", "follow_up")
MIN_REVIEW_TOKENS = 64
# Chat-format control sequences (ChatML, Llama, Mistral): inside a review they would let the text open a new
# "system" turn in models whose chat template tokenises them as special tokens.
_CONTROL_TOKENS = re.compile(r"<\|[^|<>\n]{0,40}\|>|</?s>|\[/?INST\]|<<\s*/?SYS\s*>>", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FENCE_CHARS = re.compile(r"<{3,}|>{3,}")


@dataclass(frozen=True)
class LanguageGuide:
    name: str  # how the prompt names the language, in English and natively
    note: str  # what a weak model gets wrong about it
    formal: str
    informal: str


LANGUAGE_GUIDES: dict[str, LanguageGuide] = {
    "ru": LanguageGuide(
        name="Russian (русский)",
        note="Russian only, not Ukrainian, no letters і ї є ґ, no English words",
        formal="address the customer as «вы» (вы, вас, вам, ваш), never «ты»",
        informal="address the customer as «ты» (ты, тебя, тебе, твой): friendly, still polite",
    ),
    "uk": LanguageGuide(
        name="Ukrainian (українська)",
        note="Ukrainian only, not Russian: use і, ї, є, ґ and Ukrainian words (дякуємо, вибачте, замовлення)",
        formal="address the customer as «ви» (ви, вас, вам, ваш), never «ти»",
        informal="address the customer as «ти» (ти, тебе, тобі, твій): friendly, still polite",
    ),
    "lv": LanguageGuide(
        name="Latvian (latviešu)",
        note="Latvian only, with its diacritics (ā, ē, ī, ū, č, ģ, ķ, ļ, ņ, š, ž); no English or Russian",
        formal="address the customer as «Jūs» (Jūs, Jums, Jūsu), never «tu»",
        informal="address the customer as «tu» (tu, tev, tavs): friendly, still polite",
    ),
    "en": LanguageGuide(
        name="English",
        note="plain everyday English, no corporate jargon",
        formal="polite, respectful «you»; no slang; no first name unless the customer signed with one",
        informal="friendly, relaxed «you»; the first name if the customer signed with one",
    ),
}

_REMEDY_LABELS = {
    RemedyKind.replacement: "replacement",
    RemedyKind.redo: "redoing the work",
    RemedyKind.repair: "repair",
    RemedyKind.refund: "refund",
    RemedyKind.callback: "a call back from a manager",
    RemedyKind.discount: "discount on the next order",
}

_ACTION_TASKS = {
    Action.thank: (
        "The customer is happy, or mostly happy. Thank them for the specific thing they praised (name it) and "
        "say what it means to the team. Offer nothing: no remedy, no discount, no gift."
    ),
    Action.apologize: (
        "The customer had a bad experience that cannot be fixed now. Name exactly what went wrong, own it "
        "without excuses and without blaming anyone (the courier included), and say what the team will check "
        "or change so it does not happen again. Offer no money, discount or gift."
    ),
    Action.offer_fix: (
        "The problem can be fixed. Name exactly what went wrong, own it, then offer the fix listed below and "
        "say in one sentence how the customer gets it."
    ),
    Action.offer_discount: (
        "The problem is real and can no longer be fixed. Name exactly what went wrong, own it, then offer the "
        "discount listed below on the next order, never more than the cap."
    ),
    Action.do_not_engage: (
        "This review gets no public reply: a person will handle it. If you must write anything, write two "
        "neutral sentences inviting the customer to contact support, with no promises and no remedy."
    ),
}


def allowed_remedies(action: Action, playbook: Playbook) -> list[Remedy]:
    """The remedies a reply for `action` may offer: fixes for offer_fix, the capped discount for offer_discount,
    a call back (never a promise of money) for apologize, nothing for thank and do_not_engage."""
    usable = [r for r in playbook.remedies if r.kind != RemedyKind.none]
    if action == Action.offer_fix:
        return [r for r in usable if r.kind != RemedyKind.discount]
    if action == Action.offer_discount:
        return [r for r in usable if r.kind in (RemedyKind.discount, RemedyKind.callback)]
    if action == Action.apologize:
        return [r for r in usable if r.kind == RemedyKind.callback]
    return []


def reply_language(language: str | None) -> str:
    """The language to write in: the review's when we serve it, else the default (English)."""
    return language if language in LANGUAGE_GUIDES else DEFAULT_LANGUAGE


def sanitize_review(text: str) -> str:
    """Review text as inert data: normalized (no invisible or bidi characters, look-alikes folded: the model reads
    what the checks read), no control characters, chat-format tokens or fence look-alikes."""
    text = normalize(_CONTROL_CHARS.sub(" ", text or ""))
    text = _CONTROL_TOKENS.sub(" ", text)
    return _FENCE_CHARS.sub(lambda m: "‹" * len(m.group()) if m.group()[0] == "<" else "›" * len(m.group()), text)


_LABEL_DROP = re.compile(r"[^a-z0-9._-]+")
MAX_LABEL = 40


def platform_label(platform: str | None) -> str | None:
    """The review's source as a short lower-case slug ("google", "app_store", "shop.example.lv"), or None.
    Why: `source` comes from the ingest client (the extension sets it from the page's host name), so it is as
    untrusted as the review, and it appears outside the fence (and in the system prompt's length line); a slug
    cannot carry an instruction."""
    lines = normalize(platform or "").lower().split("\n")
    words = lines[0].split()  # a platform is a name or a host: "google", "app store", "shop.example.lv"
    text = "_".join(words) if len(words) <= 3 else (words[0] if words else "")
    label = _LABEL_DROP.sub("_", text).strip("._-")[:MAX_LABEL].strip("._-")
    return label or None


def sanitize_field(text: str | None, limit: int = 300) -> str:
    """A short untrusted or semi-trusted field (an agent's note, a topic, guard feedback that quotes a draft) on one
    line, normalized, without chat tokens or fence look-alikes, capped."""
    return " ".join(sanitize_review(text or "").split())[:limit]


def review_fence(review_text: str) -> tuple[str, str]:
    """Begin/end markers with a nonce from the review itself, so the review cannot know and forge them."""
    nonce = hashlib.sha256(review_text.encode("utf-8", "replace")).hexdigest()[:8]
    return f"<<<REVIEW {nonce}", f"REVIEW {nonce}>>>"


def _remedy_lines(remedies: list[Remedy], cap: int | None) -> list[str]:
    lines = []
    for remedy in remedies:
        label = _REMEDY_LABELS.get(remedy.kind, remedy.kind.value)
        if remedy.kind == RemedyKind.discount and cap is not None:
            label = f"{label}, at most {cap}% (never more)"
        lines.append(f"{label}: {remedy.description}" if remedy.description else label)
    return lines


def system_context(*, language: str, action: Action, playbook: Playbook, platform: str | None) -> dict:
    """Everything the system prompt says; none of it comes from the review."""
    lang = reply_language(language)
    guide = LANGUAGE_GUIDES[lang]
    remedies = allowed_remedies(action, playbook)
    kinds = {r.kind for r in remedies}
    forbidden = ["refunds", "money back", "compensation", "free items or gifts", "promo codes", "vouchers"]
    if RemedyKind.refund in kinds:
        forbidden = forbidden[2:]
    if RemedyKind.discount not in kinds:
        forbidden.append("discounts or percentages")
    if not kinds & FIX_KINDS:
        forbidden.append("replacements or repairs")
    length = playbook.length_for(platform)
    contact = playbook.brand.contact
    address = playbook.tone.address.get(lang, "formal")
    return {
        "brand_name": playbook.brand.name,
        "language_name": guide.name,
        "language_note": guide.note,
        "address_rule": guide.formal if address == "formal" else guide.informal,
        "action": action.value,
        "action_task": _ACTION_TASKS[action],
        "action_when": playbook.actions[action].when if action in playbook.actions else "",
        "remedies": _remedy_lines(remedies, playbook.discount_cap),
        "forbidden": forbidden,
        "contacts": [
            f"{k}: {v}" for k, v in (("email", contact.email), ("phone", contact.phone), ("website", contact.url)) if v
        ],
        "never_say": list(playbook.brand.never_say),
        "allow_ai_mention": playbook.brand.allow_ai_mention,
        "style": playbook.tone.style,
        "signature": playbook.signature(lang),
        "platform": platform_label(platform) or "any platform",
        "min_chars": length.min_chars,
        "max_chars": length.max_chars,
        "cliches": list(CLICHES.get(lang, ()))[::2][:8],  # a spread of the bank, not near-duplicates
    }


def build_draft_messages(
    *,
    review_text: str,
    rating: int | None,
    platform: str | None,
    language: str,
    action: Action,
    topics: list[str],
    playbook: Playbook,
    kind: str = "reply",
    instruction: str | None = None,
    guard_feedback: list[str] | None = None,
    variety_nudge: str | None = None,
    max_review_tokens: int = 1500,
    max_prompt_tokens: int | None = None,
) -> list[dict]:
    """System + user chat messages for one draft. `max_prompt_tokens` (optional) caps the whole prompt:
    the review then gets whatever the rest of the prompt leaves, never more than `max_review_tokens`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    prefix = "draft" if kind == "reply" else "followup"
    ctx = system_context(language=language, action=action, playbook=playbook, platform=platform)
    system = render(f"{prefix}_system", **ctx)

    review = sanitize_review(review_text).strip()
    begin, end = review_fence(review)
    user_ctx = {
        "begin": begin,
        "end": end,
        "rating": rating,
        "platform": platform_label(platform),
        "topics": [label for t in topics if (label := platform_label(t))],
        "instruction": sanitize_field(instruction, 500) or None,
        "guard_feedback": [f for f in (sanitize_field(item) for item in guard_feedback or []) if f],
        "variety_nudge": variety_nudge,
        "language_name": ctx["language_name"],
        "address_rule": ctx["address_rule"],
        "signature": ctx["signature"],
        "min_chars": ctx["min_chars"],
        "max_chars": ctx["max_chars"],
    }
    budget = max_review_tokens
    if max_prompt_tokens is not None:
        frame = [
            {"role": "system", "content": system},
            {"role": "user", "content": render(f"{prefix}_user", review="", **user_ctx)},
        ]
        # A draft beats an exception: when the playbook alone nearly fills the window, keep a sliver of review.
        budget = max(MIN_REVIEW_TOKENS, min(budget, max_prompt_tokens - count_message_tokens(frame) - 2))
    user = render(f"{prefix}_user", review=trim_to_tokens(review, budget), **user_ctx)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
