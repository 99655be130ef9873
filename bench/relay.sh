#!/usr/bin/env bash
# Relay (simulcast) benchmark: one ~3.9 Mbit/s stream pushed to N local
# nginx-rtmp destinations by three relays, one after the other in the same
# run, each measured the same way:
#
#   nginx-push  a second nginx-rtmp (the relay) with one `push` per
#               destination in its `live on` application;
#   ffmpeg      N `ffmpeg -i rtmp://SOURCE/live/bench -c copy -f flv DEST`
#               processes, what field teams run by hand; each pulls from a
#               source nginx-rtmp the stream is published to (the source's
#               CPU is not counted, like the publisher's);
#   courtcast   `courtcast serve` with N [[destination]] entries (recording
#               off: nginx records nothing either), WORKERS event loops;
#   courtcast-1w  the same with one event loop (workers = 1);
#   courtcast-nosrt  the same with SRT ingest off ([srt] listen = ""): nginx
#               has no SRT, and libsrt's idle threads are not free.
#
# The destinations are one "sink" nginx-rtmp listening on N loopback ports
# (one per platform, stream key key-I on port I), with rtmp_stat on an HTTP
# port so that every destination's received bytes can be read. The stream is
# published in real time, looping, by `courtcast-bench --publish`.
#
# For each point: start the sink, the relay and the publisher; wait until
# all N destinations receive; let it settle SETTLE s; then over a window of
# SECONDS_PER_RUN s take the relay's CPU (utime + stime of its process(es)
# from /proc/PID/stat; the publisher, source and sink are excluded) and each
# destination's bytes_in from the sink's rtmp_stat; RSS at the end of the
# window; then ffprobe every destination (H.264 + AAC expected).
# A destination is at full rate when it received >= 95% of the input's
# bitrate over the window.
#
#   bench/relay.sh [N ...]            default: 8 16
#
# Environment: SECONDS_PER_RUN (30), REPEAT (3), SETTLE (5), BUILD_DIR
# (build-relay), CONFIGS (space-separated subset of: nginx-push ffmpeg
# courtcast courtcast-1w courtcast-nosrt; a courtcast config may end in @VARIANT to run
# the build in $BUILD_<VARIANT>, a before/after in the same run), WORKERS (courtcast event loops, 0 = one per core), WRAP (a
# command courtcast runs under; with "valgrind --tool=callgrind ..." the
# profile is zeroed at the window's start and dumped at its end).
# Results: bench/out/relay-<time>/results.jsonl and a table on stdout
# (medians over the REPEAT runs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build-relay}
OUT=$ROOT/bench/out
SECONDS_PER_RUN=${SECONDS_PER_RUN:-30}
REPEAT=${REPEAT:-3}
SETTLE=${SETTLE:-5}
WORKERS=${WORKERS:-0}
WRAP=${WRAP:-}
CONFIGS=${CONFIGS:-"nginx-push ffmpeg courtcast courtcast-1w"}
NS=${*:-"8 16"}
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
STREAM_FILE=$OUT/stream-720p25-3800k-60s.flv

PIDS=()  # every process this script started, killed by cleanup

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

need ffmpeg
need ffprobe
need nginx
need python3
need curl
[[ -f $NGINX_MODULE ]] || { echo "relay.sh: $NGINX_MODULE is missing (apt-get install libnginx-mod-rtmp)" >&2; exit 1; }

