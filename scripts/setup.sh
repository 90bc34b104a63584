#!/usr/bin/env bash
# Installs everything kcbx needs on Debian 12, idempotently: Debian packages
# for the C++ build, PyPI packages for the Python module and its tests.
# Safe to run again: it installs only what is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  ccache  # scripts/compiler-cache.sh: pip install . reuses the C++ build's objects
  libyaml-cpp-dev libboost-graph-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libxlsxwriter-dev zlib1g-dev
  googletest libgtest-dev libbenchmark-dev
  python3 python3-pip
  clang libclang-rt-14-dev  # the ASan/UBSan build and libFuzzer (scripts/sanitize.sh, fuzz.sh)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PY=${PYTHON:-python3}
# The Python module (pip install .) and its tests: build tools, the table
# libraries it speaks, the scale-out stacks, and the benchmark baseline.
# name=import pairs; only the missing ones are installed.
PIP_PACKAGES=(
  "pybind11>=3=pybind11" "scikit-build-core=scikit_build_core" "numpy=numpy" "pandas=pandas"
  "pyarrow=pyarrow" "pytest=pytest" "openpyxl=openpyxl" "dask[distributed]=distributed"
  "pyspark=pyspark" "polars=polars" "duckdb=duckdb" "matplotlib=matplotlib" "mypy=mypy"
  "zen-engine=zen"
)
missing_pip=()
for entry in "${PIP_PACKAGES[@]}"; do
  module=${entry##*=}
  name=${entry%=*}
  "$PY" -c "import $module" 2>/dev/null || missing_pip+=("$name")
done
if [ ${#missing_pip[@]} -gt 0 ]; then
  echo "setup: pip installing ${missing_pip[*]}"
  "$PY" -m pip install -q "${missing_pip[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
# pyspark needs a Java runtime (17+).
if ! command -v java >/dev/null 2>&1; then
  echo "setup: installing a Java runtime for pyspark"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless
fi
echo "setup: ok"
