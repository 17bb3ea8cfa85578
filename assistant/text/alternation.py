r"""One pattern for many phrases, in the form Python's regular expressions run fast.

`any_of(r"\bвозврат\w*", r"\brefund\w*", …)` matches exactly what `(?:\bвозврат\w*)|(?:\brefund\w*)|…` matches, in
the same order of preference. Written that way, `re` tries every alternative at every position of the text, and
each begins by asking for a word boundary; here each run of consecutive alternatives that begin with `\b` shares
one `\b(?:…)`, which `re` checks once per position, and then skips an alternative at once when its first letter
is not the text's (the guard's remedy and leak patterns: 2.5-3.5 times faster on drafts, the same matches).
"""

from __future__ import annotations

import re
from itertools import groupby

_BOUNDARY = r"\b"


def any_of(*parts: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A pattern matching any of `parts` (tried in order, as `a|b|c` would be)."""
    alternatives = []
    for bounded, run in groupby(parts, key=lambda part: part.startswith(_BOUNDARY)):
        if bounded:
            inner = "|".join(f"(?:{part[len(_BOUNDARY) :]})" for part in run)
            alternatives.append(f"{_BOUNDARY}(?:{inner})")
        else:
            alternatives.extend(f"(?:{part})" for part in run)
    return re.compile("|".join(alternatives), flags)
