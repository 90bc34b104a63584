#!/usr/bin/env bash
# Builds kcbx and runs every test: the GoogleTest suite, the rule-pack YAML
# tests and the consumer project (through ctest), then installs the Python
# module with pip (scikit-build-core driving the same CMake project) and runs
# its pytest suite, including the Dask and Spark equality tests; then the
# reliability runs: the C++ suite under ASan+UBSan, the concurrency tests
# under TSan, and a smoke run of every libFuzzer target (about a minute).
# KCBX_SKIP_SANITIZERS=1 stops after pytest (for a quick local loop).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2
PY=${PYTHON:-python3}
# --no-build-isolation: scripts/setup.sh installed the build requirements.
# The compiler cache (scripts/compiler-cache.sh) gives the module's build the
# library objects ./build compiled, given the same compiler: left to itself
# scikit-build-core picks g++ where CMake picked c++, the same compiler under
# another name, which ccache counts as another.
. scripts/compiler-cache.sh
CXX_OF_BUILD=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' build/CMakeCache.txt)
if ! "$PY" -m pip install -q --no-build-isolation \
     -C cmake.define.CMAKE_CXX_COMPILER_LAUNCHER="$KCBX_LAUNCHER" \
     -C cmake.define.CMAKE_CXX_COMPILER="$CXX_OF_BUILD" . > "${TMPDIR:-/tmp}/kcbx-pip-install.log" 2>&1; then
  cat "${TMPDIR:-/tmp}/kcbx-pip-install.log"
  echo "test: pip install . failed"
  exit 1
fi
KCBX_CLI="$PWD/build/kcbx" "$PY" -m pytest tests/python
if [ "${KCBX_SKIP_SANITIZERS:-0}" != 1 ]; then
  ./scripts/sanitize.sh
  ./scripts/fuzz.sh 8
fi
