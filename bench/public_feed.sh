#!/usr/bin/env bash
# The watch page's public question feed under wrk, against nginx serving
# the same bytes as a static file, in interleaved rounds of the same run (the
# machine is shared and noisy: only the ratio within a round is fair).
#
#   bench/public_feed.sh
#
# The feed is the demo session's (session 1, public once ended): QUESTIONS
# platform comments are posted through the bridge endpoint, approved, and
# every other one answered, so the feed is a realistic few KiB. nginx runs
# WORKERS worker processes like courtcast's event loops, access log off.
#
# Environment: BUILD_DIR (build-bench), SECONDS_PER_RUN (10), CONNECTIONS (64),
# THREADS (2), WORKERS (2), REPEAT (3), QUESTIONS (30).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
REPEAT=${REPEAT:-3}
QUESTIONS=${QUESTIONS:-30}
DIR=$(mktemp -d /tmp/courtcast-bench-feed.XXXXXX)
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  [[ -n ${KEEP:-} ]] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
need wrk
need nginx

if [[ ! -x $BUILD/courtcast ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast
fi

PORT=$(free_port)
server_config "$DIR" "$PORT" "$WORKERS"
"$BUILD/courtcast" serve --config "$DIR/courtcast.toml" >"$DIR/server.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "${PIDS[0]}"
API=http://127.0.0.1:$PORT/api/v1
TOKEN=$(cat "$DIR/var/keys/api-token")
AUTH="Authorization: Bearer $TOKEN"
post() { curl -sf -H "$AUTH" -H 'Content-Type: application/json' -d "$2" "$API$1"; }

# Questions from a platform bridge, approved and half of them answered.
python3 - "$API" "$TOKEN" "$QUESTIONS" <<'PY'
import json, sys, urllib.request
api, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def call(method, path, body=None):
    req = urllib.request.Request(api + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")
topics = ["被执行人名下没有财产", "执行款多久能到账", "失信名单怎么撤销", "房屋被查封还能住吗",
          "拒不履行会被拘留吗", "申请执行要带什么材料", "公司注销了怎么执行", "工资能被扣划吗",
          "执行和解后反悔怎么办", "车辆被扣押怎么处理"]
comments = [{"platform": "douyin", "message_id": f"m{i}", "user": f"观众{i}",
             "text": f"{topics[i % len(topics)]}？我是第{i * 7919 % 1000}号网友，"
                     f"想问{chr(0x4e00 + i * 37 % 2000)}{chr(0x4e00 + i * 91 % 3000)}的情况"}
            for i in range(n)]
call("POST", "/sessions/1/comments", {"comments": comments})
queue = call("GET", "/sessions/1/questions")["questions"]
for i, q in enumerate(q for q in queue if q["state"] == "pending"):
    call("POST", f"/questions/{q['id']}/approve")
    if i % 2 == 0:
        call("POST", f"/questions/{q['id']}/to_answer")
        call("POST", f"/questions/{q['id']}/answer",
             {"answer": "可以依法采取限制消费、纳入失信被执行人名单等措施，并持续查控财产线索。"})
PY
FEED=/api/v1/public/sessions/1/questions
curl -sf "http://127.0.0.1:$PORT$FEED" >"$DIR/feed.json"
BYTES=$(stat -c %s "$DIR/feed.json")

# nginx serving the same bytes.
NPORT=$(free_port)
mkdir -p "$DIR/nginx/www"
cp "$DIR/feed.json" "$DIR/nginx/www/feed.json"
chmod -R a+rX "$DIR/nginx" && chmod a+x "$DIR"  # nginx's workers run as another user
cat >"$DIR/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes $WORKERS;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx; proxy_temp_path $DIR/nginx; fastcgi_temp_path $DIR/nginx;
  uwsgi_temp_path $DIR/nginx; scgi_temp_path $DIR/nginx;
  server {
    listen 127.0.0.1:$NPORT;
    root $DIR/nginx/www;
    location / { default_type application/json; add_header Cache-Control "public, max-age=2"; }
  }
}
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" &
PIDS+=($!)
wait_port "$NPORT" "${PIDS[1]}"

echo "courtcast $(git -C "$ROOT" rev-parse --short HEAD), feed $BYTES bytes, $WORKERS workers each," \
  "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # label URL [wrk args]: "label req/s p50 p99 non-2xx" (latencies in ms)
  local label=$1 url=$2
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" "$url" | awk -v label="$label" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.0f %.2f %.2f %s\n", label, rps, p50, p99, (bad ? bad : 0) }'
}
ETAG=$(curl -sf -D - -o /dev/null "http://127.0.0.1:$PORT$FEED" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r')
for _ in $(seq "$REPEAT"); do
  run nginx "http://127.0.0.1:$NPORT/feed.json"
  run courtcast "http://127.0.0.1:$PORT$FEED"
  run courtcast-304 "http://127.0.0.1:$PORT$FEED" -H "If-None-Match: $ETAG"
done | tee "$DIR/results.txt" | awk '{ printf "round %d  %-14s %8s req/s  p50 %6s ms  p99 %6s ms  non-2xx %s\n", int((NR - 1) / 3) + 1, $1, $2, $3, $4, $5 }'
python3 - "$DIR/results.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for label, rps, p50, p99, _ in rows:
    by.setdefault(label, []).append((float(rps), float(p50), float(p99)))
med = lambda xs: statistics.median(xs)
ratios = [c[0] / n[0] for n, c in zip(by["nginx"], by["courtcast"])]
print("medians:")
for label, xs in by.items():
    print(f"  {label:14s} {med([x[0] for x in xs]):8.0f} req/s  p50 {med([x[1] for x in xs]):6.2f} ms  p99 {med([x[2] for x in xs]):6.2f} ms")
print(f"  courtcast / nginx req/s, per round: {', '.join(f'{r:.2f}' for r in ratios)}; median {med(ratios):.2f}")
PY
