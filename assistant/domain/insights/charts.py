"""Geometry for small server-side SVG charts (no JavaScript, no CDN): Python computes rectangles and
labels, the template draws them with presentation attributes only (the UI's CSP forbids inline styles).

Two shapes: `stacked_bars` (reviews per week by action) and `topic_bars` (complaints per week for one topic,
on a scale shared by all topics so volumes compare honestly; the last week turns red when it spiked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

ACTION_COLORS = {
    "thank": "#2e7d4f",
    "apologize": "#7b4fc9",
    "offer_fix": "#2457c5",
    "offer_discount": "#c26a12",
    "do_not_engage": "#9aa3ae",
}
BAR = "#5b6b80"
SPIKE = "#c62828"
LAST = "#1f2d3d"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str  # the tooltip: the exact figure behind the bar


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)  # y positions
    legend: list[tuple[str, str]] = field(default_factory=list)  # (fill, text)
    summary: str = ""  # for screen readers (<title> of the svg)
    plot_left: float = 0  # where gridlines start (after the axis labels)


def nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5, 10, 20, 50…)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def week_label(start: datetime) -> str:
    return f"{start:%d %b}"


def stacked_bars(
    week_starts: list[datetime], series: dict[str, list[int]], *, width: int = 480, height: int = 250
) -> Chart:
    left, right, top, bottom = 30, 4, 18, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(week_starts))
    totals = [sum(values[i] for values in series.values()) for i in range(n)]
    top_value = nice_max(max(totals, default=0))
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.7)
    chart = Chart(
        width=width,
        height=height,
        plot_left=left,
        summary=f"Reviews per week by action, {n} weeks, at most {max(totals, default=0)} a week",
    )
    for tick in (0, top_value / 2, top_value):
        y = top + plot_h - plot_h * tick / top_value
        chart.gridlines.append(round(y, 1))
        chart.labels.append(Label(left - 6, y + 4, f"{tick:g}", "end"))
    order = [a for a in ACTION_COLORS if a in series] + [a for a in series if a not in ACTION_COLORS]
    for i, start in enumerate(week_starts):
        x = left + i * slot + (slot - bar_w) / 2
        base: float = top + plot_h
        for action in order:
            value = series[action][i]
            if not value:
                continue
            h = plot_h * value / top_value
            base -= h
            chart.rects.append(
                Rect(
                    round(x, 1),
                    round(base, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    ACTION_COLORS.get(action, BAR),
                    f"week of {week_label(start)}: {value} {action.replace('_', ' ')}",
                )
            )
        if totals[i] and n <= 13:
            chart.labels.append(Label(round(x + bar_w / 2, 1), round(base - 4, 1), str(totals[i])))
        if n <= 8 or i % math.ceil(n / 8) == 0:
            chart.labels.append(Label(round(x + bar_w / 2, 1), height - 6, week_label(start)))
    chart.legend = [(ACTION_COLORS.get(a, BAR), a.replace("_", " ")) for a in order]
    return chart


def topic_bars(
    topic: str,
    values: list[int],
    week_starts: list[datetime],
    *,
    scale: int,
    spiked: bool,
    width: int = 220,
    height: int = 60,
) -> Chart:
    top, bottom = 15, 3
    plot_h = height - top - bottom
    n = max(1, len(values))
    slot = width / n
    bar_w = max(2.0, slot * 0.72)
    scale = max(scale, 1)
    chart = Chart(
        width=width, height=height, summary=f"{topic}: complaints per week, " + ", ".join(str(v) for v in values)
    )
    chart.gridlines.append(float(top + plot_h))
    for i, value in enumerate(values):
        h = max(plot_h * value / scale, 1.5 if value else 0)
        last = i == n - 1
        fill = SPIKE if last and spiked else LAST if last else BAR
        x = i * slot + (slot - bar_w) / 2
        chart.rects.append(
            Rect(
                round(x, 1),
                round(top + plot_h - h, 1),
                round(bar_w, 1),
                round(h, 1),
                fill,
                f"{topic}, week of {week_label(week_starts[i])}: {value} complaints",
            )
        )
        if value and n <= 13:
            chart.labels.append(Label(round(x + bar_w / 2, 1), round(top + plot_h - h - 3, 1), str(value)))
    return chart
