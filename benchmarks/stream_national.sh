#!/usr/bin/env bash
# National-scale streaming benchmark (issue 7, not in CI): generated
# students piped through `kcbx run` (default 160,000,000: the country's
# compulsory-education students), reading stdin in bounded chunks, with
# ledgers and indicators accumulated per jurisdiction. Reports records,
# wall time and peak memory of `kcbx run` (target: <= 2 GB, <= 15 minutes on
# 2 cores).
#
#   benchmarks/stream_national.sh                    # 160 million
#   benchmarks/stream_national.sh 10000000           # 10 million
#
# Environment: KCBX_BIN (default build/kcbx), KCBX_STREAM_DIR (outputs;
# default $TMPDIR/kcbx-national), FORMATS (default csv). Needs /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${1:-160000000}
KCBX=${KCBX_BIN:-build/kcbx}
OUT=${KCBX_STREAM_DIR:-${TMPDIR:-/tmp}/kcbx-national}
FORMATS=${FORMATS:-csv}
[ -x "$KCBX" ] || { echo "stream_national: no $KCBX (scripts/build.sh builds it)"; exit 2; }
[ -x /usr/bin/time ] || { echo "stream_national: needs /usr/bin/time (apt-get install time)"; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"
echo "stream_national: $STUDENTS students: kcbx generate --stdout | kcbx run --students -"
start=$(date +%s)
status=0
# /usr/bin/time wraps `kcbx run` alone, so its peak RSS is the run's.
"$KCBX" generate --stdout --students "$STUDENTS" --seed 7 --as-of 2019-11-15 |
  /usr/bin/time -v -o "$OUT/time.txt" \
    "$KCBX" run --students - --as-of 2019-11-15 --out "$OUT/ledgers" --format "$FORMATS" \
    > "$OUT/summary.txt" 2> "$OUT/stderr.txt" || status=$?
end=$(date +%s)
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time.txt")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
echo "  exit status: $status"
grep -E 'students|read' "$OUT/summary.txt" "$OUT/stderr.txt" | head -5 || true
echo "  wall time:   $wall (pipeline $((end - start)) s)"
echo "  peak RSS:    $((rss_kb / 1024)) MiB (kcbx run)"
[ "$status" -eq 0 ] || { tail -20 "$OUT/stderr.txt"; exit 1; }
