#!/usr/bin/env bash
# Sanitizer runs (issue 8), each in its own build folder:
#   1. clang, ASan + UBSan (-O1 -g1): the whole C++ test suite (ctest), any
#      report fatal (halt_on_error);                          ./build-asan
#      The same folder builds the libFuzzer targets (scripts/fuzz.sh): one
#      instrumented library serves both, which halves CI's build time.
#   2. g++, TSan (-O1 -g1): the concurrency tests (kcbx_concurrency_tests:
#      one engine from many threads, batches on all cores);  ./build-tsan
# -g1: line tables, all a report's stack trace needs (file:line); full -g
# made the instrumented build about a tenth slower. Tests only: no
# benchmarks, examples or Python module. The CMake presets
# `asan` and `tsan` (CMakePresets.json) hold the same settings.
#
#   scripts/sanitize.sh          # both
#   scripts/sanitize.sh asan     # only ASan + UBSan
#   scripts/sanitize.sh tsan     # only TSan
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-all}
JOBS=${KCBX_JOBS:-2}

configure_and_build() {  # preset, target...
  local preset=$1; shift
  local log="build-$preset/sanitize-build.log"
  mkdir -p "build-$preset"
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  if ! { cmake --preset "$preset" && cmake --build "build-$preset" -j"$JOBS" "${targets[@]}"; } \
       > "$log" 2>&1; then
    tail -60 "$log"
    echo "sanitize: $preset build failed (full log: $log)"
    exit 1
  fi
}

if [ "$WHICH" = all ] || [ "$WHICH" = asan ]; then
  start=$(date +%s)
  ./scripts/setup-fuzz.sh > /dev/null  # clang
  configure_and_build asan
  # detect_stack_use_after_return finds more but makes the CLI tests slow;
  # leaks are reported (detect_leaks) and every report stops the test.
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  # ASan frames are 3-5 times larger: the checker's recursion over the
  # longest flat expression the limits allow (16 KiB, ~4,000 operators)
  # needs 1-2 MiB of stack in a release build and more than the usual 8 MiB
  # under ASan. Give the tests room rather than report ASan's own overhead.
  ulimit -s 65536 2>/dev/null || ulimit -s unlimited 2>/dev/null || true
  # The consumer projects rebuild the library without sanitizers: they test
  # packaging (scripts/test.sh runs them), not memory.
  ctest --test-dir build-asan --output-on-failure -j"$JOBS" --timeout 1200 --no-tests=error -E '^consumer_'
  echo "sanitize: asan+ubsan ok ($(( $(date +%s) - start )) s)"
fi

if [ "$WHICH" = all ] || [ "$WHICH" = tsan ]; then
  start=$(date +%s)
  configure_and_build tsan kcbx_concurrency_tests
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
  # Some kernels randomise mmap addresses more than TSan's shadow memory
  # allows ("unexpected memory mapping"); running without address-space
  # randomisation avoids it and changes nothing else.
  run=()
  if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
    run=(setarch "$(uname -m)" -R)
  fi
  "${run[@]}" build-tsan/tests/kcbx_concurrency_tests --gtest_brief=1
  echo "sanitize: tsan ok ($(( $(date +%s) - start )) s)"
fi
