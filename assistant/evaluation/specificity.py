"""Specificity: how much of what the customer actually wrote comes back in the reply.

Content-lemma recall = |lemmas(review) ∩ lemmas(reply)| / |lemmas(review)|, where lemmas are simplemma
lemmas of words that are neither function words nor generic reply words (see stopwords.py). Lemmas, not
surface forms, because ru/uk/lv inflect: "трещиной" in the review and "трещину" in the reply are the same
detail. A templated reply scores near 0 however polite it is; a reply that names the cracked lid, the
courier and the three days scores high.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.domain.drafting.variety import tokens, words
from assistant.text.stopwords import stop_set


def content_lemmas(text: str | None, language: str) -> set[str]:
    """Lemmas of the content words of `text`: a word goes when its surface form or lemma is a stop-word
    or it is one letter long. Lemmas come from the guard's lemmatiser (`variety.tokens`, simplemma);
    for 'und' the surface forms are compared."""
    stops = stop_set(language)
    surface = words(text or "")
    lemmas = tokens(text or "", language)
    return {
        lemma
        for word, lemma in zip(surface, lemmas, strict=True)
        if len(word) > 1 and word not in stops and lemma not in stops
    }


@dataclass(frozen=True)
class Specificity:
    recall: float | None  # None when the review has no content words (emoji-only, "ok")
    review_lemmas: int
    matched: tuple[str, ...]


def lemma_recall(review: str | None, reply: str | None, language: str) -> Specificity:
    """Share of the review's content lemmas that the reply repeats."""
    wanted = content_lemmas(review, language)
    if not wanted:
        return Specificity(None, 0, ())
    matched = wanted & content_lemmas(reply, language)
    return Specificity(len(matched) / len(wanted), len(wanted), tuple(sorted(matched)))