if [[ ! -x $BUILD/courtcast || ! -x $BUILD/courtcast-bench ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast courtcast-bench
fi

mkdir -p "$OUT"
if [[ ! -f $STREAM_FILE ]]; then
  echo "relay.sh: generating $STREAM_FILE (60 s, 720p25 H.264 3.7 Mbit/s CBR + AAC 128k, 2 s GOP)" >&2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 60 -c:v libx264 -preset veryfast -pix_fmt yuv420p -b:v 3700k -minrate 3700k \
    -maxrate 3700k -bufsize 3700k -x264-params nal-hrd=cbr -g 50 -keyint_min 50 \
    -sc_threshold 0 -c:a aac -b:a 128k -ar 44100 -ac 2 -f flv "$STREAM_FILE.part"
  mv "$STREAM_FILE.part" "$STREAM_FILE"
fi
# Audio + video payload over the file's duration, what a full-rate
# destination must receive (RTMP framing comes on top).
INPUT_KBPS=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$STREAM_FILE" |
  awk '{ printf "%.0f", $1 / 1000 }')

RUN=$(mktemp -d "$OUT/relay-$(date +%Y%m%d-%H%M%S)-XXXX")
RESULTS=$RUN/results.jsonl

nginx_conf() {  # nginx_conf DIR RTMP_SERVERS [HTTP_PORT]: a foreground single-process nginx
  local dir=$1 servers=$2 http_port=${3:-}
  mkdir -p "$dir/logs" "$dir/tmp"
  {
    cat <<EOF
load_module $NGINX_MODULE;
daemon off;
master_process off;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 1024; }
rtmp {
$servers
}
EOF
    if [[ -n $http_port ]]; then
      cat <<EOF
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$http_port;
    location /stat { rtmp_stat all; }
  }
}
EOF
    fi
  } >"$dir/nginx.conf"
}

start_nginx() {  # start_nginx DIR WAIT_PORT -> NGINX_PID
  local dir=$1
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/logs/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_port "$2" "$NGINX_PID" || { cat "$dir/logs/error.log" >&2; return 1; }
}

# Per-destination bytes received, "key-I BYTES" lines, from the sink's stat.
sink_bytes() {
  curl -s --max-time 5 "http://127.0.0.1:$SINK_HTTP/stat" | python3 -c '
import sys, xml.etree.ElementTree as ET
try:
    root = ET.fromstring(sys.stdin.read())
except ET.ParseError:
    sys.exit(0)
for s in root.iter("stream"):
    if s.find("publishing") is not None:
        print(s.findtext("name"), s.findtext("bytes_in"))
'
}

wait_destinations() {  # wait_destinations N: until all N destinations receive (30 s)
  local n=$1 live
  for _ in $(seq 300); do
    live=$(sink_bytes | awk '$2 > 100000' | wc -l)
    [[ $live -ge $n ]] && return 0
    sleep 0.1
  done
  echo "relay.sh: only $live of $n destinations receive" >&2
  return 1
}

run_point() {  # run_point CONFIG N REP
  local config=$1 n=$2 rep=$3 dir=$RUN/$1-$2-$3 i servers publish_url
  local relay_pids=()
  mkdir -p "$dir"
  echo "relay.sh: $config N=$n run $rep" >&2

  # The destinations.
  SINK_HTTP=$(free_port)
  local sink_ports=()
  servers=""
  for i in $(seq "$n"); do
    sink_ports+=("$(free_port)")
    servers+="  server { listen 127.0.0.1:${sink_ports[-1]}; chunk_size 4096; application live { live on; } }
"
  done
  nginx_conf "$dir/sink" "$servers" "$SINK_HTTP"
  start_nginx "$dir/sink" "$SINK_HTTP"
  for i in $(seq "$n"); do wait_port "${sink_ports[i - 1]}" "$NGINX_PID"; done
  dest_url() { echo "rtmp://127.0.0.1:${sink_ports[$1 - 1]}/live/key-$1"; }

  # The relay.
  local relay_port
  relay_port=$(free_port)
  case $config in
    nginx-push | ffmpeg)
      local pushes=""
      if [[ $config == nginx-push ]]; then
        for i in $(seq "$n"); do pushes+="      push $(dest_url "$i");
