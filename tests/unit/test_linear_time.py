"""Every regular expression in the `assistant` package stays linear on long runs of separators.

Why: a review of "system" + 10,000 newlines + "late" made one pattern backtrack quadratically and froze the
service for 24 s. Review text is untrusted and up to 20,000 characters, so each pattern is timed on 5,000 and
20,000 characters of repeated separators; 4× the input may cost about 4× the time, not 16×.

Patterns are collected two ways, so a new one cannot hide: compiled `re.Pattern` objects reachable from every
module (module level, classes, and dict/list/tuple/set constants), and every `re.<function>("literal", …)` /
`re.compile("literal")` call found in the source with `ast` (patterns built inside functions).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import assistant

PACKAGE = Path(assistant.__file__).parent
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
UNIMPORTABLE = ("assistant.db.migrations",)  # alembic scripts run against a live migration context on import

SMALL, LARGE = 5_000, 20_000
RATIO = 8.0  # linear: ~4×; quadratic: ~16×
FLOOR = 0.05  # CPU seconds at LARGE below which noise decides nothing (linear patterns take a few ms)
SMALL_BUDGET = 0.25  # seconds at SMALL: beyond this, LARGE would take many seconds; fail without running it

# Runs a review can be made of: whitespace, punctuation, letters, digits, Cyrillic, markup-ish, and pairs.
UNITS = ["\n", " ", ".", "-", "a", "1", "я", "a ", "a.", "a-", "1 ", "#", "<", "+1"]


def _inputs(size: int) -> list[tuple[str, str]]:
    cases = []
    for unit in UNITS:
        run = (unit * (size // len(unit) + 1))[:size]
        cases.append((repr(unit), run))
    cases.append(("system+newlines+late", "system" + "\n" * size + "late"))
    return cases


def _module_patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    seen: set[int] = set()

    def walk(value: object, where: str, depth: int) -> None:
        if id(value) in seen or depth > 4:
            return
        seen.add(id(value))
        if isinstance(value, re.Pattern):
            found.setdefault(f"{value.pattern!r}/{value.flags & ~re.UNICODE}", value)  # str patterns are unicode
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, where, depth + 1)
                walk(item, where, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item, where, depth + 1)
        elif isinstance(value, type) and value.__module__.startswith("assistant"):
            for name, item in vars(value).items():
                walk(item, f"{where}.{name}", depth + 1)

    failures = []
    for info in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if info.name.startswith(UNIMPORTABLE):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:
            failures.append(f"{info.name}: {exc!r}")
            continue
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ != module.__name__:
                continue  # imported classes are checked in their own module
            walk(value, f"{info.name}.{name}", 0)
    assert not failures, f"modules that could not be imported: {failures}"
    return found


def _literal_patterns() -> dict[str, re.Pattern]:
    """`re.compile("…")`, `re.search(r"…", text)`, … with a literal pattern (and literal flags, if any)."""
    found: dict[str, re.Pattern] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in RE_FUNCTIONS
                and node.args
            ):
                continue
            try:
                pattern = ast.literal_eval(node.args[0])
            except ValueError:
                continue  # built at run time: a module-level one is found by _module_patterns
            flags = 0
            for keyword in node.keywords:
                if keyword.arg == "flags":
                    flags = _flags(keyword.value)
            index = {
                "compile": 1,
                "search": 2,
                "match": 2,
                "fullmatch": 2,
                "findall": 2,
                "finditer": 2,
                "split": 3,
                "sub": 4,
                "subn": 4,
            }[node.func.attr]
            if len(node.args) > index:
                flags = _flags(node.args[index])
            if isinstance(pattern, (str, bytes)) and flags is not None:
                anchored = node.func.attr in ("match", "fullmatch")  # tried at the start of the string only
                found.setdefault(
                    f"{pattern!r}/{flags & ~re.UNICODE}{'/match' if anchored else ''}",
                    Anchored(re.compile(pattern, flags)) if anchored else re.compile(pattern, flags),
                )
    return found


class Anchored:
    """A pattern the code only ever tries at one position (`re.match`): timed with `.match`, not at every start."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern = pattern

    def finditer(self, text: str):
        return iter([self.pattern.match(text)])


def _flags(node: ast.expr) -> int | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _flags(node.left), _flags(node.right)
        return None if left is None or right is None else left | right
    return None


def _seconds(pattern: re.Pattern | Anchored, text: str) -> float:
    source = pattern.pattern.pattern if isinstance(pattern, Anchored) else pattern.pattern
    if isinstance(source, bytes):
        text = text.encode("utf-8")
    start = time.thread_time()  # CPU time of this thread: other processes on a busy machine do not count
    for _ in pattern.finditer(text):
        pass
    return time.thread_time() - start


def super_linear(pattern: re.Pattern | Anchored) -> list[str]:
    """The inputs on which `pattern` grows faster than linearly (each timing re-checked before it counts)."""
    slow: list[str] = []
    for (name, small), (_, large) in zip(_inputs(SMALL), _inputs(LARGE), strict=True):
        t_small = _seconds(pattern, small)
        if t_small > SMALL_BUDGET:
            t_small = min(t_small, _seconds(pattern, small))
            if t_small > SMALL_BUDGET:
                slow.append(f"{name}: {t_small:.2f}s already at {SMALL} characters")
                continue
        if 16 * t_small < FLOOR:
            continue  # even quadratic growth would stay under the floor at LARGE: nothing to learn, time saved
        t_large = _seconds(pattern, large)
        if t_large > FLOOR and t_large > RATIO * t_small:
            t_small = min(_seconds(pattern, small) for _ in range(3))
            t_large = min(_seconds(pattern, large) for _ in range(3))
            if t_large > FLOOR and t_large > RATIO * max(t_small, 1e-6):
                slow.append(f"{name}: {t_small * 1000:.1f} ms → {t_large * 1000:.1f} ms")
        if len(slow) >= 2:
            break  # enough to show the pattern is broken; the rest of the inputs would only cost time
    return slow


PATTERNS = {**_module_patterns(), **_literal_patterns()}


def test_the_collector_finds_the_patterns_it_must_check() -> None:
    """A collector that finds nothing would pass every pattern: the rules' and the guard's must be in."""
    assert len(PATTERNS) > 100, len(PATTERNS)
    from assistant.server import hardening

    assert any(p is hardening._SECRETS[0][0] for p in PATTERNS.values()), "module-level lists of pairs are walked"


@pytest.mark.parametrize("pattern", [re.compile(r"\s*late"), re.compile(r"(?:\n|\s)+x"), re.compile(r"(a|a )*b")])
def test_the_timing_catches_a_quadratic_pattern(pattern: re.Pattern) -> None:
    assert super_linear(pattern), pattern.pattern


@pytest.mark.timeout(1200)  # a few minutes: ~300 patterns × 20 inputs, the largest alternations ~0.3 s each
def test_every_pattern_is_linear_on_long_runs_of_separators() -> None:
    slow = {}
    for key, pattern in sorted(PATTERNS.items()):
        if found := super_linear(pattern):
            slow[key[:160]] = found[:3]
    assert not slow, "super-linear patterns:\n" + "\n".join(f"{k}\n    {v}" for k, v in slow.items())
