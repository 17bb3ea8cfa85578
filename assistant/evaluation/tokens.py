"""Word tokens and n-grams shared by every scorer, so all metrics count the same 'word'.

Words come from the drafting guard's own tokenizer (`assistant.domain.drafting.variety.words`: lower case,
ё→е, one apostrophe, punctuation and emoji dropped), so the eval and the guard never disagree on what a
word is. N-grams here keep repeats and order (distinct-n and BLEU count them), unlike the guard's sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.domain.drafting.variety import words

__all__ = ["mean", "ngrams", "words"]


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Contiguous n-grams in order (with repeats); empty when the text is shorter than n."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none (not 0: 'unmeasured' ≠ 'bad')."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None
