#!/usr/bin/env bash
# Set up and run the service with the embedded defaults (SQLite in ./data, SmolLM2 in-process, no network).
# A bootstrap admin key is printed on first start unless ASSISTANT_BOOTSTRAP_API_KEY is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [[ -z "${ASSISTANT_BOOTSTRAP_API_KEY:-}" ]]; then
  mkdir -p data
  [[ -f data/bootstrap.key ]] || (umask 077; python3 -c "import secrets; print('rra_' + secrets.token_urlsafe(32))" > data/bootstrap.key)
  export ASSISTANT_BOOTSTRAP_API_KEY=$(cat data/bootstrap.key)
  echo "API key (admin): $ASSISTANT_BOOTSTRAP_API_KEY   (kept in data/bootstrap.key)"
fi
exec assistant serve "$@"
