#!/usr/bin/env bash
# Static checks, all from requirements/test.lock (CI: .ci/run step 2). Every check runs; the script fails if any
# failed, naming them.
#   ruff check / ruff format --check   lint and format ([tool.ruff] in pyproject.toml)
#   lint-imports                       the import layers and contracts ([tool.importlinter])
#   scripts/typecheck.py               mypy on assistant/, no error beyond scripts/mypy-baseline.txt ([tool.mypy])
#   deptry .                           every import declared, none only transitive ([tool.deptry])
# Usage: bash scripts/check.sh [path/to/venv/bin]   (default: the project virtualenv, as scripts/venv.sh picks it)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(bash scripts/venv.sh)/bin}
failed=()
step() {
  local name=$1; shift
  echo "== $name"
  "$@" || failed+=("$name")
}
step "ruff check" "$bin/ruff" check .
step "ruff format --check" "$bin/ruff" format --check .
step "lint-imports" "$bin/lint-imports"
step "mypy baseline" "$bin/python" scripts/typecheck.py
step "deptry" "$bin/deptry" .
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "all static checks passed"
