#!/usr/bin/env bash
# Soak: one live session run for MINUTES (default 30) with faults, as issue 18
# describes it; bench/soak.py says what happens and what is checked.
#
#   bench/soak.sh [MINUTES]
#
# Environment: BUILD_DIR (build; courtcast and courtcast-bench are built there
# when missing), OUT (bench/out/soak-<time>), SEED (18: the takes' and the
# players' random choices).
# Results in OUT: samples.csv (every 10 s: seconds, rss_kib, fds, threads,
# cpu_percent, pid), soak.png (the plot), report.txt (the checks, the warning
# and error lines by event, the timeline of faults), server.log, the
# platforms' recordings under nginx*/record/PORT/. Exit status 0 when every
# check passed. Mounting the recordings' tmpfs needs root; without it the
# disk-full fault is skipped (the report says so).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
MINUTES=${1:-30}
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$ROOT/bench/out/soak-$(date +%Y%m%d-%H%M%S)}

need ffmpeg
need ffprobe
need nginx
need python3
need gnuplot
need fallocate

if [[ ! -x $BUILD/courtcast || ! -x $BUILD/courtcast-bench ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast courtcast-bench
fi

mkdir -p "$OUT"
status=0
COURTCAST_BIN=$BUILD/courtcast COURTCAST_BENCH_BIN=$BUILD/courtcast-bench \
  python3 "$ROOT/bench/soak.py" "$MINUTES" --out "$OUT" --seed "${SEED:-18}" || status=$?

# RSS and open files over the run (left), CPU and threads (right); the
# restart after the kill -9 shows as a new pid in samples.csv.
if [[ -s $OUT/samples.csv ]]; then
  gnuplot <<EOF
set terminal pngcairo size 1100,500 font ",10"
set output "$OUT/soak.png"
set datafile separator ","
set key top left
set xlabel "minutes"
set multiplot layout 1,2 title "courtcast soak, $MINUTES min ($(basename "$OUT"))"
set ylabel "RSS (MiB)"
set y2label "open files"
set ytics nomirror
set y2tics
plot "$OUT/samples.csv" every ::1 using (\$1/60):(\$2/1024) with lines title "RSS", \
     "" every ::1 using (\$1/60):3 axes x1y2 with lines title "fds"
set ylabel "CPU (% of one core)"
set y2label "threads"
plot "$OUT/samples.csv" every ::1 using (\$1/60):5 with lines title "CPU", \
     "" every ::1 using (\$1/60):4 axes x1y2 with lines title "threads"
unset multiplot
EOF
  echo "soak.sh: plot in $OUT/soak.png"
fi
echo "soak.sh: report in $OUT/report.txt"
exit "$status"
