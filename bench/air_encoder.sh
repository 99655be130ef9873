#!/usr/bin/env bash
# Air encoder benchmark (issue 15's target: "conforming 720p25 air, with
# graphics, costs at most 60 % of one core (decode + filters + x264
# veryfast), adds at most 300 ms between program and air, and its memory
# stays flat; pass-through costs stay as they are").
#
# One 720p25 camera (H.264 ~4 Mbit/s with B-frames + AAC 44.1 kHz, 2 s GOP,
# generated once by FFmpeg) is published in real time, looping, by FFmpeg
# (-c copy) to cam-a. Each mode gets a fresh `courtcast serve` with
# [[program]] air1 over cam-a, delay 0, cam-a taken:
#
#   conform      air 1280x720 25 fps, 2500 kbps, veryfast, clock + title caption
#   passthrough  air as the camera sends it
#
# After SETTLE s, over WINDOW s: the server's CPU (utime + stime), the air
# encoder thread's CPU (schedstat of "enc:air1"), VmRSS every SAMPLE s (first
# and last reported: flat memory), and the encoder's own program→air latency
# (GET /api/v1/programs/air1 → air.encoder.latency_ms_mean/max: from a
# picture's packet reaching the encoder to its air packet leaving it).
#
#   bench/air_encoder.sh
#
# Environment: WINDOW (60), SETTLE (10), SAMPLE (10), MODES ("conform
# passthrough"), BUILD_DIR (directory holding courtcast; default build).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$ROOT/bench/out
WINDOW=${WINDOW:-60}
SETTLE=${SETTLE:-10}
SAMPLE=${SAMPLE:-10}
MODES=${MODES:-"conform passthrough"}
MEDIA=$OUT/air-cam-720p25-4000k-30s.flv

need ffmpeg
need python3
need curl

PIDS=()
cleanup() {
  stop_pids "${PIDS[@]}"
  PIDS=()
}
trap cleanup EXIT

mkdir -p "$OUT"
camera_720p25 "$MEDIA"

run() {  # run MODE: prints one JSON line
  local mode=$1 dir rtmp http pid pub token
  dir=$(mktemp -d)
  rtmp=$(free_port)
  http=$(free_port)
  cat >"$dir/courtcast.toml" <<TOML
[server]
data_dir = "$dir/var"
[rtmp]
listen = "127.0.0.1:$rtmp"
[http]
listen = "127.0.0.1:$http"
[record]
enabled = false
[log]
level = "info"
[[stream]]
name = "cam-a"
key = "bench-key-a-1234"
[[program]]
name = "air1"
inputs = ["cam-a"]
delay_seconds = 0
air_mode = "$mode"
air_title = "（2026）甘0602执1234号 强制腾退 直击执行现场"
TOML
  "$BUILD/courtcast" serve --config "$dir/courtcast.toml" >"$dir/log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_port "$http" "$pid"
  token=$(cat "$dir/var/keys/api-token")
  ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$MEDIA" -c copy -f flv \
    "rtmp://127.0.0.1:$rtmp/live/cam-a?key=bench-key-a-1234" </dev/null >/dev/null 2>&1 &
  pub=$!
  PIDS+=("$pub")
  sleep 3
  curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"input":"cam-a"}' "http://127.0.0.1:$http/api/v1/programs/air1/take" >/dev/null
  sleep "$SETTLE"
  local c0 e0 rss=() t
  c0=$(cpu_total_ms "$pid")
  e0=$(thread_cpu_us "$pid" "enc:")
  for ((t = 0; t < WINDOW; t += SAMPLE)); do
    rss+=("$(rss_kib "$pid")")
    sleep "$SAMPLE"
  done
  rss+=("$(rss_kib "$pid")")
  local c1 e1 view
  c1=$(cpu_total_ms "$pid")
  e1=$(thread_cpu_us "$pid" "enc:")
  view=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$http/api/v1/programs/air1")
  python3 - "$mode" "$WINDOW" "$c0" "$c1" "$e0" "$e1" "$view" "${rss[@]}" <<'PY'
import json, sys
mode, window, c0, c1, e0, e1, view = sys.argv[1:8]
rss = [int(x) for x in sys.argv[8:]]
window = float(window)
air = json.loads(view)["air"]
enc = air["encoder"]
print(json.dumps({
    "mode": mode, "window_s": window,
    "server_cpu_pct": round((int(c1) - int(c0)) / 10 / window, 1),
    "encoder_thread_cpu_pct": round((int(e1) - int(e0)) / 1e4 / window, 1),
    "latency_ms_mean": enc["latency_ms_mean"], "latency_ms_max": enc["latency_ms_max"],
    "frames_out": enc["frames_out"], "repeated": enc["frames_repeated"],
    "dropped": enc["frames_dropped"], "overflow_dropped": enc["overflow_dropped"],
    "rss_kib_first": rss[0], "rss_kib_last": rss[-1], "rss_kib_max": max(rss)}))
PY
  cleanup
  rm -rf "$dir"
}

for m in $MODES; do run "$m"; done
