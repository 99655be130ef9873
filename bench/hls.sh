#!/usr/bin/env bash
# HLS benchmark (issue 16's targets: "HLS packaging adds under 1 % of a core
# per 4 Mbit/s stream with memory bounded by the window; the LL-HLS latency
# (publish to hls.js showing the frame) under 3 s on loopback").
#
# STREAMS public streams, each a 720p25 H.264 ~4 Mbit/s + AAC camera (2 s
# GOP, made once by FFmpeg) published in real time by FFmpeg (-c copy),
# recording off. Then:
#
#  1. CPU without HLS: the server's utime + stime over WINDOW s.
#  2. HLS on every stream: one reader per stream fetches index.m3u8 every
#     second and each new segment once (what a cache in front does); after
#     SETTLE s, the server's CPU over WINDOW s again. (2 − 1) / STREAMS is
#     what HLS adds per stream, serving one reader included. The packager's
#     own thread CPU per stream comes from its `event=hls_stats` log lines
#     (CLOCK_THREAD_CPUTIME_ID around the packaging, independent of load).
#     VmRSS at the start and end of the HLS window: memory stays flat.
#  3. Latency: bench/hls_latency.mjs plays stream 1 with hls.js in Chromium
#     and samples publish → shown (see that file).
#
#   bench/hls.sh
#
# Environment: STREAMS (4), WINDOW (40), SETTLE (10), LATENCY_SECONDS (45),
# BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$ROOT/bench/out
STREAMS=${STREAMS:-4}
WINDOW=${WINDOW:-40}
SETTLE=${SETTLE:-10}
LATENCY_SECONDS=${LATENCY_SECONDS:-45}
MEDIA=$OUT/air-cam-720p25-4000k-30s.flv

need ffmpeg
need python3
need node

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT

mkdir -p "$OUT"
if [[ ! -f $MEDIA ]]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 30 -c:v libx264 -preset veryfast \
    -pix_fmt yuv420p -b:v 4000k -maxrate 4000k -bufsize 4000k -g 50 -keyint_min 50 \
    -sc_threshold 0 -c:a aac -b:a 128k -ac 2 -f flv "$MEDIA"
fi

dir=$(mktemp -d)
rtmp=$(free_port)
http=$(free_port)
{
  echo "[server]"; echo "data_dir = \"$dir/var\""
  echo "[rtmp]"; echo "listen = \"127.0.0.1:$rtmp\""
  echo "[http]"; echo "listen = \"127.0.0.1:$http\""
  echo "[record]"; echo "enabled = false"
  echo "[log]"; echo 'level = "info"'
  for i in $(seq "$STREAMS"); do
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
  PIDS+=("$!")
done
sleep "$SETTLE"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
c0=$(cpu_total_ms "$server"); sleep "$WINDOW"; c1=$(cpu_total_ms "$server")
base_pct=$(python3 -c "print(round(($c1 - $c0) / ($WINDOW * 10), 3))")

# One reader per stream: the playlist every second, each new segment once.
python3 - "$http" "$STREAMS" "$((SETTLE + WINDOW + LATENCY_SECONDS + 5))" >"$dir/readers.log" 2>&1 <<'PY' &
import sys, threading, time, urllib.request
port, streams, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
def reader(i):
    seen, end = set(), time.monotonic() + seconds
    base = f"http://127.0.0.1:{port}/live/cam-{i}/"
    while time.monotonic() < end:
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
time.sleep(seconds)
PY
PIDS+=("$!")
sleep "$SETTLE"
r0=$(rss_kib)
c0=$(cpu_total_ms "$server"); sleep "$WINDOW"; c1=$(cpu_total_ms "$server")
r1=$(rss_kib)
hls_pct=$(python3 -c "print(round(($c1 - $c0) / ($WINDOW * 10), 3))")

latency=$(node "$ROOT/bench/hls_latency.mjs" "http://127.0.0.1:$http/live/cam-1/index.m3u8" \
  "$LATENCY_SECONDS" 15)
stats=$(grep -o 'event=hls_stats stream=cam-[0-9]* .*cpu_percent=[0-9.]*' "$dir/server.log" |
  sed 's/.*cpu_percent=//' | sort -n | tr '\n' ' ')
python3 - <<PY
import json
base, hls, streams = $base_pct, $hls_pct, $STREAMS
print(json.dumps({
  "streams": streams, "window_s": $WINDOW,
  "server_cpu_percent_without_hls": base, "server_cpu_percent_with_hls": hls,
  "hls_added_percent_of_a_core_per_stream": round((hls - base) / streams, 3),
  "packager_thread_cpu_percent_per_stream_samples": [float(x) for x in "$stats".split()],
  "rss_kib_hls_window_start_end": [$r0, $r1],
  "latency": json.loads('$latency'),
}, indent=1))
PY
grep -c "event=hls_start" "$dir/server.log" >/dev/null
rm -rf "$dir"
