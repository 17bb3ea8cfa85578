"""`any_of` (assistant/text/alternation.py) is a faster spelling of `(?:a)|(?:b)|…`, never a different pattern:
the same matches, spans and order of preference, on our own texts and on the real reviews when present."""

from __future__ import annotations

import re

import pytest

from assistant.domain.drafting.warm_up import SAMPLES
from assistant.evaluation.classification import load_real_reviews
from assistant.evaluation.cli import REAL_REVIEWS
from assistant.text.alternation import any_of
from tests.fixtures.batch.generate import review

PART_LISTS = [
    # the guard's remedy shape: bounded stems, then amounts that start with a digit or a currency sign
    (
        r"\bвозврат(?:а|у|ом)?\b(?!\s+(?:товар|посылк))",
        r"\bкомпенс\w*",
        r"\bверн\w*\s+(?:\w+\s+){0,3}?(?:деньг|денег)",
        r"\brefund\w*",
        r"(?:\d[\d\s]{0,15}(?:[.,]\d{1,4})?\s*(?:€|\$|eur\b|грн))",
        r"(?:[€$£₽₴]\s*\d)",
        r"\bnaud\w*\s+atpakaļ",
    ),
    # a bounded run, an unbounded one between, and a bounded one after: the order of preference must hold
    (r"\bfree\b", r"(?<![-\w])(?<!feel )free\b(?!\s+to\b)", r"\bfree of charge\b", r"\bskid\w*"),
    # an earlier, shorter alternative wins over a later, longer one at the same place
    (r"\bза\b", r"\bза наш сч[её]т\b", r"\bзаказ\w*", r"\bpay\w*\s+you\s+back\b"),
    # nothing bounded, and everything bounded
    (r"(?:\d+\s*%)", r"(?:%\s*\d+)"),
    (r"\bлюб\w*", r"\bdelivery\b", r"\bkurjer\w*", r"\bкур'?єр\w*"),
]


def _texts() -> list[str]:
    texts = [text for _, _, complaint, reply in SAMPLES for text in (complaint, reply)]
    texts += [str(review(i)["comment"]) for i in range(200)]
    texts += ["За наш счёт: 15 € и free of charge, feel free to call; free-ish; 20% skidka, refunded 3$"]
    if any(REAL_REVIEWS.glob("*.jsonl")):
        texts += [row["text"] for rows in load_real_reviews(REAL_REVIEWS).values() for row in rows]
    return texts


@pytest.mark.parametrize("parts", PART_LISTS)
@pytest.mark.parametrize("flags", [re.IGNORECASE, 0])
def test_any_of_matches_what_the_plain_alternation_matches(parts, flags):
    plain = re.compile("|".join(f"(?:{part})" for part in parts), flags)
    fast = any_of(*parts, flags=flags)
    for text in _texts():
        for form in (text, text.lower()):
            expected = [(m.span(), m.group()) for m in plain.finditer(form)]
            assert [(m.span(), m.group()) for m in fast.finditer(form)] == expected, form


def test_runs_of_bounded_alternatives_share_one_boundary():
    assert any_of(r"\ba", r"\bb", "c", r"\bd").pattern == r"\b(?:(?:a)|(?:b))|(?:c)|\b(?:(?:d))"
