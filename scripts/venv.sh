#!/usr/bin/env bash
# Print the virtualenv the scripts use, creating it when missing: $ASSISTANT_VENV, else the active one
# ($VIRTUAL_ENV), else ./.venv. Never the machine's own interpreter: what it already holds hides what a clean
# install lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${ASSISTANT_VENV:-${VIRTUAL_ENV:-$PWD/.venv}}
if [[ ! -x "$venv/bin/python" ]]; then
  python=${PYTHON:-python3}
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "Python 3.11 or newer is needed ($python is $("$python" -V 2>&1))" >&2; exit 1; }
  "$python" -m venv "$venv" >&2
fi
echo "$venv"
