"""Spike alerts: watch the stream of complaints, not single ones (a process is not changed for each review, but a
steady flow of the same complaint, such as a courier who keeps being rude, needs fixing before it costs the
reputation).

A topic is flagged when its complaints in the last 7 days exceed the average of the weeks before by
`factor`, and are at least `min_count` (so 2 complaints after a week of 0 do not page anyone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.domain.insights.schemas import Alert


@dataclass(frozen=True)
class SpikeRule:
    factor: float = 2.0
    min_count: int = 5
    trailing_weeks: int = 4


def _times(ratio: float) -> str:
    return f"{ratio:.1f}".rstrip("0").rstrip(".")


def find_spikes(negatives: Mapping[str, Sequence[int]], rule: SpikeRule) -> list[Alert]:
    """`negatives[topic][w]` = complaints `w` weeks ago (0 = the last 7 days), at least trailing+1 long."""
    alerts: list[Alert] = []
    for topic, weeks in negatives.items():
        current = weeks[0] if weeks else 0
        before = list(weeks[1 : rule.trailing_weeks + 1]) + [0] * max(0, rule.trailing_weeks - len(weeks) + 1)
        average = sum(before) / rule.trailing_weeks
        if current < rule.min_count or current <= rule.factor * average:
            continue
        ratio = current / average if average else None
        label = f"×{_times(ratio)}" if ratio else "new"
        message = (
            f"{topic} complaints {label} this week: {current} vs {average:.1f} a week "
            f"over the previous {rule.trailing_weeks}"
        )
        alerts.append(
            Alert(
                topic=topic,
                count=current,
                trailing_average=round(average, 2),
                ratio=round(ratio, 2) if ratio else None,
                message=message,
            )
        )
    return sorted(alerts, key=lambda a: (-(a.ratio or float("inf")), -a.count, a.topic))
