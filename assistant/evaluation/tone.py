"""Tone heuristics per language: does the reply make the customer feel heard, or shift the blame?

A customer who is answered with a fix too soon feels nobody took the time to understand the problem: first make
them feel heard ("it must have been frustrating…"), then solve; and do not be afraid to admit a mistake, since
customers judge a business by how it handles a conflict. So we count acknowledgement/empathy markers (outside
cliché-bank phrases: a stock apology is not being heard) and blame-shifting phrases (regexes on the lower-cased
draft, stems so inflections match), plus two shouting signals — share of sentences ending in "!" and share of
ALL-CAPS words — and the length against the playbook's norm for the platform. These are cheap, deterministic
proxies for the judge's "feels heard?" and "polite?"; they can be gated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.domain.drafting.cliches import cliche_matches
from assistant.domain.drafting.variety import words

_RAW_EMPATHY = {
    "ru": [
        r"понима(ем|ю)",
        r"жаль",
        r"сожале(ем|ю|ние)",
        r"приносим (свои |наши )?извинения",
        r"извините",
        r"простите",
        r"неприятн",
        r"огорч",
        r"расстро",
        r"разочаров",
        r"представля(ем|ю),? (как|насколько)",
    ],
    "uk": [
        r"розумі(ємо|ю)",
        r"шкода",
        r"прикро",
        r"перепрошу(ємо|ю)",
        r"вибачте",
        r"вибача(ємося|ємось)",
        r"просимо вибачення",
        r"неприємн",
        r"засмуч",
        r"розчарува",
        r"уявля(ємо|ю),? (як|наскільки)",
    ],
    "lv": [
        r"saprot(am|u)",
        r"žēl",
        r"atvainoj(amies|os|iet)",
        r"nepatīkam",
        r"sarūgtin",
        r"vilšan",
        r"apbēdin",
        r"varam iedomāties",
    ],
    "en": [
        r"\b(we|i) (completely |fully |totally )?understand",
        r"understandabl",
        r"must have been",
        r"\bsorry\b",
        r"apologi[sz]e",
        r"frustrat",
        r"disappoint",
        r"upsetting",
        r"we hear you",
        r"not the experience",
        r"can imagine",
    ],
}
_RAW_BLAME = {
    "ru": [
        r"вина курьера",
        r"курьер(ская служба)? винова",
        r"не наша вина",
        r"не по нашей вине",
        r"ваша вина",
        r"по вашей вине",
        r"вы сами",
        r"вам (следовало|нужно было|надо было)",
        r"не несем ответственност",
        r"не несём ответственност",
        r"мы не отвечаем за",
        r"претензии к курьер",
        r"не к нам",
    ],
    "uk": [
        r"вина кур'єра",
        r"кур'єр(ська служба)? винн",
        r"не наша (вина|провина)",
        r"ваша (вина|провина)",
        r"ви самі",
        r"вам (слід|треба|потрібно) було",
        r"не несемо відповідальн",
        r"ми не відповідаємо за",
        r"претензії до кур'єр",
    ],
    "lv": [
        r"jūs (pats|pati|paši|pašas)",
        r"nav mūsu vaina",
        r"jūsu (paša |pašas )?vaina",
        r"kurjera vaina",
        r"neesam atbildīg",
        r"neuzņemamies atbildību",
        r"nav mūsu atbildība",
        r"jums vajadzēja",
    ],
    "en": [
        r"not our fault",
        r"courier'?s fault",
        r"your (own )?fault",
        r"you should have",
        r"not responsible",
        r"nothing we can do",
        r"blame (the )?(courier|delivery)",
        r"take it up with",
        r"not on us",
    ],
}
EMPATHY = {lang: [re.compile(p) for p in pats] for lang, pats in _RAW_EMPATHY.items()}
BLAME = {lang: [re.compile(p) for p in pats] for lang, pats in _RAW_BLAME.items()}
COMPLAINT_ACTIONS = frozenset({"apologize", "offer_fix", "offer_discount"})
DEFAULT_LENGTH = (60, 900)

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
_SENTENCE_END = re.compile(r"[.!?…]+")
_CAPS_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Tone:
    empathy: tuple[str, ...]  # matched marker texts
    blame: tuple[str, ...]
    exclamation_share: float  # sentences ending in "!" / sentences
    caps_share: float  # ALL-CAPS words of ≥3 letters / words of ≥3 letters
    length_chars: int
    length_ok: bool  # within the playbook's min/max for the platform


def _patterns(table: dict[str, list[re.Pattern[str]]], language: str) -> list[re.Pattern[str]]:
    return table.get(language) or [p for pats in table.values() for p in pats]


def find_markers(text: str, language: str, table: dict[str, list[re.Pattern[str]]]) -> tuple[str, ...]:
    lowered = (text or "").translate(_APOSTROPHES).lower()
    return tuple(m.group(0) for p in _patterns(table, language) if (m := p.search(lowered)))


def outside_cliches(text: str, language: str) -> str:
    """The draft's words with cliché-bank phrases cut out: "we apologize for any inconvenience" is a stock
    phrase, not an acknowledgement, so empathy is only looked for in what is left."""
    tokens = words(text or "")
    spans = [(m.start, m.end) for m in cliche_matches(text or "", language)]
    return " ".join(w for i, w in enumerate(tokens) if not any(start <= i < end for start, end in spans))


def exclamation_share(text: str) -> float:
    ends = _SENTENCE_END.findall(text or "")
    tail = (text or "").rstrip()
    sentences = len(ends) + (0 if not tail or tail[-1] in ".!?…" else 1)
    return sum("!" in e for e in ends) / sentences if sentences else 0.0


def caps_share(text: str) -> float:
    tokens = _CAPS_WORD.findall(text or "")
    return sum(t.isupper() for t in tokens) / len(tokens) if tokens else 0.0


def length_norm(playbook: Any, platform: str | None) -> tuple[int, int]:
    """(min, max) characters for the platform from a Playbook-like object (`length_for`), else defaults."""
    if playbook is not None and hasattr(playbook, "length_for"):
        norm = playbook.length_for(platform)
        return norm.min_chars, norm.max_chars
    return DEFAULT_LENGTH


def score_tone(draft: str, language: str, *, playbook: Any = None, platform: str | None = None) -> Tone:
    low, high = length_norm(playbook, platform)
    length = len((draft or "").strip())
    return Tone(
        empathy=find_markers(outside_cliches(draft, language), language, EMPATHY),
        blame=find_markers(draft, language, BLAME),
        exclamation_share=exclamation_share(draft),
        caps_share=caps_share(draft),
        length_chars=length,
        length_ok=low <= length <= high,
    )


def corpus_tone(scored: list[tuple[Tone, str | None]]) -> dict[str, float | None]:
    """Aggregate (tone, predicted action) pairs. Empathy is only expected of complaint replies."""
    if not scored:
        return {
            "empathy_rate": None,
            "blame_rate": None,
            "exclamation_share": None,
            "caps_share": None,
            "length_ok_rate": None,
        }
    complaints = [t for t, action in scored if action in COMPLAINT_ACTIONS]
    n = len(scored)
    return {
        "empathy_rate": sum(bool(t.empathy) for t in complaints) / len(complaints) if complaints else None,
        "blame_rate": sum(bool(t.blame) for t, _ in scored) / n,
        "exclamation_share": sum(t.exclamation_share for t, _ in scored) / n,
        "caps_share": sum(t.caps_share for t, _ in scored) / n,
        "length_ok_rate": sum(t.length_ok for t, _ in scored) / n,
    }
