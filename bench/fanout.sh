#!/usr/bin/env bash
# Fan-out benchmark: courtcast (low-latency and efficiency settings, RTMP and
# HTTP-FLV players) against nginx-rtmp (Debian's libnginx-mod-rtmp, RTMP only)
# on loopback. For each N, each configuration gets a fresh server, the same
# generated stream published by courtcast-bench, and N players for SECONDS.
#
#   bench/fanout.sh [N ...]            default: 100 500 1000
#
# Environment: SECONDS_PER_RUN (30), REPEAT (1), MERGE_MS (200, the
# efficiency setting's merge window), WORKERS (courtcast event loops, 0 = one
# per core), BENCH_THREADS (1), BUILD_DIR (build-bench), CONFIGS (space-
# separated, each one of: nginx-rtmp; cc-MODE-PROTO[@VARIANT] with MODE ll
# (merge 0), eff (MERGE_MS) or a merge window in ms, PROTO rtmp or flv).
# A VARIANT runs the build in $BUILD_<VARIANT> (default BUILD_DIR) with the
# lines in $LIVE_<VARIANT> added to its [live] section: before/after in the
# same run, e.g. CONFIGS="cc-0-rtmp@old cc-0-rtmp" BUILD_old=/tmp/old/build.
# The rounds are interleaved: each round runs every N and every config.
# Results: bench/out/fanout-<time>/results.jsonl and a table on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=$ROOT/bench/out
SECONDS_PER_RUN=${SECONDS_PER_RUN:-30}
REPEAT=${REPEAT:-1}
MERGE_MS=${MERGE_MS:-200}
WORKERS=${WORKERS:-0}
BENCH_THREADS=${BENCH_THREADS:-1}
CONFIGS=${CONFIGS:-"nginx-rtmp cc-ll-rtmp cc-ll-flv cc-eff-rtmp cc-eff-flv"}
NS=${*:-"100 500 1000"}
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
STREAM_FILE=$OUT/stream-720p25-2500k.flv

mkdir -p "$OUT"
RUN=$(mktemp -d "$OUT/fanout-$(date +%Y%m%d-%H%M%S)-XXXX")
RESULTS=$RUN/results.jsonl
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

need ffmpeg
need nginx
need python3
[[ -f $NGINX_MODULE ]] || { echo "fanout.sh: $NGINX_MODULE is missing (apt-get install libnginx-mod-rtmp)" >&2; exit 1; }

