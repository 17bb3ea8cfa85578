#!/usr/bin/env bash
# Set up and run the whole test suite: SQLite and PostgreSQL, the scripted LLM server, the embedded model,
# and Chromium for browser tests. Installs from requirements/test.lock into the virtualenv (scripts/venv.sh
# says which). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
bash scripts/services.sh
venv=$(bash scripts/venv.sh)
set +e
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit $rc
