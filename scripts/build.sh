#!/usr/bin/env bash
# Configures and builds kcbx (Release) into ./build with 2 parallel jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/compiler-cache.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$KCBX_LAUNCHER" "$@" > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j2 >> build.log 2>&1 || { tail -50 build.log; exit 1; }
echo "build: ok (./build/kcbx)"
