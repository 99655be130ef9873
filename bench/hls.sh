#!/usr/bin/env bash
# HLS benchmark (issue 16's targets: "HLS packaging adds under 1 % of a core
# per 4 Mbit/s stream with memory bounded by the window; the LL-HLS latency
# (publish to hls.js showing the frame) under 3 s on loopback").
#
# One courtcast, STREAMS public streams, each a 720p25 H.264 4 Mbit/s + AAC
# 128 kbit/s camera (2 s GOP, made once by FFmpeg) published in real time by
# FFmpeg (-c copy), recording off. Then ROUNDS rounds of two windows, in
# the same run, so the machine's noise falls on both alike:
#
#  - with HLS: one reader per stream fetches index.m3u8 every second and
#    each new segment once (what a cache in front does); the server's
#    on-CPU time (its threads' schedstat) over WINDOW s, and VmRSS at the window's end;
#  - without: the readers stop; once every packager has stopped (60 s
#    without a request) the same over WINDOW s.
#
# (with − without) / STREAMS is what HLS adds per stream, serving one
# reader included; medians over the rounds. VmRSS before any packager ran,
# then at the end of each window: flat from round to round, bounded. The packager thread's own CPU
# per stream comes from its `event=hls_stats` lines (CLOCK_THREAD_CPUTIME_ID
# around the packaging, what the load does not change), with the bytes its
# window holds. RSS with − without, against STREAMS × window_bytes, and
# from round to round, is the memory bound.
#
# Then the latency: the cameras stop, FFmpeg publishes bench/hls_clock.py's
# wall-clock barcode over a test picture (x264 ultrafast, zerolatency, 4
# Mbit/s) to one more stream, and bench/hls_latency.mjs plays it with
# hls.js in Chromium, reading the barcode off every frame it shows.
#
#   nice -n -10 bench/hls.sh
#
# Environment: STREAMS (4), ROUNDS (3; 0 measures the latency alone),
# WINDOW (20), SETTLE (8), LATENCY_SECONDS (45, 15 of them warm-up),
# LATENCY_RUNS (1: that many Chromiums one after the other, each a new
# hls.js from the live edge), BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$ROOT/bench/out
STREAMS=${STREAMS:-4}
ROUNDS=${ROUNDS:-3}
WINDOW=${WINDOW:-20}
SETTLE=${SETTLE:-8}
LATENCY_SECONDS=${LATENCY_SECONDS:-45}
LATENCY_RUNS=${LATENCY_RUNS:-1}
MEDIA=$OUT/hls-cam-720p25-4000k-30s.flv

need ffmpeg
need python3
need node

PIDS=()
CAMS=()
READERS=
cleanup() {
  # shellcheck disable=SC2086  # READERS: a list of PIDs, split on purpose
  stop_pids "${PIDS[@]}" "${CAMS[@]}" $READERS
  PIDS=()
}
trap cleanup EXIT

mkdir -p "$OUT"
camera_720p25 "$MEDIA"
echo "media: $(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$MEDIA") bit/s"

dir=$(mktemp -d)
rtmp=$(free_port)
http=$(free_port)
{
  echo "[server]"; echo "data_dir = \"$dir/var\""
  echo "[rtmp]"; echo "listen = \"127.0.0.1:$rtmp\""
  echo "[http]"; echo "listen = \"127.0.0.1:$http\""
  echo "[srt]"; echo 'listen = "127.0.0.1:0"'
  echo "[record]"; echo "enabled = false"
  echo "[log]"; echo 'level = "info"'
  for i in $(seq "$STREAMS") clock; do
    echo "[[stream]]"; echo "name = \"cam-$i\""; echo "key = \"bench-key-$i-123456\""; echo "public = true"
  done
} >"$dir/courtcast.toml"
"$BUILD/courtcast" serve --config "$dir/courtcast.toml" >"$dir/server.log" 2>&1 &
server=$!
PIDS+=("$server")
wait_port "$http" "$server"
for i in $(seq "$STREAMS"); do
  ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$MEDIA" -c copy -f flv \
    "rtmp://127.0.0.1:$rtmp/live/cam-$i?key=bench-key-$i-123456" </dev/null >/dev/null 2>&1 &
  CAMS+=("$!")
done
sleep "$SETTLE"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
window_pct() {  # the server's on-CPU time over WINDOW s (its threads' schedstat), in % of a core
  local c0 c1
  c0=$(sched_us "$server"); sleep "$WINDOW"; c1=$(sched_us "$server")
  python3 -c "print(round(($c1 - $c0) / ($WINDOW * 1e4), 3))"
}
stops() { grep -c "event=hls_stop" "$dir/server.log" || true; }

