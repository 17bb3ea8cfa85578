"""mypy on assistant/ against a baseline that only shrinks (CI: scripts/check.sh).

The tree predates type checking: most of the baseline is SQLModel's column attributes typed as their Python
values (`Review.id == 3` is a `bool` to mypy), which only `sqlmodel.col()` around every column would silence.
New code must add no error: an error is keyed by file, code and message (no line numbers, so edits above an
old error do not move it), counted per key, and any count above the baseline's fails the check. When errors
are fixed the check says so; `--update` then rewrites the baseline, and refuses to while there are new
errors, so the baseline never grows.

    python scripts/typecheck.py            # check (mypy's settings: [tool.mypy] in pyproject.toml)
    python scripts/typecheck.py --update   # shrink the baseline after fixing errors (or write the first one)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy-baseline.txt"
# path:line: error: message  [code]   (columns are off in [tool.mypy], so there is no :col: part)
ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
LINE_REF = re.compile(r"\bline \d+\b")  # "defined on line 12" would move with every edit above it


def run_mypy() -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-error-codes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.exit(f"mypy failed to run:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def parse(output: str) -> tuple[Counter[str], dict[str, list[str]]]:
    """mypy's errors as baseline keys (counted), and where each key occurs (path:line)."""
    keys: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = ERROR.match(line)
        if match is None:
            continue
        message = LINE_REF.sub("line N", match["message"])
        key = f"{match['path']}: [{match['code'] or 'misc'}] {message}"
        keys[key] += 1
        where.setdefault(key, []).append(f"{match['path']}:{match['line']}")
    return keys, where


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    return Counter(line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line.strip())


def write_baseline(keys: Counter[str]) -> None:
    BASELINE.write_text("".join(f"{key}\n" for key in sorted(keys.elements())), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="rewrite the baseline (only when nothing is new)")
    args = parser.parse_args()

    current, where = parse(run_mypy())
    baseline = read_baseline()
    new = current - baseline
    fixed = baseline - current
    if args.update and not BASELINE.exists():  # the first freeze
        write_baseline(current)
        print(f"baseline written: {sum(current.values())} error(s)")
        return 0
    if new:
        print(f"mypy: {sum(new.values())} error(s) not in {BASELINE.relative_to(ROOT)}:")
        for key, count in sorted(new.items()):
            print(f"  {key}  (x{count}; at {', '.join(where[key])})")
        print("Fix them; the baseline only shrinks.")
        return 1
    if args.update:
        write_baseline(current)
        print(f"baseline rewritten: {sum(current.values())} error(s), {sum(fixed.values())} fewer than before")
        return 0
    print(f"mypy: no new errors ({sum(current.values())} in the baseline's keys)")
    if fixed:
        print(
            f"{sum(fixed.values())} baseline error(s) are gone: shrink the baseline with "
            "`python scripts/typecheck.py --update` and commit it"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