"; done
      fi
      nginx_conf "$dir/relay" "  server {
    listen 127.0.0.1:$relay_port;
    chunk_size 4096;
    application live {
      live on;
$pushes    }
  }"
      start_nginx "$dir/relay" "$relay_port"
      [[ $config == nginx-push ]] && relay_pids=("$NGINX_PID")
      publish_url=rtmp://127.0.0.1:$relay_port/live/bench ;;
    courtcast | courtcast-1w | courtcast-nosrt | courtcast@* | courtcast-1w@* | courtcast-nosrt@*)
      local http_port workers=$WORKERS build=$BUILD srt_listen=127.0.0.1:0
      [[ ${config%@*} == courtcast-1w ]] && workers=1
      [[ ${config%@*} == courtcast-nosrt ]] && srt_listen=
      if [[ $config == *@* ]]; then
        local build_var=BUILD_${config#*@}
        build=${!build_var:-$BUILD}
      fi
      http_port=$(free_port)
      {
        cat <<EOF
[server]
data_dir = "$dir/var"
workers = $workers
[rtmp]
listen = "127.0.0.1:$relay_port"
[srt]
listen = "$srt_listen"
[http]
listen = "127.0.0.1:$http_port"
[log]
level = "warn"
[record]
enabled = false
[[stream]]
name = "bench"
key = "bench-publish-key"
EOF
        for i in $(seq "$n"); do
          printf '[[destination]]\nstream = "bench"\nname = "dest-%d"\nurl = "%s"\n' "$i" "$(dest_url "$i")"
        done
      } >"$dir/courtcast.toml"
      $WRAP "$build/courtcast" serve --config "$dir/courtcast.toml" >"$dir/courtcast.log" 2>&1 &
      relay_pids=($!)
      PIDS+=("$!")
      wait_port "$relay_port" "$!" || { cat "$dir/courtcast.log" >&2; return 1; }
      publish_url="rtmp://127.0.0.1:$relay_port/live/bench?key=bench-publish-key" ;;
    *) echo "relay.sh: unknown config $config" >&2; return 1 ;;
  esac

  # The publisher, for longer than the point lasts; cleanup ends it.
  "$BUILD/courtcast-bench" --publish "$STREAM_FILE" --publish-url "$publish_url" --warmup 0 \
    --seconds $((SECONDS_PER_RUN + SETTLE + 120)) >/dev/null 2>"$dir/publisher.log" &
  PIDS+=("$!")

  if [[ $config == ffmpeg ]]; then
    sleep 1  # the source has the stream's headers before the first pull
    for i in $(seq "$n"); do
      ffmpeg -hide_banner -nostdin -loglevel error -i "rtmp://127.0.0.1:$relay_port/live/bench" \
        -c copy -f flv "$(dest_url "$i")" >"$dir/ffmpeg-$i.log" 2>&1 &
      relay_pids+=("$!")
      PIDS+=("$!")
    done
  fi

  if ! wait_destinations "$n"; then
    cleanup
    return 0
  fi
  sleep "$SETTLE"

  local cpu0 cpu1 sched0 sched1 rss t0 t1
  sink_bytes >"$dir/bytes-start"
  # Under callgrind, count the window only.
  local profiling=""
  [[ $config == courtcast* && $WRAP == *callgrind* ]] && profiling=${relay_pids[0]}
  [[ -n $profiling ]] && callgrind_control -z "$profiling" >/dev/null
  cpu0=$(cpu_ms "${relay_pids[@]}")
  sched0=$(sched_us "${relay_pids[@]}")
  t0=$(date +%s.%N)
  sleep "$SECONDS_PER_RUN"
  cpu1=$(cpu_ms "${relay_pids[@]}")
  sched1=$(sched_us "${relay_pids[@]}")
  t1=$(date +%s.%N)
  sink_bytes >"$dir/bytes-end"
  [[ -n $profiling ]] && callgrind_control -d "$profiling" >/dev/null
  rss=$(rss_kib "${relay_pids[@]}")

  # What each destination carries.
  local probes=() probes_ok=0
  for i in $(seq "$n"); do
    timeout 20 ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$(dest_url "$i")" \
      >"$dir/probe-$i" 2>&1 &
    probes+=("$!")
  done
  for i in "${probes[@]}"; do wait "$i" || true; done
  for i in $(seq "$n"); do
    if grep -qx h264 "$dir/probe-$i" && grep -qx aac "$dir/probe-$i"; then
      probes_ok=$((probes_ok + 1))
    fi
  done
  cleanup

  python3 - "$config" "$n" "$rep" "${cpu0% *}" "${cpu0#* }" "${cpu1% *}" "${cpu1#* }" "$sched0" "$sched1" "$t0" "$t1" "$rss" "$INPUT_KBPS" \
    "$dir/bytes-start" "$dir/bytes-end" "$probes_ok" >>"$RESULTS" <<'EOF'
