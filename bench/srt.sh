#!/usr/bin/env bash
# SRT ingest benchmark (issue 16's target: "SRT ingest at 4 Mbit/s costs at
# most 1.5x courtcast's RTMP ingest and less than FFmpeg receiving the same
# stream as an SRT listener (ffmpeg -i 'srt://...?mode=listener' -c copy -f
# null -), measured in one run").
#
# A 720p25 H.264 4 Mbit/s + AAC 128 kbit/s file (2 s GOP) is published in
# real time by FFmpeg (-c copy, looping). ROUNDS rounds, each of four
# windows of WINDOW s in turn (after SETTLE s of publishing), so the
# machine's noise falls on all alike:
#
#  idle     courtcast with nothing published (its timers: subtracted below);
#  rtmp     the file to courtcast over RTMP (FLV);
#  srt      the file to courtcast over SRT (MPEG-TS, latency 2000 ms, the
#           default; stream id #!::r=live/cam-a,m=publish,s=KEY);
#  ffmpeg   the same SRT publish to `ffmpeg -i 'srt://...?mode=listener'
#           -c copy -f null -`.
#
# The receiver's on-CPU time over the window (the sum of its threads'
# /proc/PID/task/*/schedstat, ns: a 10 ms tick is too coarse for 1 %),
# courtcast's whole process or FFmpeg's, no players, recording off. Medians over the rounds, and the
# ratios srt / rtmp (both less courtcast's idle) and srt / ffmpeg (courtcast
# raw against FFmpeg raw).
#
#   nice -n -10 bench/srt.sh
#
# Environment: ROUNDS (5), WINDOW (15), SETTLE (4), BUILD_DIR (build).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$ROOT/bench/out
ROUNDS=${ROUNDS:-5}
WINDOW=${WINDOW:-15}
SETTLE=${SETTLE:-4}
MEDIA=$OUT/hls-cam-720p25-4000k-30s.flv  # the same camera as bench/hls.sh
KEY=bench-key-a-123456

need ffmpeg
need python3

PIDS=()
cleanup() {
  stop_pids "${PIDS[@]}"
  PIDS=()
}
trap cleanup EXIT

mkdir -p "$OUT"
camera_720p25 "$MEDIA"

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
  echo "[[stream]]"; echo 'name = "cam-a"'; echo "key = \"$KEY\""
} >"$dir/courtcast.toml"
"$BUILD/courtcast" serve --config "$dir/courtcast.toml" >"$dir/server.log" 2>&1 &
server=$!
PIDS+=("$server")
wait_port "$http" "$server"
srt=""
for _ in $(seq 100); do
  srt=$(grep -oE 'protocol=srt address=[0-9.]+:[0-9]+' "$dir/server.log" | head -1 | sed 's/.*://') || true
  [[ -n $srt ]] && break
  sleep 0.1
done
[[ -n $srt ]] || { echo "no SRT listener in the log" >&2; exit 1; }

# publish FORMAT URL: FFmpeg sending the file in real time; prints its pid.
publish() {
  ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$MEDIA" -c copy -f "$1" "$2" \
    </dev/null >>"$dir/publish.log" 2>&1 &
  echo $!
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
window_pct() {  # window_pct PID: its threads' on-CPU time over WINDOW s, in % of a core
  local c0 c1
  c0=$(sched_us "$1"); sleep "$WINDOW"; c1=$(sched_us "$1")
  python3 -c "print(round(($c1 - $c0) / ($WINDOW * 1e4), 3))"
}
streamid='#!::r=live/cam-a,m=publish,s='$KEY

idle=() rtmp_pct=() srt_pct=() ff_pct=()
for r in $(seq "$ROUNDS"); do
  idle+=("$(window_pct "$server")")

  p=$(publish flv "rtmp://127.0.0.1:$rtmp/live/cam-a?key=$KEY")
  sleep "$SETTLE"
  rtmp_pct+=("$(window_pct "$server")")
  stop_pid "$p"
  sleep 2

  p=$(publish mpegts "srt://127.0.0.1:$srt?streamid=$streamid")
  sleep "$SETTLE"
  srt_pct+=("$(window_pct "$server")")
  stop_pid "$p"
  sleep 2

  port=$(free_port)
  ffmpeg -hide_banner -loglevel error -i "srt://127.0.0.1:$port?mode=listener" -c copy -f null - \
    </dev/null >>"$dir/listener.log" 2>&1 &
  listener=$!
  sleep 1
  p=$(publish mpegts "srt://127.0.0.1:$port")
  sleep "$SETTLE"
  ff_pct+=("$(window_pct "$listener")")
  stop_pid "$p"
  stop_pid "$listener"
  sleep 2
  echo "round $r: idle ${idle[-1]} %, rtmp ${rtmp_pct[-1]} %, srt ${srt_pct[-1]} %, ffmpeg listener ${ff_pct[-1]} %; load $(cut -d' ' -f1-3 /proc/loadavg)"
done

publishes=$(grep -c "event=publish_start stream=cam-a" "$dir/server.log" || true)
srt_publishes=$(grep -c "event=srt_connect stream=cam-a" "$dir/server.log" || true)
echo "courtcast saw $publishes publishes, $srt_publishes over SRT (expected $((2 * ROUNDS)), $ROUNDS)"
python3 - <<PY
import json, statistics as st
idle, rtmp, srt, ff = [$(IFS=,; echo "${idle[*]}")], [$(IFS=,; echo "${rtmp_pct[*]}")], [$(IFS=,; echo "${srt_pct[*]}")], [$(IFS=,; echo "${ff_pct[*]}")]
m = st.median
rtmp_net = [r - i for r, i in zip(rtmp, idle)]
srt_net = [s - i for s, i in zip(srt, idle)]
print(json.dumps({
  "rounds": len(idle), "window_s": $WINDOW,
  "courtcast_idle_percent": idle, "courtcast_rtmp_percent": rtmp,
  "courtcast_srt_percent": srt, "ffmpeg_srt_listener_percent": ff,
  "median_percent": {"idle": m(idle), "rtmp": m(rtmp), "srt": m(srt), "ffmpeg": m(ff),
                     "rtmp_less_idle": round(m(rtmp_net), 3), "srt_less_idle": round(m(srt_net), 3)},
  "srt_over_rtmp_less_idle_median_of_ratios": round(m([s / r for s, r in zip(srt_net, rtmp_net)]), 3),
  "srt_over_rtmp_raw_median_of_ratios": round(m([s / r for s, r in zip(srt, rtmp)]), 3),
  "srt_over_ffmpeg_median_of_ratios": round(m([s / f for s, f in zip(srt, ff)]), 3),
  "load_average_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
}, indent=1))
PY
cp "$dir/server.log" "$OUT/srt-server.log"
rm -rf "$dir"
