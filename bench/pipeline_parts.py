"""CPU per review of the pipeline's pure parts: rules classification, prompt building, token counting, guard.

    python bench/pipeline_parts.py            # 600 generated reviews (ru, uk, lv, en), default playbook

These run for every review of a batch in the one process that also drives the model calls and the database, so
their sum bounds how many reviews a process can finish per second (see bench/batch.py). The draft checked is
the stand-in model's answer to the review's prompt (a quote of the review inside a thank-you or an apology),
as the batch benchmark's scripted model sends it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.domain.classification.rules import classify_rules  # noqa: E402
from assistant.domain.classification.service import warm_up  # noqa: E402
from assistant.domain.drafting.guard import check_draft  # noqa: E402
from assistant.domain.drafting.prompting import build_draft_messages  # noqa: E402
from assistant.domain.drafting.service import clean_reply  # noqa: E402
from assistant.playbooks import Action, PlaybookRegistry  # noqa: E402
from assistant.processing.stand_in import default_responder  # noqa: E402
from assistant.text.tokens import count_message_tokens  # noqa: E402
from tests.fixtures.batch.generate import review  # noqa: E402

REVIEWS = 600


def main() -> None:
    warm_up()
    playbook = PlaybookRegistry.from_directory(ROOT / "playbooks").for_business("default")
    texts = [(row["comment"], row["stars"]) for row in (review(i) for i in range(10**6, 10**6 + REVIEWS))]
    verdicts, prompts = {}, {}

    def action(text: str) -> Action:
        found = verdicts[text].action
        return Action.thank if found == Action.do_not_engage else Action(found)

    def classify(text: str, rating: int) -> None:
        verdicts[text] = classify_rules(text, rating, playbook)

    def prompt(text: str, rating: int) -> None:
        verdict = verdicts[text]
        prompts[text] = build_draft_messages(
            review_text=text,
            rating=rating,
            platform="backlog",
            language=verdict.language,
            action=action(text),
            topics=list(verdict.topics),
            playbook=playbook,
            max_prompt_tokens=8192 - 700 - 64,
        )

    def tokens(text: str, _rating: int) -> None:
        count_message_tokens(prompts[text])

    def guard(text: str, _rating: int) -> None:
        language = verdicts[text].language
        draft = clean_reply(default_responder({"messages": prompts[text]}))
        check_draft(
            draft,
            review_text=text,
            language=language,
            action=action(text),
            playbook=playbook,
            platform="backlog",
            system_prompt=prompts[text][0]["content"],
        )

    parts: list[tuple[str, Callable[[str, int], None]]] = [
        ("classify (rules)", classify),
        ("prompt", prompt),
        ("tokens", tokens),
        ("guard", guard),
    ]
    total = 0.0
    print(f"{'part':<18} {'ms/review':>9}")
    for name, part in parts:
        for text, rating in texts[:50]:  # warm caches the way a long batch has them warm
            part(text, rating)
        started = time.perf_counter()
        for text, rating in texts:
            part(text, rating)
        ms = 1000 * (time.perf_counter() - started) / len(texts)
        total += ms
        print(f"{name:<18} {ms:>9.2f}")
    print(f"{'sum':<18} {total:>9.2f}")


if __name__ == "__main__":
    main()
