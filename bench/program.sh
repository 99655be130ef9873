#!/usr/bin/env bash
# Program control benchmark (issue 4's target: "switching, card and delay add
# under 1 % of one core at 4 Mbit/s; memory for a 30 s delay stays within
# 1.2 x (30 s x bitrate)").
#
# Two ~4 Mbit/s inputs (720p25 H.264 CBR + AAC, 2 s GOP, generated once by
# FFmpeg) are published in real time, looping, by `courtcast-bench --publish`
# to cam-a and cam-b. Each configuration gets a fresh `courtcast serve`:
#
#   baseline   the two inputs, no [[program]] (streams only);
#   program    [[program]] air1 over cam-a/cam-b, delay 0, cam-a taken;
#   switching  the same, with a take alternating cam-b/cam-a every
#              SWITCH_EVERY s during the window;
#   card       the same, cam-a taken and then the standby card (POST card);
#   delay10    program with delay_seconds = 10, cam-a taken;
#   delay30    program with delay_seconds = 30, cam-a taken (any delayN
#              works: program with delay_seconds = N);
#   baseline-rec, program-rec   baseline and program with recording on
#              (every other configuration runs with [record] enabled = false).
#
# For each: start, wait until both inputs are live, take (and card), let it
# settle SETTLE s (plus the delay, so that the delay line has filled and air
# shows program), then over a WINDOW s window take the server's CPU (utime +
# stime from /proc/PID/stat, and every thread's on-CPU time from schedstat as
# a check), the CPU of the recorder threads of air1 and air1.program, how many
# bytes air1 carried, and at the window's end VmRSS, RssAnon and VmHWM. The
# publisher's CPU is not counted.
#
#   bench/program.sh
#
# Environment: WINDOW (30), REPEAT (3), SETTLE (5), SWITCH_EVERY (2),
# WORKERS (server event loops, 0 = one per core), AIR_MODE (conform, or
# passthrough as in the first round), CONFIGS (space-separated
# subset of the names above, default all), BUILD_DIR (directory holding
# courtcast and courtcast-bench; default build-bench, built from this tree
# when the binaries are missing).
# Results: bench/out/program-<time>/results.jsonl and a table on stdout
# (medians over the REPEAT runs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=$ROOT/bench/out
WINDOW=${WINDOW:-30}
REPEAT=${REPEAT:-3}
SETTLE=${SETTLE:-5}
SWITCH_EVERY=${SWITCH_EVERY:-2}
WORKERS=${WORKERS:-0}
CONFIGS=${CONFIGS:-"baseline program switching card delay10 delay30 baseline-rec program-rec"}
# conform (the server's default: air re-encoded to one format) or passthrough
# (air carries the inputs' own packets, as before the air encoder: the mode
# issue 4's figures were measured in).
AIR_MODE=${AIR_MODE:-conform}
MEDIA_A=$OUT/program-cam-a-720p25-4000k-60s.flv
MEDIA_B=$OUT/program-cam-b-720p25-4000k-60s.flv

need ffmpeg
need ffprobe
need python3
need curl

PIDS=()  # every process this script started, ended by cleanup

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

