#!/usr/bin/env bash
# Builds kcbx and runs every test: the GoogleTest suite, the rule-pack YAML
# tests and the consumer project (through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2
