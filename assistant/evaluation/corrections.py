"""Agents' corrections as an eval dataset: every review whose action, topics or language an agent corrected
(the `corrected` events of the audit trail), with the corrected labels, in the format of `eval/datasets/*.jsonl`.

The texts are real customers' words: the file goes where the user says, never into the repository."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.db.models import Classification, Event, Review


async def corrected_cases(sessions: async_sessionmaker) -> list[dict]:
    """One case per corrected review, labelled with the classification as it stands after the corrections."""
    async with sessions() as session:
        corrected = select(Event.review_id).where(Event.action == "corrected").distinct()
        rows = await session.execute(
            select(Review, Classification)
            .join(Classification, Classification.review_id == Review.id)
            .where(Review.id.in_(corrected))
            .order_by(Review.id)
        )
        return [
            {
                "id": f"corrected-{review.id}",
                "text": review.text,
                "rating": review.rating,
                "business": review.business,
                "platform": review.source,
                "language": classification.language,
                "actions": [classification.action],
                "dne_kind": classification.dne_kind,
                "topics": list(classification.topics or []),
                "tags": ["corrected"],
                "must_include": [],
                "must_not_include": [],
                "canary": None,
            }
            for review, classification in rows.all()
        ]


def write_cases(cases: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
