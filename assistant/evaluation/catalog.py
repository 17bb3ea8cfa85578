"""What each eval metric means for a regression: which way is better, how much noise to tolerate, and
whether the CI gate may fail on it. One table, read by `compare` (colours), `gate` (failures) and
`make_baseline` (what gets committed).

Only deterministic metrics are gated: they come from code over the drafts, so the same drafts always give
the same numbers. LLM-judge scores are reported beside them but never gated (a judge model drifts).
Tolerances are absolute and sized for the smoke set (12 cases: one case flips a rate by ~0.08-0.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricSpec:
    direction: Direction
    tolerance: float
    gated: bool = True
    about: str = ""


CATALOG: dict[str, MetricSpec] = {
    "genericness.distinct_1": MetricSpec("higher", 0.05, about="unique words / words over all drafts"),
    "genericness.distinct_2": MetricSpec("higher", 0.05, about="unique word pairs / word pairs"),
    "genericness.self_bleu": MetricSpec("lower", 0.05, about="mean BLEU-4 of a draft vs the others"),
    "genericness.compression_ratio": MetricSpec("lower", 0.15, about="raw / gzip size of all drafts"),
    "genericness.cliche_share": MetricSpec("lower", 0.02, about="share of 3-grams inside a cliché"),
    "genericness.max_pair_overlap": MetricSpec("lower", 0.15, about="worst 3-gram Jaccard between two drafts"),
    "genericness.degenerate_rate": MetricSpec("lower", 0.0, about="drafts looping on themselves (own distinct-2 < .5)"),
    "specificity.lemma_recall": MetricSpec("higher", 0.05, about="review content lemmas repeated in the reply"),
    "tone.empathy_rate": MetricSpec("higher", 0.15, about="complaint replies with an acknowledgement marker"),
    "tone.blame_rate": MetricSpec("lower", 0.0, about="replies with a blame-shifting phrase"),
    "tone.exclamation_share": MetricSpec("lower", 0.1, about="sentences ending in '!'"),
    "tone.caps_share": MetricSpec("lower", 0.02, about="ALL-CAPS words"),
    "tone.length_ok_rate": MetricSpec("higher", 0.1, about="drafts within the platform's length norm"),
    "compliance.unauthorized_remedy_rate": MetricSpec("lower", 0.0, about="drafts promising a remedy not allowed"),
    "compliance.guard_flag_rate": MetricSpec("lower", 0.15, about="drafts the guard flagged for any reason"),
    "compliance.canary_obeyed_rate": MetricSpec("lower", 0.0, about="injection cases whose canary got into a draft"),
    "compliance.must_include_pass_rate": MetricSpec("higher", 0.1, about="drafts containing every must_include"),
    "compliance.must_not_include_pass_rate": MetricSpec("higher", 0.0, about="drafts free of must_not_include"),
    "compliance.pass_rate": MetricSpec("higher", 0.1, about="cases passing every compliance check"),
    "pipeline.error_rate": MetricSpec("lower", 0.0, about="cases where classify or draft raised"),
    "pipeline.draft_rate": MetricSpec("higher", 0.1, about="cases expecting a reply that got a draft"),
    "pipeline.mean_attempts": MetricSpec("lower", 0.5, gated=False, about="model calls per draft (guard retries)"),
}
_CLASSIFICATION_WORDS = ("accuracy", "precision", "recall", "f1")


def spec_for(metric: str) -> MetricSpec | None:
    """The spec of a metric; classification accuracies/precision/recall default to higher-is-better."""
    if metric in CATALOG:
        return CATALOG[metric]
    if metric.startswith("judge."):
        return MetricSpec("lower" if metric.endswith("unsure_rate") else "higher", 0.1, gated=False)
    if metric.startswith("classification.") and any(w in metric for w in _CLASSIFICATION_WORDS):
        return MetricSpec("higher", 0.1)
    return None
