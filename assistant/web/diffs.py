"""Word-level diffs between draft versions (difflib), as segments the template escapes and marks up.

Words carry their trailing whitespace, and a lone short word left "equal" between two changes is folded
into them, so a rewritten sentence reads as one deletion and one insertion instead of confetti."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+\s*", re.UNICODE)
_SHORT_EQUAL = 2  # equal runs of at most this many tokens between changes get folded in


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal / delete / insert; replacements come out as a delete then an insert."""
    a, b = _tokens(before), _tokens(after)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # fold short equal runs sandwiched between changes into a replace
    merged: list[list] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        sandwiched = 0 < index < len(opcodes) - 1 and op == "equal" and i2 - i1 <= _SHORT_EQUAL
        if merged and (sandwiched or op != "equal") and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
        elif sandwiched:
            merged.append(["replace", i1, i2, j1, j2])
        else:
            merged.append([op, i1, i2, j1, j2])
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in merged:
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("insert", "".join(b[j1:j2])))
    return segments


def changed_words(segments: list[tuple[str, str]]) -> tuple[int, int]:
    """(words removed, words added): a one-line summary of a version."""

    def count(op: str) -> int:
        return sum(len(re.findall(r"\w+", text)) for kind, text in segments if kind == op)

    return count("delete"), count("insert")