# One reader per stream: the playlist every second, each new segment once.
start_readers() {
  python3 - "$http" "$STREAMS" >>"$dir/readers.log" 2>&1 <<'PY' &
import sys, threading, time, urllib.request
port, streams = int(sys.argv[1]), int(sys.argv[2])
def reader(i):
    seen = set()
    base = f"http://127.0.0.1:{port}/live/cam-{i}/"
    while True:
        try:
            text = urllib.request.urlopen(base + "index.m3u8", timeout=10).read().decode()
            for line in text.splitlines():
                if line.endswith(".m4s") and "/seg" in line and line not in seen:
                    seen.add(line)
                    urllib.request.urlopen(base + line, timeout=10).read()
        except Exception as e:
            print(i, e, flush=True)
        time.sleep(1)
for i in range(1, streams + 1):
    threading.Thread(target=reader, args=(i,), daemon=True).start()
while True:
    time.sleep(60)
PY
  READERS=$!
}

rss_before=$(rss)  # before any packager ran
with=() without=() rss_with=() rss_without=()
for r in $(seq "$ROUNDS"); do
  start_readers
  sleep "$SETTLE"
  with+=("$(window_pct)")
  rss_with+=("$(rss)")
  before=$(stops)
  kill -TERM "$READERS"; wait "$READERS" 2>/dev/null || true; READERS=
  # Every packager stops 60 s after its last request.
  for _ in $(seq 120); do
    (($(stops) >= before + STREAMS)) && break
    sleep 1
  done
  sleep 2
  without+=("$(window_pct)")
  rss_without+=("$(rss)")
  echo "round $r: with HLS ${with[-1]} %, without ${without[-1]} %; RSS ${rss_with[-1]} / ${rss_without[-1]} KiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
load_cpu=$(cut -d' ' -f1-3 /proc/loadavg)

for p in "${CAMS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${CAMS[@]}"; do wait "$p" 2>/dev/null || true; done
CAMS=()

# The latency: the barcode clock over a test picture, to cam-clock.
python3 "$ROOT/bench/hls_clock.py" | ffmpeg -hide_banner -loglevel error \
  -re -f lavfi -i testsrc2=size=1280x720:rate=25 \
  -re -f rawvideo -pix_fmt yuv420p -s 1280x48 -r 25 -i - \
  -re -f lavfi -i sine=frequency=440:sample_rate=44100 \
  -filter_complex '[0:v][1:v]overlay=0:0[v]' -map '[v]' -map 2:a \
  -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p -b:v 4000k -maxrate 4000k \
  -bufsize 2000k -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac -b:a 128k -ac 2 -f flv \
  "rtmp://127.0.0.1:$rtmp/live/cam-clock?key=bench-key-clock-123456" >"$dir/clock.log" 2>&1 &
CAMS+=("$!")
sleep 3
latency=
for l in $(seq "$LATENCY_RUNS"); do
  one=$(SCREENSHOT="$OUT/hls-latency.png" node "$ROOT/bench/hls_latency.mjs" \
    "http://127.0.0.1:$http/live/cam-clock/index.m3u8" "$LATENCY_SECONDS" 15)
  echo "latency run $l: $one; load $(cut -d' ' -f1-3 /proc/loadavg)"
  latency+="$one,"
done
load_latency=$(cut -d' ' -f1-3 /proc/loadavg)

stats=$(grep -o 'event=hls_stats stream=cam-[0-9]* .*' "$dir/server.log" |
  sed -E 's/.*cpu_percent=([0-9.]+) .*window_bytes=([0-9]+).*/\1 \2/' | tr '\n' ';' || true)
python3 - <<PY
import json, statistics as st
streams = $STREAMS
with_, without = [$(IFS=,; echo "${with[*]}")], [$(IFS=,; echo "${without[*]}")]
rw, rwo = [$(IFS=,; echo "${rss_with[*]}")], [$(IFS=,; echo "${rss_without[*]}")]
stats = [tuple(map(float, s.split())) for s in "$stats".split(";") if s.strip()]
added = [(w - wo) / streams for w, wo in zip(with_, without)]
med = lambda a: round(st.median(a), 3) if a else None
latency = json.loads('[$latency]'.replace(',]', ']'))
print(json.dumps({
  "streams": streams, "rounds": len(added), "window_s": $WINDOW,
  "server_cpu_percent_with_hls": with_, "server_cpu_percent_without_hls": without,
  "hls_added_percent_of_a_core_per_stream": [round(a, 3) for a in added],
  "hls_added_percent_of_a_core_per_stream_median": med(added),
  "packager_thread_cpu_percent_per_stream_median": round(st.median([s[0] for s in stats]), 3) if stats else None,
  "packager_thread_cpu_percent_per_stream_max": max((s[0] for s in stats), default=None),
  "window_bytes_per_stream_max": int(max((s[1] for s in stats), default=0)),
  "rss_kib_before_any_hls": $rss_before, "rss_kib_with_hls": rw, "rss_kib_without_hls": rwo,

  "load_average_cpu_phase": "$load_cpu",
  "latency_runs": latency,
  "publish_to_shown_s_median_of_runs": med([r["publish_to_shown_s"]["median"] for r in latency]),
  "load_average_latency_phase": "$load_latency",
}, indent=1))
PY
cp "$dir/server.log" "$OUT/hls-server.log"
rm -rf "$dir"
