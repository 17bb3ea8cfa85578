"""Genericness of a corpus of drafts: do the replies read like one template with the names swapped?

Every metric is computed over the whole set of drafts, because a single reply can't be "templated" —
only a family of replies can. Higher is more generic for all but distinct-n:

- distinct-1 / distinct-2: unique word n-grams / all word n-grams (Li et al. 2016). LOWER = generic.
- Self-BLEU: mean BLEU-4 of each draft against the other drafts of its language (Zhu et al. 2018).
  BLEU is implemented here (no sacrebleu dependency): clipped n-gram precision, brevity penalty against
  the closest reference length, add-one smoothing for n ≥ 2 (Lin & Och 2004, NLTK "method2").
- compression ratio: raw bytes / gzip bytes of all drafts joined (Shaib et al. 2024): repetition compresses.
- cliché share: share of word 3-grams inside a cliché-bank phrase of the draft's language (the guard's matcher).
- max pair overlap: highest Jaccard overlap of word 3-gram sets between any two drafts (copy-paste).
- degenerate rate: share of drafts that repeat themselves (own distinct-2 < 0.5: "мяссами, мяссами, …"),
  the failure mode of a tiny model that the corpus metrics above would average away.
"""

from __future__ import annotations

import gzip
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations

from assistant.domain.drafting.cliches import CLICHES, find_phrases
from assistant.evaluation.tokens import ngrams, words

BLEU_ORDER = 4


def distinct_n(drafts: Sequence[str], n: int) -> float | None:
    """Unique n-grams / total n-grams over all drafts; None when no draft has n words."""
    grams = [g for d in drafts for g in ngrams(words(d), n)]
    return len(set(grams)) / len(grams) if grams else None


def sentence_bleu(hypothesis: Sequence[str], references: Sequence[Sequence[str]], max_n: int = BLEU_ORDER) -> float:
    """BLEU of one token list against references; smoothed so one missing 4-gram doesn't zero it."""
    if not hypothesis or not references:
        return 0.0
    log_sum = 0.0
    for n in range(1, max_n + 1):
        hyp = Counter(ngrams(hypothesis, n))
        ceiling: Counter[tuple[str, ...]] = Counter()
        for ref in references:
            for gram, count in Counter(ngrams(ref, n)).items():
                ceiling[gram] = max(ceiling[gram], count)
        matched = sum(min(c, ceiling[g]) for g, c in hyp.items())
        total = sum(hyp.values())
        if n == 1:
            if matched == 0:
                return 0.0
            log_sum += math.log(matched / total)
        else:
            log_sum += math.log((matched + 1) / (total + 1))
    return _brevity(len(hypothesis), [len(r) for r in references]) * math.exp(log_sum / max_n)


def _brevity(hyp_len: int, ref_lens: list[int]) -> float:
    closest = min(ref_lens, key=lambda r: (abs(r - hyp_len), r))
    return 1.0 if hyp_len > closest else math.exp(1 - closest / hyp_len)


def self_bleu(drafts: Sequence[str], languages: Sequence[str] | None = None, max_n: int = BLEU_ORDER) -> float | None:
    """Mean BLEU of each draft against the other drafts of the same language; None without any pair."""
    languages = languages or ["und"] * len(drafts)
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for text, lang in zip(drafts, languages, strict=True):
        tokens = words(text)
        if tokens:
            groups[lang].append(tokens)
    scores = [
        sentence_bleu(tokens, group[:i] + group[i + 1 :], max_n)
        for group in groups.values()
        if len(group) > 1
        for i, tokens in enumerate(group)
    ]
    return sum(scores) / len(scores) if scores else None


def compression_ratio(drafts: Sequence[str]) -> float | None:
    """len(raw) / len(gzip(raw)) of the drafts joined by newlines (mtime fixed: deterministic)."""
    raw = "\n".join(d for d in drafts if d).encode("utf-8")
    return len(raw) / len(gzip.compress(raw, mtime=0)) if raw else None


DEGENERATE_BELOW = 0.5


def is_degenerate(draft: str) -> bool:
    """A draft whose word pairs are mostly repeats of each other (needs ≥ 8 words to judge)."""
    grams = ngrams(words(draft), 2)
    return len(grams) >= 7 and len(set(grams)) / len(grams) < DEGENERATE_BELOW


def _bank(bank: Mapping[str, Sequence[str]] | None, language: str) -> tuple[str, ...]:
    if bank is None:
        bank = CLICHES  # the guard's bank: one list, not two
    if language in bank:
        return tuple(bank[language])
    return tuple(p for phrases in bank.values() for p in phrases)


def cliche_counts(text: str, language: str, bank: Mapping[str, Sequence[str]] | None = None) -> tuple[int, int]:
    """(3-grams from the bank, all 3-grams) of one draft.

    Phrases are found with the guard's forgiving matcher (`find_phrases`: endings, small gaps). A draft
    3-gram counts when it lies inside a matched phrase, or contains the whole of a phrase shorter than 3.
    """
    total = max(len(words(text)) - 2, 0)
    spans = [(m.start, m.end) for m in find_phrases(text, _bank(bank, language))]

    def covered(i: int) -> bool:
        return any(
            (start <= i and i + 3 <= end) or (end - start < 3 and i <= start and end <= i + 3) for start, end in spans
        )

    hits = sum(1 for i in range(total) if covered(i))
    return hits, total


Bank = Mapping[str, Sequence[str]]


def cliche_share(drafts: Sequence[str], languages: Sequence[str], bank: Bank | None = None) -> float | None:
    """Pooled share of draft 3-grams found in the cliché bank; None when no draft has 3 words."""
    hits = total = 0
    for text, lang in zip(drafts, languages, strict=True):
        h, t = cliche_counts(text, lang, bank)
        hits, total = hits + h, total + t
    return hits / total if total else None


def max_pair_overlap(drafts: Sequence[str], n: int = 3) -> tuple[float | None, tuple[int, int] | None]:
    """Highest Jaccard overlap of word n-gram sets between two drafts, and their indices."""
    sets = [set(ngrams(words(d), n)) for d in drafts]
    best, pair = None, None
    for i, j in combinations(range(len(sets)), 2):
        union = len(sets[i] | sets[j])
        if union:
            score = len(sets[i] & sets[j]) / union
            if best is None or score > best:
                best, pair = score, (i, j)
    return best, pair


def corpus_genericness(drafts: Sequence[str], languages: Sequence[str], bank: Bank | None = None) -> dict:
    """All genericness metrics of a set of drafts (empty drafts ignored)."""
    kept = [(d, lang) for d, lang in zip(drafts, languages, strict=True) if d and d.strip()]
    texts, langs = [d for d, _ in kept], [lang for _, lang in kept]
    overlap, pair = max_pair_overlap(texts)
    return {
        "n_drafts": len(texts),
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "self_bleu": self_bleu(texts, langs),
        "compression_ratio": compression_ratio(texts),
        "cliche_share": cliche_share(texts, langs, bank),
        "max_pair_overlap": overlap,
        "max_pair": list(pair) if pair else None,
        "degenerate_rate": sum(map(is_degenerate, texts)) / len(texts) if texts else None,
    }
