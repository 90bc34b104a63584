#!/usr/bin/env bash
# Installs everything kcbx needs on Debian 12, idempotently: Debian packages
# for the C++ build, PyPI packages for the Python module and its tests.
# Safe to run again: it installs only what is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev libboost-graph-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libxlsxwriter-dev zlib1g-dev
  googletest libgtest-dev libbenchmark-dev
  python3 python3-pip
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
PIP_PACKAGES=(pybind11 scikit-build-core numpy pandas pyarrow pytest openpyxl)
need_pip=0
for m in pybind11 scikit_build_core numpy pandas pyarrow pytest openpyxl; do
  "$PY" -c "import $m" 2>/dev/null || need_pip=1
done
if [ "$need_pip" = 1 ]; then
  echo "setup: pip installing ${PIP_PACKAGES[*]}"
  "$PY" -m pip install -q "${PIP_PACKAGES[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
echo "setup: ok"
