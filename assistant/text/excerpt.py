"""A short, readable excerpt of a text (queue rows, previews)."""

from __future__ import annotations


def excerpt(text: str, limit: int = 180) -> str:
    """At most `limit` characters, cut at a word boundary (never mid-word), with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    else:
        cut = cut[:limit]
    return cut.rstrip(" ,.;:—-") + "…"
