#!/usr/bin/env bash
# Control API benchmark on loopback with wrk, SQLite by default: marking
# enforcement steps (POST /api/v1/steps, each a transaction that checks the
# rules against the case's stored steps, updates the case and appends to the
# audit chain) and statistics queries (GET /api/v1/sessions/ID/stats and
# /campaigns/ID/stats of the demo campaign); then the statistics of a
# campaign grown to STEPS steps, timed with curl, and the demo campaign's
# statistics again among those steps.
#
#   bench/api.sh
#
# Environment: BUILD_DIR (build-bench), SECONDS_PER_RUN (15), CONNECTIONS (32),
# THREADS (2), CASES (200), STEPS (100000), WORKERS (server event loops, 2),
# DATABASE_URL (an empty PostgreSQL database, postgresql://…; unset: SQLite
# in the run's temporary directory).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CASES=${CASES:-200}
STEPS=${STEPS:-100000}
WORKERS=${WORKERS:-2}
DIR=$(mktemp -d /tmp/courtcast-bench-api.XXXXXX)
SERVER_PID=""

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

if [[ ! -x $BUILD/courtcast ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast
fi

PORT=$(free_port)
server_config "$DIR" "$PORT" "$WORKERS" "${DATABASE_URL:-}"
"$BUILD/courtcast" serve --config "$DIR/courtcast.toml" >"$DIR/server.log" 2>&1 &
SERVER_PID=$!
wait_port "$PORT" "$SERVER_PID"
API=http://127.0.0.1:$PORT/api/v1
TOKEN=$(cat "$DIR/var/keys/api-token")
AUTH="Authorization: Bearer $TOKEN"

post() { curl -sf -H "$AUTH" -H 'Content-Type: application/json' -d "$2" "$API$1"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# A campaign with CASES cases; steps are spread over them round robin.
T0=1723075200000
CAMPAIGN=$(post /campaigns "{\"name\":\"bench\",\"start_ms\":$((T0 - 86400000 * 100)),\"end_ms\":$((T0 + 86400000 * 200))}" | id_of)
FIRST_CASE=""
for i in $(seq "$CASES"); do
  id=$(post /cases "{\"campaign_id\":$CAMPAIGN,\"number\":\"（2024）甘0602执$((10000 + i))号\",\"cause\":\"借款合同纠纷\",\"applicants\":[{\"name\":\"张某\"}],\"respondents\":[{\"name\":\"李某\"}],\"claimed_fen\":100000000,\"filed_ms\":$((T0 - 86400000 * 10))}" | id_of)
  FIRST_CASE=${FIRST_CASE:-$id}
done

cat >"$DIR/mark.lua" <<LUA
local n = 0
local thread_offset = 0
local counter = 1
function setup(thread)
  thread:set("thread_offset", counter * 100000000)
  counter = counter + 1
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local case_id = $FIRST_CASE + (n % $CASES)
  local body = string.format('{"case_id":%d,"type":"payment_on_spot","amount_fen":100,'
    .. '"start_ms":%d,"officers":[{"name":"王某","role":"judge"}],"place":"凉州区"}',
    case_id, $T0 + thread_offset + n)
  return wrk.format(nil, "/api/v1/steps", nil, body)
end
LUA

run() {  # name, wrk args…
  local name=$1
  shift
  echo "== $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" |
    grep -E "Requests/sec|Non-2xx|  50%|  99%|requests in"
}

BACKEND=SQLite
[[ -z ${DATABASE_URL:-} ]] || BACKEND=PostgreSQL
echo "courtcast $(git -C "$ROOT" rev-parse --short HEAD), $BACKEND, $WORKERS workers, wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, $(nproc) cores"
run "mark steps (POST /api/v1/steps)" -s "$DIR/mark.lua" "$API/steps"
run "session statistics (GET /api/v1/sessions/1/stats, demo)" -H "$AUTH" "$API/sessions/1/stats"
run "campaign statistics (GET /api/v1/campaigns/1/stats, demo)" -H "$AUTH" "$API/campaigns/1/stats"

# Grow the bench campaign to STEPS steps, then time its statistics.
have=$(curl -sf -H "$AUTH" "$API/campaigns/$CAMPAIGN/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["activity"]["steps"])')
if ((have < STEPS)); then
  need=$((STEPS - have))
  echo "== growing campaign $CAMPAIGN from $have to $STEPS steps"
  python3 - "$API" "$TOKEN" "$FIRST_CASE" "$CASES" "$need" "$T0" <<'PY'
import http.client, json, sys, threading
api, token, first, cases, need, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
host, port = api.split("//")[1].split("/")[0].split(":")
def work(k, count):
    c = http.client.HTTPConnection(host, int(port))
    for i in range(count):
        body = json.dumps({"case_id": first + (i * 8 + k) % cases, "type": "arrival",
                           "start_ms": t0 + 900_000_000 + k * 10_000_000 + i,
                           "officers": [{"name": "王某"}]})
        c.request("POST", "/api/v1/steps", body, {"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status
threads = [threading.Thread(target=work, args=(k, need // 8 + (1 if k < need % 8 else 0))) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
PY
fi
echo "== campaign statistics with $(curl -sf -H "$AUTH" "$API/campaigns/$CAMPAIGN/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["activity"]["steps"])') steps (GET /api/v1/campaigns/$CAMPAIGN/stats, 20 requests)"
for _ in $(seq 20); do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "$AUTH" "$API/campaigns/$CAMPAIGN/stats"
done | sort -n | awk '{t[NR]=$1*1000} END {printf "min %.1f ms, median %.1f ms, max %.1f ms\n", t[1], t[int((NR+1)/2)], t[NR]}'
# A small campaign among them: the demo campaign's statistics must be read
# by index, not by a scan of every step (issue 17).
run "small campaign statistics among $STEPS steps (GET /api/v1/campaigns/1/stats, demo)" -H "$AUTH" "$API/campaigns/1/stats"
