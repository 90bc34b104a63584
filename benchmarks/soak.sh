#!/usr/bin/env bash
# Soak test (issue 8, not run in CI): a hundred million generated records
# streamed through `kcbx classify` in one pipe, then the concurrency tests
# looped. Reports records, wall time, peak RSS and errors.
#
#   benchmarks/soak.sh                      # 100,000,000 records, 10 minutes of loops
#   benchmarks/soak.sh 10000000 120         # 10 million records, 2 minutes of loops
#
# Environment: KCBX_BIN (default build/kcbx), KCBX_TESTS (default
# build/tests/kcbx_concurrency_tests; a TSan build such as build-tsan/tests/kcbx_concurrency_tests finds races
# the loops provoke). Uses /usr/bin/time -v (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000000}
LOOP_SECONDS=${2:-600}
KCBX=${KCBX_BIN:-build/kcbx}
TESTS=${KCBX_TESTS:-build/tests/kcbx_concurrency_tests}
OUT=${KCBX_SOAK_DIR:-${TMPDIR:-/tmp}/kcbx-soak}
mkdir -p "$OUT"
[ -x "$KCBX" ] || { echo "soak: no $KCBX (scripts/build.sh builds it)"; exit 2; }
[ -x /usr/bin/time ] || { echo "soak: needs /usr/bin/time (apt-get install time)"; exit 2; }

echo "soak: $RECORDS records through kcbx generate | kcbx classify"
status=0
/usr/bin/time -v -o "$OUT/classify.time" bash -o pipefail -c \
  "'$KCBX' generate --stdout --students $RECORDS --seed 42 |
   '$KCBX' classify --students - --as-of 2019-11-15 --out /dev/null --rejects '$OUT/rejects.csv'" \
  2> "$OUT/classify.err" || status=$?
# /usr/bin/time measures the shell and its children; the peak RSS it gives
# is that of the largest process in the pipe (classify).
wall=$(grep 'Elapsed (wall clock)' "$OUT/classify.time" | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' "$OUT/classify.time" | awk '{print $NF}')
summary=$(grep -E 'read [0-9]+ = accepted' "$OUT/classify.err" || true)
echo "  exit status:  $status"
echo "  summary:     ${summary:-  (none)}"
echo "  wall time:    $wall"
echo "  peak RSS:     $((rss / 1024)) MiB"
echo "  rejects file: $(($(wc -l < "$OUT/rejects.csv") - 1)) rows"
if [ "$status" -ne 0 ] || [ -z "$summary" ]; then
  echo "soak: classify FAILED"; tail -20 "$OUT/classify.err"; exit 1
fi
read_n=$(sed -E 's/.*read ([0-9]+) = accepted ([0-9]+) \+ rejected ([0-9]+).*/\1/' <<< "$summary")
acc_n=$(sed -E 's/.*read ([0-9]+) = accepted ([0-9]+) \+ rejected ([0-9]+).*/\2/' <<< "$summary")
rej_n=$(sed -E 's/.*read ([0-9]+) = accepted ([0-9]+) \+ rejected ([0-9]+).*/\3/' <<< "$summary")
if [ "$read_n" -ne "$RECORDS" ] || [ "$read_n" -ne $((acc_n + rej_n)) ]; then
  echo "soak: records lost: read $read_n of $RECORDS, accepted $acc_n + rejected $rej_n"; exit 1
fi

if [ -x "$TESTS" ] && [ "$LOOP_SECONDS" -gt 0 ]; then
  echo "soak: concurrency tests looped for ${LOOP_SECONDS}s ($TESTS)"
  end=$(( $(date +%s) + LOOP_SECONDS ))
  loops=0
  failures=0
  while [ "$(date +%s)" -lt "$end" ]; do
    if ! "$TESTS" --gtest_filter='Concurrency*' --gtest_brief=1 > "$OUT/loop.log" 2>&1; then
      failures=$((failures + 1))
      cp "$OUT/loop.log" "$OUT/loop-failure-$failures.log"
    fi
    loops=$((loops + 1))
  done
  echo "  loops: $loops, failures: $failures"
  [ "$failures" -eq 0 ] || { echo "soak: concurrency FAILED (logs in $OUT)"; exit 1; }
fi
echo "soak: ok"
