#!/usr/bin/env bash
# End-to-end benchmark of the main job: generates a synthetic province
# (default 6,000,000 students, all 88 Guizhou counties) with `kcbx generate`
# and times `kcbx run` on it with /usr/bin/time -v (wall time, peak RSS).
# Target (issue 4): under 30 s and under 4 GB on 2 cores.
#
#   benchmarks/run_province.sh [KCBX_BINARY] [STUDENTS] [WORKDIR]
#   FORMATS=csv,xlsx,json KEEP=1 benchmarks/run_province.sh build/kcbx
#
# The generated input is reused when WORKDIR already holds one of the same
# size and seed. The run's outputs are removed afterwards unless KEEP=1.
set -euo pipefail

KCBX=${1:-build/kcbx}
STUDENTS=${2:-6000000}
WORK=${3:-${TMPDIR:-/tmp}/kcbx-province-${STUDENTS}}
FORMATS=${FORMATS:-csv,xlsx,json}
SEED=${SEED:-1}
AS_OF=${AS_OF:-2019-11-15}

if [ ! -x "$KCBX" ]; then
  echo "run_province: no kcbx binary at '$KCBX' (build first, or pass its path)" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ]; then
  echo "run_province: /usr/bin/time is missing (Debian: apt-get install time)" >&2
  exit 2
fi

mkdir -p "$WORK"
STAMP="$WORK/.generated-$STUDENTS-$SEED-$AS_OF"
if [ ! -f "$STAMP" ]; then
  echo "run_province: generating $STUDENTS students into $WORK/input"
  /usr/bin/time -f "  generate: %e s wall, %M KB peak RSS" \
    "$KCBX" generate --students "$STUDENTS" --seed "$SEED" --as-of "$AS_OF" --out "$WORK/input"
  touch "$STAMP"
fi
ls -l "$WORK/input"

OUT="$WORK/out"
rm -rf "$OUT"
echo "run_province: kcbx run --format $FORMATS on $(nproc) cores"
/usr/bin/time -v -o "$WORK/time.txt" \
  "$KCBX" run --students "$WORK/input/students.csv" --events "$WORK/input/events.csv" \
    --officials "$WORK/input/officials.csv" --as-of "$AS_OF" --out "$OUT" --format "$FORMATS" \
    > "$WORK/summary.txt"
cat "$WORK/summary.txt"

wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
user=$(sed -n 's/.*User time (seconds): //p' "$WORK/time.txt")
sys=$(sed -n 's/.*System time (seconds): //p' "$WORK/time.txt")
cpu=$(sed -n 's/.*Percent of CPU this job got: //p' "$WORK/time.txt")
echo
echo "run_province: $STUDENTS students, formats $FORMATS"
echo "  wall ${wall}  user ${user} s  sys ${sys} s  cpu ${cpu}"
echo "  peak RSS $((rss_kb / 1024)) MB"
echo "  outputs $(du -sh "$OUT" | cut -f1) in $(ls "$OUT" | wc -l) files"
if [ "${KEEP:-0}" != 1 ]; then rm -rf "$OUT"; fi
