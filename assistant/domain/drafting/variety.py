"""Word n-gram overlap between replies: the measure behind "this draft repeats an earlier reply".

Replies must not read as a template: customers see through robot-like answers. Two replies written for two
different customers share a signature and a few common words, but rarely a run of three words in a row; a copied
reply shares most of them. Texts are normalised first (case, punctuation, ё/е, apostrophes) and, when a language
is given, words are reduced to simplemma lemmas so that "вернём"/"вернуть" or a changed case ending does not hide
a copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from assistant.text import dictionaries
from assistant.text.normalize import Remembered
from assistant.text.scripts import replace_chars

# Share of a draft's word trigrams found in one earlier reply above which the draft counts as a copy.
# Independent replies on the same subject stay around 0.1-0.3 (signature, "заказ", a shared phrase);
# a lightly edited copy is above 0.6.
SIMILARITY_THRESHOLD = 0.5

_APOSTROPHES = {"’": "'", "ʼ": "'", "`": "'", "´": "'", "‘": "'", "ё": "е"}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)
_LEMMA_LANGUAGES = frozenset(dictionaries.LANGUAGES)


def normalize(text: str) -> str:
    """Lowercase, ё→е, one apostrophe; punctuation is left for `words` to drop."""
    return replace_chars((text or "").lower(), _APOSTROPHES)


def words(text: str) -> list[str]:
    """The words of `text`, normalised; punctuation, symbols and emoji are dropped."""
    return list(_words(text))


def _find_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalize(text)))


_words = Remembered(_find_words, maxsize=256)  # the guard splits each draft ~15 times (its checks, the canary)


@lru_cache(maxsize=50_000)
def _lemma(word: str, language: str) -> str:
    try:
        return dictionaries.lemmatize(word, language).lower().replace("ё", "е")
    except (ValueError, KeyError):  # pragma: no cover - unknown language or token
        return word


def tokens(text: str, language: str | None = None) -> list[str]:
    """Normalised words, lemmatised when `language` is one simplemma knows."""
    found = words(text)
    if language in _LEMMA_LANGUAGES:
        return [_lemma(w, language) for w in found]
    return found


def ngrams(items: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """Distinct n-grams; a text shorter than n gives one shorter gram so it still compares."""
    if not items:
        return set()
    if len(items) < n:
        return {tuple(items)}
    return {tuple(items[i : i + n]) for i in range(len(items) - n + 1)}


@lru_cache(maxsize=4096)
def _grams(text: str, size: int, language: str | None) -> frozenset[tuple[str, ...]]:
    """Cached: the texts compared against (recent replies, the cliché bank) recur from draft to draft."""
    return frozenset(ngrams(tokens(text, language), size))


def ngram_overlap(a: str, b: str, n: int = 3, language: str | None = None) -> float:
    """Share of `a`'s distinct word n-grams that also occur in `b` (0.0 when `a` has no words)."""
    return max_overlap(a, (b,), n, language)


def max_overlap(text: str, others: Iterable[str], n: int = 3, language: str | None = None) -> float:
    """The highest `ngram_overlap(text, other)` over `others` (0.0 when there are none)."""
    tokens_a = tokens(text, language)
    if not tokens_a:
        return 0.0
    size = min(n, len(tokens_a))
    grams_a = ngrams(tokens_a, size)
    return max((len(grams_a & _grams(other, size, language)) / len(grams_a) for other in others if other), default=0.0)


@lru_cache(maxsize=256)
def word_positions(text: str) -> dict[str, tuple[int, ...]]:
    """Where each word of `text` occurs; cached because the text searched (a system prompt) recurs."""
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(words(text)):
        positions.setdefault(word, []).append(index)
    return {word: tuple(found) for word, found in positions.items()}


def longest_run_in(wa: Sequence[str], positions: dict[str, tuple[int, ...]]) -> int:
    """Longest run of consecutive words of `wa` found consecutively in the text `positions` indexes.
    Dynamic programming over matching positions only: O(matches), not O(len(a) × len(b))."""
    best = 0
    previous: dict[int, int] = {}
    for word in wa:
        current = {j: previous.get(j - 1, 0) + 1 for j in positions.get(word, ())}
        if current:
            best = max(best, max(current.values()))
        previous = current
    return best
