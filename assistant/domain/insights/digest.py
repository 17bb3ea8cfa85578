"""The insights report as a terminal digest (rich) and as Markdown for an email.

Trend arrows read as the negative share moving: ↑ more complaints per mention (worse), ↓ fewer, → steady.
Review text is untrusted: in Markdown it is escaped so a mail client renders it as text, never as markup.
"""

from __future__ import annotations

import re

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.domain.insights.schemas import Insights, TopicStats

ARROWS = {"up": "↑", "down": "↓", "flat": "→", "new": "↑"}
TREND_STYLE = {"up": "bold red", "down": "green", "flat": "dim", "new": "bold red"}
BARS = "▁▂▃▄▅▆▇█"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")  # emphasis, links, HTML, tables: what can turn text into markup


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if not top:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


def trend_label(topic: TopicStats) -> str:
    return f"{ARROWS[topic.trend]} new" if topic.trend == "new" else ARROWS[topic.trend]


def scope(report: Insights) -> str:
    who = report.business or "all businesses"
    where = f" on {report.platform}" if report.platform else ""
    return f"{who}{where}, {report.start:%Y-%m-%d} → {report.end:%Y-%m-%d}"


def response_line(report: Insights) -> str:
    rt = report.response_time
    sla = f"SLA {rt.sla_hours:g} h" if rt.sla_hours else "SLA per playbook"
    return (
        f"{rt.answered} replies approved; median {hours(rt.median_hours)}, p90 {hours(rt.p90_hours)} from "
        f"ingest to approval; {sla}: {rt.sla_breaches} answered late, {rt.overdue_now} waiting past it now"
    )


def render_terminal(report: Insights, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"Complaints by topic — {scope(report)}", title_justify="left", header_style="bold")
    table.add_column("Topic")
    table.add_column("Complaints", justify="right")
    table.add_column("Mentions", justify="right")
    table.add_column("Negative", justify="right")
    table.add_column("Before", justify="right")
    table.add_column("Trend", justify="center")
    table.add_column("Complaints per week")
    for topic in report.topics:
        table.add_row(
            topic.topic,
            str(topic.negative),
            str(topic.total),
            percent(topic.negative_share),
            percent(topic.previous_share),
            Text(trend_label(topic), style=TREND_STYLE[topic.trend]),
            sparkline(topic.weekly_negative),
        )
    summary = Text(
        f"{report.reviews} reviews ({report.negative} negative); the period before: "
        f"{report.previous_reviews} ({report.previous_negative} negative)\n{response_line(report)}"
    )
    parts: list = [summary]
    if report.alerts:
        parts.append(Text("\n".join(f"⚠ {a.message}" for a in report.alerts), style="bold red"))
    console.print(Panel(Group(*parts), title="Review insights", expand=False))
    console.print(table if report.topics else Text("No classified reviews in this period.", style="dim"))


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(report: Insights) -> str:
    lines = [f"# Review insights: {md_escape(scope(report))}", ""]
    if report.alerts:
        lines += ["**Alerts**", ""] + [f"- ⚠ {md_escape(a.message)}" for a in report.alerts] + [""]
    lines += [
        f"{report.reviews} reviews ({report.negative} negative); the period before: {report.previous_reviews} "
        f"({report.previous_negative} negative).",
        "",
        f"Response time: {md_escape(response_line(report))}.",
        "",
    ]
    if report.topics:
        lines += [
            "| Topic | Complaints | Mentions | Negative share | Before | Trend | Per week |",
            "|---|---:|---:|---:|---:|:---:|---|",
        ]
        lines += [
            f"| {md_escape(t.topic)} | {t.negative} | {t.total} | {percent(t.negative_share)} | "
            f"{percent(t.previous_share)} | {trend_label(t)} | {sparkline(t.weekly_negative)} |"
            for t in report.topics
        ]
        lines.append("")
    if report.top_complaints:
        lines += ["## Top recurring complaints", ""]
        for complaint in report.top_complaints:
            lines += [f"### {md_escape(complaint.topic)} ({complaint.count})", ""]
            lines += [
                f"- review #{e.review_id}" + (f", {e.rating}★" if e.rating else "") + f": {md_escape(e.text)}"
                for e in complaint.examples
            ]
            lines.append("")
    return "\n".join(lines)
