#!/usr/bin/env bash
# Builds kcbx and runs every test: the GoogleTest suite, the rule-pack YAML
# tests and the consumer project (through ctest), then installs the Python
# module with pip (scikit-build-core driving the same CMake project) and runs
# its pytest suite, including the Dask and Spark equality tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2
PY=${PYTHON:-python3}
# --no-build-isolation: scripts/setup.sh installed the build requirements.
if ! "$PY" -m pip install -q --no-build-isolation . > "${TMPDIR:-/tmp}/kcbx-pip-install.log" 2>&1; then
  cat "${TMPDIR:-/tmp}/kcbx-pip-install.log"
  echo "test: pip install . failed"
  exit 1
fi
KCBX_CLI="$PWD/build/kcbx" "$PY" -m pytest tests/python