import json, statistics, sys
config, n, rep, user0, sys0, user1, sys1, sched0, sched1, t0, t1, rss, input_kbps, f0, f1, probes_ok = sys.argv[1:]
n = int(n)
window_s = float(t1) - float(t0)
def load(path):
    return {k: int(v) for k, v in (l.split() for l in open(path) if l.strip())}
b0, b1 = load(f0), load(f1)
kbps = [(b1.get(f"key-{i}", 0) - b0.get(f"key-{i}", 0)) * 8 / window_s / 1000
        for i in range(1, n + 1)]
user_ms, sys_ms = int(user1) - int(user0), int(sys1) - int(sys0)
cpu_ms = user_ms + sys_ms
sched_ms = (int(sched1) - int(sched0)) / 1000
full = sum(1 for k in kbps if k >= 0.95 * float(input_kbps))
print(json.dumps(dict(
    config=config, n=n, rep=int(rep), window_s=round(window_s, 2), cpu_ms=cpu_ms, user_ms=user_ms, sys_ms=sys_ms,
    cpu_pct_of_core=round(100 * cpu_ms / (window_s * 1000), 3), sched_ms=round(sched_ms, 1),
    sched_pct_of_core=round(100 * sched_ms / (window_s * 1000), 3), rss_kib=int(rss),
    input_kbps=float(input_kbps), dest_kbps_min=round(min(kbps, default=0), 1),
    dest_kbps_median=round(statistics.median(kbps or [0]), 1), full_rate=full, probes_ok=int(probes_ok))))
EOF
  tail -n 1 "$RESULTS" >&2
}

echo "relay.sh: results in $RESULTS; input $INPUT_KBPS kbit/s; $(nproc) cores," \
  "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" >&2
for rep in $(seq "$REPEAT"); do
  for n in $NS; do
    for config in $CONFIGS; do
      run_point "$config" "$n" "$rep"
    done
  done
done

python3 - "$RESULTS" <<'EOF'
import collections, json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = collections.defaultdict(list)
for r in rows:
    groups[(r["n"], r["config"])].append(r)
med = lambda rs, k: statistics.median(r[k] for r in rs)
pct = lambda rs, k: statistics.median(100 * r[k] / (r["window_s"] * 1000) for r in rs)
print("CPU in % of one core, median of the runs: 'stat' = utime + stime from /proc/PID/stat")
print("(10 ms ticks), 'sched' = on-CPU time of every thread from /proc/PID/task/*/schedstat (ns).")
print(f"{'N':>3} {'relay':<11} {'runs':>4} {'stat %':>7} {'user %':>7} {'sys %':>7} {'sched %':>8} "
      f"{'RSS MiB':>8} {'min dest kbit/s':>15} {'full rate':>9} {'ffprobe ok':>10}")
stat, sched = {}, {}
for (n, config), rs in sorted(groups.items()):
    stat[(n, config)] = med(rs, "cpu_pct_of_core")
    sched[(n, config)] = med(rs, "sched_pct_of_core")
    print(f"{n:>3} {config:<11} {len(rs):>4} {stat[(n, config)]:>7.3f} {pct(rs, 'user_ms'):>7.3f} "
          f"{pct(rs, 'sys_ms'):>7.3f} {sched[(n, config)]:>8.3f} {med(rs, 'rss_kib') / 1024:>8.1f} "
          f"{min(r['dest_kbps_min'] for r in rs):>15.0f} "
          f"{min(r['full_rate'] for r in rs):>4}/{n:<4} {min(r['probes_ok'] for r in rs):>5}/{n:<4}")
print()
for n in sorted({n for n, _ in groups}):
    for cc in sorted({c for _, c in groups if c.startswith("courtcast")}):
        for other in ("nginx-push", "ffmpeg"):
            if (n, cc) in stat and stat.get((n, other)) and sched.get((n, other)):
                target = "  (target <= 0.50)" if other == "nginx-push" else ""
                print(f"N={n}: {cc} / {other}: stat {stat[(n, cc)] / stat[(n, other)]:.2f}, "
                      f"sched {sched[(n, cc)] / sched[(n, other)]:.2f}{target}")
EOF
