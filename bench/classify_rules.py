"""Throughput of rules-only classification: a backlog of thousands of reviews must classify in seconds, before
any LLM is involved. Usage: python bench/classify_rules.py [--n 5000] [--dataset eval/datasets/dev.jsonl]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.domain.classification.language import warm_up  # noqa: E402
from assistant.domain.classification.rules import classify_rules  # noqa: E402
from assistant.evaluation.classification import load_cases  # noqa: E402
from assistant.playbooks import PlaybookRegistry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="reviews to classify (the dataset is repeated)")
    parser.add_argument("--dataset", default=str(ROOT / "eval" / "datasets" / "dev.jsonl"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    registry = PlaybookRegistry.from_directory(ROOT / "playbooks")
    cases = load_cases(args.dataset)
    batch = [(c["text"], c["rating"], registry.for_business(c["business"])) for c in cases]
    batch = (batch * (args.n // len(batch) + 1))[: args.n]

    start = time.perf_counter()
    warm_up()
    for text, rating, playbook in batch[: len(cases)]:
        classify_rules(text, rating, playbook)
    print(f"warm-up (models + caches): {time.perf_counter() - start:.2f}s")

    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for text, rating, playbook in batch:
            classify_rules(text, rating, playbook)
        rates.append(len(batch) / (time.perf_counter() - start))
    mean_chars = statistics.mean(len(t or "") for t, _, _ in batch)
    print(
        f"{len(batch)} reviews (mean {mean_chars:.0f} chars) x {args.rounds} rounds: "
        f"median {statistics.median(rates):,.0f} reviews/s (min {min(rates):,.0f}, max {max(rates):,.0f})"
    )


if __name__ == "__main__":
    main()