if [[ ! -x $BUILD/courtcast || ! -x $BUILD/courtcast-bench ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast courtcast-bench
fi

mkdir -p "$OUT"
make_media() {  # make_media FILE PATTERN TONE_HZ: 60 s, 720p25 H.264 3.87 Mbit/s CBR + AAC 128k, 2 s GOP
  [[ -f $1 ]] && return 0
  echo "program.sh: generating $1 (60 s, 720p25 $2, H.264 3.87 Mbit/s CBR + AAC 128k, 2 s GOP)" >&2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "$2=size=1280x720:rate=25" -f lavfi -i "sine=frequency=$3:sample_rate=44100" \
    -t 60 -c:v libx264 -preset veryfast -pix_fmt yuv420p -b:v 3870k -minrate 3870k \
    -maxrate 3870k -bufsize 3870k -x264-params nal-hrd=cbr -g 50 -keyint_min 50 \
    -sc_threshold 0 -c:a aac -b:a 128k -ar 44100 -ac 2 -f flv "$1.part"
  mv "$1.part" "$1"
}
make_media "$MEDIA_A" testsrc2 440
make_media "$MEDIA_B" testsrc 880
# The file's size over its duration: tags as published (FLV tag headers, a
# fraction of a percent, included).
INPUT_BPS=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$MEDIA_A")

RUN=$(mktemp -d "$OUT/program-$(date +%Y%m%d-%H%M%S)-XXXX")
RESULTS=$RUN/results.jsonl

json_get() {  # json_get EXPR: evaluates EXPR on the JSON object `j` read from stdin; prints "" on failure
  python3 -c "
import json, sys
try:
    j = json.load(sys.stdin)
    v = $1
except Exception:
    v = ''
print(str(v).lower() if isinstance(v, bool) else v)"
}

api() {  # api METHOD PATH [BODY]: a control API call; prints the body
  local body=${3:-}
  curl -s --max-time 5 -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    ${body:+-d "$body"} "http://127.0.0.1:$HTTP_PORT/api/v1$2"
}

post() {  # post PATH BODY: a control call that must be accepted (202)
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$HTTP_PORT/api/v1$1")
  [[ $code == 202 ]] || { echo "program.sh: POST $1 $2 answered $code" >&2; return 1; }
}

wait_until() {  # wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  echo "program.sh: timed out waiting for $what" >&2
  return 1
}

input_live() { [[ $(api GET "/streams/$1" | json_get 'j["video"]["width"] > 0') == true ]]; }
program_is() { [[ $(api GET /programs/air1 | json_get "j['$1']") == "$2" ]]; }
air_bytes() { api GET /streams/air1 | json_get 'j["bytes_in"]'; }

run_point() {  # run_point CONFIG REP
  local config=$1 rep=$2 dir=$RUN/$1-$2 record=false delay=-1
  mkdir -p "$dir"
  case $config in
    baseline) ;;
    baseline-rec) record=true ;;
    program | switching | card) delay=0 ;;
    program-rec) delay=0 record=true ;;
    delay[0-9]*) delay=${config#delay} ;;
    *) echo "program.sh: unknown config $config" >&2; return 1 ;;
  esac
  echo "program.sh: $config run $rep" >&2

  local rtmp_port
  rtmp_port=$(free_port)
  HTTP_PORT=$(free_port)
  {
    cat <<EOF
[server]
data_dir = "$dir/var"
workers = $WORKERS
[rtmp]
listen = "127.0.0.1:$rtmp_port"
[http]
listen = "127.0.0.1:$HTTP_PORT"
[log]
level = "info"
[record]
enabled = $record
segment_seconds = 60
min_free_bytes = 0
[[stream]]
name = "cam-a"
key = "bench-key-a"
[[stream]]
name = "cam-b"
key = "bench-key-b"
EOF
    if ((delay >= 0)); then
      printf '[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b"]\ndelay_seconds = %d\nair_mode = "%s"\n' \
        "$delay" "$AIR_MODE"
    fi
  } >"$dir/courtcast.toml"
  "$BUILD/courtcast" serve --config "$dir/courtcast.toml" >"$dir/courtcast.log" 2>&1 &
  local server=$!
  PIDS+=("$server")
  wait_port "$rtmp_port" "$server" && wait_port "$HTTP_PORT" "$server" ||
    { cat "$dir/courtcast.log" >&2; return 1; }
  TOKEN=$(cat "$dir/var/keys/api-token")

  local cam
  for cam in a b; do
    local media=$MEDIA_A
    [[ $cam == b ]] && media=$MEDIA_B
    "$BUILD/courtcast-bench" --publish "$media" --warmup 0 --seconds 100000 \
      --publish-url "rtmp://127.0.0.1:$rtmp_port/live/cam-$cam?key=bench-key-$cam" \
      >/dev/null 2>"$dir/publisher-$cam.log" &
    PIDS+=("$!")
  done
  wait_until 20 "cam-a live" input_live cam-a
  wait_until 20 "cam-b live" input_live cam-b

  if ((delay >= 0)); then
    post /programs/air1/take '{"input":"cam-a"}'
    wait_until 10 "cam-a on program" program_is on_program cam-a
    if [[ $config == card ]]; then
      post /programs/air1/card '{}'
      wait_until 10 "the card on program" program_is on_program card
    fi
  fi
  sleep $((SETTLE + (delay > 0 ? delay : 0)))
  local on_air_start=""
  ((delay >= 0)) && on_air_start=$(api GET /programs/air1 | json_get 'j["on_air"]')

  local cpu0 cpu1 sched0 sched1 rec0 rec1 recin0 recin1 air0 air1 t0 t1 takes=0 switches0 switches1 switcher=""
  switches0=$(grep -c 'event=program_on ' "$dir/courtcast.log" || true)
  air0=$( ((delay >= 0)) && air_bytes || echo 0)
  rec0=$(thread_cpu_us "$server" rec:air1)
  recin0=$(thread_cpu_us "$server" rec:cam-)
  cpu0=$(cpu_ms "$server")
  sched0=$(sched_us "$server")
  t0=$(date +%s.%N)
  if [[ $config == switching ]]; then
    (
      n=0
      while :; do
        sleep "$SWITCH_EVERY"
        n=$((n + 1))
        if ((n % 2)); then target="cam-b"; else target="cam-a"; fi
        post /programs/air1/take "{\"input\":\"$target\"}" && echo take >>"$dir/takes"
      done
    ) &
    switcher=$!
  fi
  sleep "$WINDOW"
  cpu1=$(cpu_ms "$server")
  sched1=$(sched_us "$server")
  t1=$(date +%s.%N)
  rec1=$(thread_cpu_us "$server" rec:air1)
  recin1=$(thread_cpu_us "$server" rec:cam-)
  if [[ -n $switcher ]]; then
    kill "$switcher" 2>/dev/null || true
    wait "$switcher" 2>/dev/null || true
    takes=$(wc -l <"$dir/takes")
  fi
  local rss anon hwm view="{}" cam_a_bps=0
  rss=$(rss_kib "$server")
  anon=$(status_kib "$server" RssAnon)
  hwm=$(status_kib "$server" VmHWM)
  air1=$( ((delay >= 0)) && air_bytes || echo 0)
  switches1=$(grep -c 'event=program_on ' "$dir/courtcast.log" || true)
  ((delay >= 0)) && view=$(api GET /programs/air1)
  cam_a_bps=$(api GET /streams/cam-a | json_get 'j["bitrate_bps"]')
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  cleanup
  rm -rf "$dir/var/recordings"

  python3 - "$config" "$rep" "$record" "$delay" "$cpu0" "$cpu1" "$sched0" "$sched1" "$rec0" "$rec1" \
    "$recin0" "$recin1" "$t0" "$t1" "$rss" "$anon" "$hwm" "$air0" "$air1" "$takes" "$switches0" "$switches1" \
    "$on_air_start" "$view" "$cam_a_bps" "$INPUT_BPS" "$load" >>"$RESULTS" <<'EOF'
