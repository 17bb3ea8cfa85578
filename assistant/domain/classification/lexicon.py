"""Per-language cue lexicons (ru, uk, lv, en) and the matcher that finds them in a review.

Why a lexicon: the embedded model is too weak to classify, so topics, praise/complaint and "can this be
fixed?" come from words. Cues are matched on simplemma lemmas and on the surface form, with `*` for a stem
prefix (Slavic and Latvian inflections: "курьер*" matches курьеру, курьерами; "piegād*" matches piegādi),
several words for a phrase ("не работает"), and `~` for a gap of up to two words ("испорт* ~ праздник*").
Latvian diacritics are folded on both sides, so "kurjers kavejas" typed without them still matches.
All four lexicons are applied to every review: mixed-language reviews and misdetected ones still match.
Phrase words match the surface form only ("вернуть деньги" is a request; "вернула деньги" is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain.classification.cues import (
    NEGATIVE_EMOJI,
    NEGATORS,
    POSITIVE_EMOJI,
    SIGNAL_CUES,
    SIGNALS,
    TOPIC_CUES,
    TOPICS,
)
from assistant.text import dictionaries
from assistant.text.normalize import Remembered
from assistant.text.scripts import fold

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|[.!?;:,\n()—–]")
_CYRILLIC = re.compile(r"[а-яіїєґ]")


_NO_LEMMA = frozenset("better best worse worst less least more most broke".split())  # "better" → "good"


@lru_cache(maxsize=65536)
def lemmas(token: str) -> frozenset[str]:
    """The token and its simplemma lemmas in both languages of its script (folded)."""
    if token in _NO_LEMMA:
        return frozenset({token})
    langs = ("ru", "uk") if _CYRILLIC.search(token) else ("en", "lv")
    found = {token}
    for lang in langs:
        try:
            found.add(fold(dictionaries.lemmatize(token, lang)))
        except ValueError:  # pragma: no cover - a language missing from simplemma's data
            continue
    return frozenset(found)


def tokenize(text: str) -> list[tuple[str, int]]:
    """Folded word tokens with their clause number (punctuation starts a new clause)."""
    out, clause = [], 0
    for match in _TOKEN.finditer(fold(text)):
        word = match.group()
        if len(word) == 1 and not word.isalpha():
            clause += 1
        else:
            out.append((word, clause))
    return out


@dataclass(frozen=True)
class Cue:
    kind: str  # "topic" or one of SIGNALS
    label: str  # topic name, or the signal again
    lang: str
    text: str
    parts: tuple[tuple[str, bool], ...]  # (folded word, is_prefix); ("~", False) is a gap of ≤ 2 words


@dataclass(frozen=True)
class Hit:
    kind: str
    label: str
    lang: str
    cue: str
    word: str
    position: int
    negated: bool


def _parse(kind: str, label: str, lang: str, text: str) -> Cue:
    parts = tuple((fold(w.rstrip("*")), w.endswith("*")) for w in text.split())
    return Cue(kind, label, lang, text, parts)


def _part_matches(part: tuple[str, bool], forms: frozenset[str]) -> bool:
    word, prefix = part
    return any(f.startswith(word) if prefix else f == word for f in forms)


class Lexicon:
    """Compiled cue index: first word → cues, so matching costs a few dict lookups per token."""

    def __init__(self) -> None:
        self.exact: dict[str, list[Cue]] = {}
        self.prefix: dict[str, list[Cue]] = {}
        sources = [("topic", t, TOPIC_CUES[t]) for t in TOPICS] + [(s, s, SIGNAL_CUES[s]) for s in SIGNALS]
        for kind, label, per_lang in sources:
            for lang, cues in per_lang.items():
                for text in (c.strip() for c in cues.split(",")):
                    if text:
                        cue = _parse(kind, label, lang, text)
                        word, is_prefix = cue.parts[0]
                        (self.prefix if is_prefix else self.exact).setdefault(word, []).append(cue)
        self.min_stem = min(len(k) for k in self.prefix)
        # the rules read the review, the guard reads it again (is the draft about it?): remembered, as normalize is
        self._remembered = Remembered(self._match, maxsize=512)

    def _candidates(self, forms: frozenset[str]) -> list[Cue]:
        found: list[Cue] = []
        for form in forms:
            found.extend(self.exact.get(form, ()))
            for k in range(self.min_stem, len(form) + 1):
                found.extend(self.prefix.get(form[:k], ()))
        return found

    def _rest_matches(self, parts: tuple[tuple[str, bool], ...], tokens: list[tuple[str, int]], i: int) -> int | None:
        """Index after the phrase if parts[1:] match from token i+1 in the same clause, else None.
        Phrase words match the surface form only: "вернуть деньги" must not match "вернула деньги"."""
        if not parts:
            return i
        clause = tokens[i - 1][1]
        if parts[0] == ("~", False):
            for skip in range(3):
                end = self._rest_matches(parts[1:], tokens, i + skip) if i + skip <= len(tokens) else None
                if end is not None:
                    return end
            return None
        if i >= len(tokens) or tokens[i][1] != clause or not _part_matches(parts[0], frozenset({tokens[i][0]})):
            return None
        return self._rest_matches(parts[1:], tokens, i + 1)

    def match(
        self, text: str, languages: tuple[str, ...] | None = None, kinds: tuple[str, ...] | None = None
    ) -> tuple[Hit, ...]:
        """Cues found in `text`; `languages`/`kinds` narrow the search (off-topic words count in the review's own
        language only: "test" is English, not Italian)."""
        return self._remembered(text, languages, kinds)

    def _match(self, text: str, languages: tuple[str, ...] | None, kinds: tuple[str, ...] | None) -> tuple[Hit, ...]:
        tokens = tokenize(text)
        hits: dict[tuple[str, str, int], Hit] = {}
        for i, (token, clause) in enumerate(tokens):
            forms = lemmas(token)
            for cue in self._candidates(forms):
                if (languages and cue.lang not in languages) or (kinds and cue.kind not in kinds):
                    continue
                if len(cue.parts) > 1 and not _part_matches(cue.parts[0], frozenset({token})):
                    continue
                end = self._rest_matches(cue.parts[1:], tokens, i + 1)
                if end is None:
                    continue
                negated = len(cue.parts) == 1 and any(
                    tokens[j][0] in NEGATORS and tokens[j][1] == clause for j in range(max(0, i - 2), i)
                )
                key = (cue.kind, cue.label, i)
                if key not in hits or len(cue.parts) > len(hits[key].cue.split()):
                    words = " ".join(t for t, _ in tokens[i:end])
                    hits[key] = Hit(cue.kind, cue.label, cue.lang, cue.text, words, i, negated)
        return tuple(sorted(hits.values(), key=lambda h: (h.position, h.kind, h.label)))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


_SAD_FACE = re.compile(r"(?<![\w:;])[:;]'?-?[(\[]|(?<![\w)])\)-?:(?![\w:])")  # ":(", ":-(", ":'(", "):"


def emoji_balance(text: str) -> tuple[int, int]:
    """(positive, negative) emoji counts, a typed sad face included: the only sentiment an emoji-only review
    carries, and a hint in a text without stars ("ни разу не ел вкусно :(")."""
    text = text or ""
    return (
        sum(ch in POSITIVE_EMOJI for ch in text),
        sum(ch in NEGATIVE_EMOJI for ch in text) + len(_SAD_FACE.findall(text)),
    )


def warm_up() -> None:
    """Load the ru/uk/lv/en dictionaries (`text.dictionaries`) and compile the index now, not on a review."""
    lexicon().match("курьер кур'єр kurjers courier")
