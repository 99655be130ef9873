#!/usr/bin/env bash
# The fan-out curve (issue 17): nginx-rtmp and courtcast at merge windows
# 0, 20, 40 and 200 ms, RTMP and HTTP-FLV players, N players (default 1000),
# all in one run, in interleaved rounds (each round runs every point once, so
# a busy spell on the machine hits all of them alike). Prints, per point, the
# medians of CPU per player-second, latency p50/p95/p99 and memory per
# player, courtcast ÷ nginx-rtmp (the median of the ratios within each
# round), the issue's targets, and draws the curve as a PNG (gnuplot).
#
#   bench/curve.sh [N]                 default: 1000
#
# Environment: REPEAT (rounds, 3), SECONDS_PER_RUN (30), MERGES ("0 20 40 200"),
# PROTOS ("rtmp flv"), VARIANTS (extra courtcast builds or settings to run in
# the same rounds, e.g. "old": see bench/fanout.sh for BUILD_<V> / LIVE_<V>),
# EXTRA_CONFIGS (more fanout.sh configs for the same rounds, e.g. a lever
# off at two windows: "cc-0-rtmp@off cc-200-rtmp@off" with LIVE_off=...),
# PNG (bench/out/curve-<time>.png), and everything bench/fanout.sh takes
# (BUILD_DIR, WORKERS, BENCH_THREADS). The players all come from 127.0.0.1:
# fanout.sh lifts courtcast's per-address RTMP and HTTP caps for them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
need gnuplot
MERGES=${MERGES:-"0 20 40 200"}
PROTOS=${PROTOS:-"rtmp flv"}
VARIANTS=${VARIANTS:-}
N=${1:-1000}
PNG=${PNG:-$ROOT/bench/out/curve-$(date +%Y%m%d-%H%M%S).png}

configs="nginx-rtmp"
for v in "" $VARIANTS; do
  for m in $MERGES; do
    for p in $PROTOS; do configs+=" cc-$m-$p${v:+@$v}"; done
  done
done

configs+=" ${EXTRA_CONFIGS:-}"
echo "curve.sh: $(machine_note); configs: $configs" >&2
log=$(mktemp)
REPEAT=${REPEAT:-3} CONFIGS="$configs" "$ROOT/bench/fanout.sh" "$N" 2> >(tee "$log" >&2) >/dev/null
results=$(sed -n 's/^fanout.sh: results in //p' "$log" | head -n 1)
rm -f "$log"
[[ -s $results ]] || { echo "curve.sh: no results" >&2; exit 1; }
echo "curve.sh: $(machine_note) at the end; results in $results" >&2
python3 "$ROOT/bench/curve.py" "$results" "$PNG"
