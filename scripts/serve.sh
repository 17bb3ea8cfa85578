#!/usr/bin/env bash
# Set up and run the service with the embedded defaults (SQLite in ./data, SmolLM2 in-process, no network).
# Installs the runtime from requirements/runtime.lock into the virtualenv (scripts/venv.sh says which).
# A bootstrap admin key is printed on first start unless ASSISTANT_BOOTSTRAP_API_KEY is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
venv=$(bash scripts/venv.sh)
if [[ -z "${ASSISTANT_BOOTSTRAP_API_KEY:-}" ]]; then
  (umask 077; mkdir -p data)
  [[ -f data/bootstrap.key ]] || (umask 077; "$venv/bin/python" -c "import secrets; print('rra_' + secrets.token_urlsafe(32))" > data/bootstrap.key)
  export ASSISTANT_BOOTSTRAP_API_KEY=$(cat data/bootstrap.key)
  echo "API key (admin): $ASSISTANT_BOOTSTRAP_API_KEY   (kept in data/bootstrap.key)"
fi
exec "$venv/bin/assistant" serve "$@"
