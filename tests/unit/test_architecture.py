"""The import layers hold (import-linter's contracts in pyproject.toml), and the mypy baseline check only lets
the baseline shrink. CI runs both tools through scripts/check.sh; the layers are also checked here so that a
leaking import fails the test run with import-linter's own explanation."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _typecheck():
    spec = importlib.util.spec_from_file_location("typecheck", ROOT / "scripts" / "typecheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def test_mypy_errors_are_keyed_without_line_numbers_and_counted() -> None:
    parse = _typecheck().parse
    before = (
        'assistant/a.py:10: error: Item "None" of "int | None" has no attribute "desc"  [union-attr]\n'
        'assistant/a.py:12: error: Item "None" of "int | None" has no attribute "desc"  [union-attr]\n'
        "assistant/a.py:14: note: See https://mypy.readthedocs.io\n"
        'assistant/b.py:3: error: Name "x" already defined on line 1  [no-redef]\n'
    )
    moved = before.replace(":10:", ":40:").replace(":12:", ":41:").replace(":3:", ":9:").replace("line 1", "line 7")
    keys, where = parse(before)
    assert keys == parse(moved)[0]  # an edit above an old error does not make it new
    assert keys['assistant/a.py: [union-attr] Item "None" of "int | None" has no attribute "desc"'] == 2
    assert where['assistant/b.py: [no-redef] Name "x" already defined on line N'] == ["assistant/b.py:3"]
    one_more = before + 'assistant/a.py:99: error: Item "None" of "int | None" has no attribute "desc"  [union-attr]\n'
    assert parse(one_more)[0] - keys == Counter(
        {'assistant/a.py: [union-attr] Item "None" of "int | None" has no attribute "desc"': 1}
    )