import json, sys
(config, rep, record, delay, cpu0, cpu1, sched0, sched1, rec0, rec1, recin0, recin1, t0, t1, rss, anon, hwm,
 air0, air1, takes, sw0, sw1, on_air_start, view, cam_a_bps, input_bps, load) = sys.argv[1:]
window_s = float(t1) - float(t0)
user0, sys0 = map(int, cpu0.split())
user1, sys1 = map(int, cpu1.split())
cpu = (user1 - user0) + (sys1 - sys0)
view = json.loads(view) if view else {}
pct = lambda ms: round(100 * ms / (window_s * 1000), 3)
print(json.dumps(dict(
    config=config, rep=int(rep), record=record == "true", delay_s=int(delay), window_s=round(window_s, 2),
    cpu_pct=pct(cpu), user_pct=pct(user1 - user0), sys_pct=pct(sys1 - sys0),
    sched_pct=pct((int(sched1) - int(sched0)) / 1000), rec_air_pct=pct((int(rec1) - int(rec0)) / 1000),
    rec_inputs_pct=pct((int(recin1) - int(recin0)) / 1000),
    rss_kib=int(rss), rss_anon_kib=int(anon), hwm_kib=int(hwm),
    air_kbps=round((int(air1 or 0) - int(air0 or 0)) * 8 / window_s / 1000, 1),
    takes=int(takes), program_switches=int(sw1 or 0) - int(sw0 or 0),
    on_air_at_start=on_air_start, on_program=view.get("on_program", ""), on_air=view.get("on_air", ""),
    input_bps=int(input_bps), cam_a_bps_reported=int(cam_a_bps or 0), load_1m=float(load))))
EOF
  tail -n 1 "$RESULTS" >&2
}

echo "program.sh: results in $RESULTS; input $((INPUT_BPS / 1000)) kbit/s each; $(machine_note)" >&2
for rep in $(seq "$REPEAT"); do
  for config in $CONFIGS; do
    run_point "$config" "$rep"
  done
done

python3 "$ROOT/bench/program_table.py" "$RESULTS"
