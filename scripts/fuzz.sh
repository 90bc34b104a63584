#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang and
# -fsanitize=fuzzer,address,undefined into ./build-asan (CMake preset asan,
# shared with the sanitizer test run of scripts/sanitize.sh) and runs each for
# SECONDS_PER_TARGET seconds (default 10: the CI smoke run, about a minute
# in all), two targets at a time, with the seed corpora and the dictionary.
#
#   scripts/fuzz.sh              # every target, 10 s each
#   scripts/fuzz.sh 600          # every target, 10 minutes each
#   scripts/fuzz.sh 600 csv pack # only these targets
#
# New inputs accumulate in build-asan/corpus/<target>; a crash, leak, hang
# (> 25 s per input) or out-of-memory (> 2 GB) is saved to
# build-asan/artifacts/<target>-* and fails the script. Reproduce one with
#   build-asan/tests/fuzz/fuzz_<target> build-asan/artifacts/<target>-crash-...
# and turn it into a regression test in tests/cpp (README "Reliability").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_TARGET=${1:-10}
shift || true
ALL_TARGETS=(pack expr csv students events roster rule_tests)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
BUILD=build-asan

./scripts/setup-fuzz.sh
LOG="$BUILD/fuzz-build.log"
mkdir -p "$BUILD"
if ! { cmake --preset asan && cmake --build "$BUILD" --target fuzzers -j2; } > "$LOG" 2>&1; then
  tail -40 "$LOG"
  echo "fuzz: build failed (full log: $LOG)"
  exit 1
fi

# Seeds: the hand-written ones in tests/fuzz/seeds plus the project's own
# packs, tests and data files, with the selector bytes the targets expect
# (the encoding byte; for csv also the limits byte).
EXTRA="$BUILD/seeds"
rm -rf "$EXTRA"
for t in "${ALL_TARGETS[@]}"; do mkdir -p "$EXTRA/$t" "$BUILD/corpus/$t"; done
mkdir -p "$BUILD/artifacts"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$EXTRA/pack/repo$n.yaml"
done < <(find rules examples tests/data -name '*.yaml' ! -name '*.tests.yaml' -print0 2>/dev/null)
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$EXTRA/rule_tests/repo$n.yaml"
done < <(find rules examples tests/data -name '*.tests.yaml' -print0 2>/dev/null)
# Expressions: every expr/when/require scalar of the shipped packs, as a
# derived value (selector byte 0).
grep -ohE '(expr|when|require): .*' rules/*.yaml examples/provinces/*.yaml 2>/dev/null |
  sed -E 's/^(expr|when|require): //; s/^"(.*)"[,}]?.*$/\1/; s/, (then|clause|message):.*$//' |
  head -200 | while IFS= read -r e; do
    n=$((n + 1)); printf '\000%s' "$e" > "$EXTRA/expr/repo$n"
  done
while IFS= read -r -d '' f; do
  n=$((n + 1))
  base=$(head -c 200 "$f")
  case "$base" in
    *role*|*角色*) dest=roster ;;
    *type*|*类型*) dest=events ;;
    *) dest=students ;;
  esac
  # Only the first 200 lines: seeds stay small, the fuzzer stays fast.
  { printf '\000'; head -200 "$f"; } > "$EXTRA/$dest/repo$n"
  { printf '\002'; head -200 "$f" | iconv -f utf-8 -t gb18030 2>/dev/null || true; } > "$EXTRA/$dest/repo$n.gb18030"
  { printf '\000\000'; head -50 "$f"; } > "$EXTRA/csv/repo$n"
  { printf '\002\000'; head -50 "$f" | iconv -f utf-8 -t gb18030 2>/dev/null || true; } > "$EXTRA/csv/repo$n.gb18030"
done < <(find examples tests/data -name '*.csv' -print0 2>/dev/null)

max_len() {
  case "$1" in
    pack) echo 32768 ;; rule_tests) echo 16384 ;; expr) echo 2048 ;;
    csv|students) echo 8192 ;; *) echo 4096 ;;
  esac
}

# The same stack as scripts/sanitize.sh gives ASan: the longest flat
# expression the limits allow needs more than 8 MiB under ASan (see there).
ulimit -s 65536 2>/dev/null || true
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Each fuzzer runs on one core: two at a time (KCBX_JOBS) halve the wall time.
JOBS=${KCBX_JOBS:-2}
for t in "${TARGETS[@]}"; do
  [ -x "$BUILD/tests/fuzz/fuzz_$t" ] || { echo "fuzz: no target '$t'"; exit 2; }
done
run_target() {  # target: its log in $BUILD/fuzz-<target>.log, exit code in .rc
  local t=$1 rc=0
  "$BUILD/tests/fuzz/fuzz_$t" "$BUILD/corpus/$t" "tests/fuzz/seeds/$t" "$EXTRA/$t" \
    -dict=tests/fuzz/kcbx.dict -max_len="$(max_len "$t")" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$ROOT/$BUILD/artifacts/$t-" -print_final_stats=1 \
    > "$BUILD/fuzz-$t.log" 2>&1 || rc=$?
  echo "$rc" > "$BUILD/fuzz-$t.rc"
}
running=0
for t in "${TARGETS[@]}"; do
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
failed=()
summary=()
for t in "${TARGETS[@]}"; do
  out="$BUILD/fuzz-$t.log"
  rc=$(cat "$BUILD/fuzz-$t.rc")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -oE 'DONE[[:space:]]+cov: [0-9]+ ft: [0-9]+' "$out" | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+)/cov \1, ft \2/' || true)
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    summary+=("$(printf '%-11s %10s executions  FAILED (exit %s, see %s)' "$t" "$execs" "$rc" "$out")")
    grep -E 'ERROR|runtime error|invariant failed|Test unit written' "$out" | head -10 || true
  else
    summary+=("$(printf '%-11s %10s executions  ok  %s' "$t" "$execs" "$cov")")
  fi
done
echo "fuzz: results (${SECONDS_PER_TARGET}s per target)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $BUILD/artifacts)"
  exit 1
fi
echo "fuzz: ok"
