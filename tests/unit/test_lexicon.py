"""The cue lexicon's matches are remembered for ordinary texts (the rules and the guard both read the review)."""

from __future__ import annotations

from assistant.domain.classification.lexicon import lexicon
from assistant.text.normalize import CACHED_CHARS


def test_a_review_read_twice_is_matched_once_and_a_long_one_is_not_kept() -> None:
    cues = lexicon()
    review = "Курьер опоздал на два часа, а кур'єр наступного разу був грубий. Delivery was late."
    first = cues.match(review)
    assert {h.label for h in first if h.kind == "topic"} >= {"delivery"}
    before = cues._remembered.cache_info()
    assert cues.match(review) is first and cues._remembered.cache_info().hits == before.hits + 1
    assert cues.match(review, kinds=("topic",)) == tuple(h for h in first if h.kind == "topic")
    long = review * (CACHED_CHARS // len(review) + 1)
    size = cues._remembered.cache_info().currsize
    assert cues.match(long) == cues._match(long, None, None)
    assert cues._remembered.cache_info().currsize == size