if [[ ! -x $BUILD/courtcast || ! -x $BUILD/courtcast-bench ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast courtcast-bench
fi

if [[ ! -f $STREAM_FILE ]]; then
  echo "fanout.sh: generating $STREAM_FILE (60 s, 720p25 H.264 + AAC, ~2.5 Mbit/s, 2 s GOP)" >&2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 60 -c:v libx264 -preset veryfast -tune zerolatency -profile:v high -pix_fmt yuv420p \
    -b:v 2300k -maxrate 2500k -bufsize 2500k -g 50 -keyint_min 50 -sc_threshold 0 \
    -c:a aac -b:a 128k -ar 44100 -ac 2 -f flv "$STREAM_FILE.tmp"
  mv "$STREAM_FILE.tmp" "$STREAM_FILE"
fi

# The start_* functions set SERVER_PID and the port variables; they are not
# called in $(...) so that the server stays this shell's child.
start_courtcast() {  # start_courtcast MERGE_MS DIR BUILD [LIVE_LINES] -> RTMP_PORT HTTP_PORT
  local merge=$1 dir=$2 build=$3 live_lines=${4:-}
  RTMP_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  local rtmp_port=$RTMP_PORT http_port=$HTTP_PORT
  mkdir -p "$dir"
  cat >"$dir/courtcast.toml" <<EOF
[server]
data_dir = "$dir/var"
workers = $WORKERS
[rtmp]
listen = "127.0.0.1:$rtmp_port"
# Every player comes from 127.0.0.1: past the default cap of 100 per address.
max_connections_per_address = 100000
max_connections = 100000
[srt]
listen = "127.0.0.1:0"  # not the default port, which another server may hold
[http]
listen = "127.0.0.1:$http_port"
max_connections_per_address = 0  # the HTTP-FLV players too
max_connections = 100000
[live]
merge_window_ms = $merge
$live_lines
[log]
level = "warn"
[[stream]]
name = "bench"
key = "bench-publish-key"
public = true
EOF
  "$build/courtcast" serve --config "$dir/courtcast.toml" >"$dir/courtcast.log" 2>&1 &
  SERVER_PID=$!
  wait_port "$rtmp_port" "$SERVER_PID" && wait_port "$http_port" "$SERVER_PID" || { cat "$dir/courtcast.log" >&2; return 1; }
}

start_nginx() {  # start_nginx DIR -> RTMP_PORT
  local dir=$1
  RTMP_PORT=$(free_port)
  local port=$RTMP_PORT
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<EOF
load_module $NGINX_MODULE;
daemon off;
master_process off;
worker_processes 1;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 8192; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    chunk_size 4096;
    application live {
      live on;
    }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
  SERVER_PID=$!
  wait_port "$port" "$SERVER_PID" || { cat "$dir/logs/error.log" >&2; return 1; }
}

run_point() {  # run_point CONFIG N REP
  local config=$1 n=$2 rep=$3 dir=$RUN/$1-$2-$3 publish_url play_url setting server proto merge=""
  case $config in
    nginx-rtmp)
      server=nginx-rtmp setting=default proto=rtmp merge=""
      start_nginx "$dir"
      publish_url=rtmp://127.0.0.1:$RTMP_PORT/live/bench
      play_url=$publish_url ;;
    cc-*)
      server=courtcast
      local spec=${config#cc-} variant="" build=$BUILD live_lines=""
      if [[ $spec == *@* ]]; then variant=${spec#*@} spec=${spec%@*}; fi
      proto=${spec##*-}
      case ${spec%-*} in
        ll) merge=0 setting=low-latency ;;
        eff) merge=$MERGE_MS setting=efficiency ;;
        [0-9]*) merge=${spec%-*} setting=merge-${spec%-*}ms ;;
        *) echo "fanout.sh: unknown config $config" >&2; return 1 ;;
      esac
      if [[ -n $variant ]]; then
        setting+="@$variant"
        local build_var=BUILD_$variant live_var=LIVE_$variant
        build=${!build_var:-$BUILD}
        live_lines=${!live_var:-}
      fi
      start_courtcast "$merge" "$dir" "$build" "$live_lines"
      publish_url="rtmp://127.0.0.1:$RTMP_PORT/live/bench?key=bench-publish-key"
      if [[ $proto == flv ]]; then
        proto=http-flv
        play_url=http://127.0.0.1:$HTTP_PORT/live/bench.flv
      else
        play_url=rtmp://127.0.0.1:$RTMP_PORT/live/bench
      fi ;;
    *) echo "fanout.sh: unknown config $config" >&2; return 1 ;;
  esac
  local cpu_before rss_idle json
  cpu_before=$(cpu_total_ms "$SERVER_PID")
  rss_idle=$(rss_kib "$SERVER_PID")
  echo "fanout.sh: $config N=$n run $rep" >&2
  json=$(timeout $((SECONDS_PER_RUN + 90)) "$BUILD/courtcast-bench" \
    --publish "$STREAM_FILE" --publish-url "$publish_url" --url "$play_url" \
    --players "$n" --seconds "$SECONDS_PER_RUN" --threads "$BENCH_THREADS" \
    --server-pid "$SERVER_PID" --label "$config" 2>"$dir/bench.log") || true
  local cpu_after
  cpu_after=$(cpu_total_ms "$SERVER_PID")
  stop_server
  if [[ -z $json ]]; then
    echo "fanout.sh: $config N=$n produced no result; see $dir/bench.log" >&2
    return 0
  fi
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)  # how busy the (shared) machine was
  python3 - "$json" "$server" "$setting" "$proto" "$n" "$rep" "$cpu_before" "$cpu_after" "$rss_idle" "$load" \
    "$merge" "$config" >>"$RESULTS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
r.update(server=sys.argv[2], setting=sys.argv[3], proto=sys.argv[4], n=int(sys.argv[5]),
         rep=int(sys.argv[6]), server_cpu_ms_whole_run=float(sys.argv[8]) - float(sys.argv[7]),
         server_rss_kib_idle=int(sys.argv[9]), load_avg_1m=float(sys.argv[10]),
         merge_ms=int(sys.argv[11]) if sys.argv[11] else None, config=sys.argv[12])
print(json.dumps(r))
EOF
  tail -n 1 "$RESULTS" >&2
}

echo "fanout.sh: results in $RESULTS" >&2
for rep in $(seq "$REPEAT"); do
  for n in $NS; do
    for config in $CONFIGS; do
      run_point "$config" "$n" "$rep"
    done
  done
done

python3 "$ROOT/bench/fanout_table.py" "$RESULTS"
