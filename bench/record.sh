#!/usr/bin/env bash
# Recording benchmark: what evidence recording costs. 4 inputs and 1 air
# stream (published like the others until program/ makes a real air) at
# ~4 Mbit/s each, recorded with 60 s segments for SECONDS_PER_RUN; then the
# same without recording. Reports the CPU of the recorder threads (named
# rec:STREAM), of the whole server with and without recording, and the
# hashing rate of `courtcast verify` over what was recorded.
#
#   bench/record.sh
#
# Environment: SECONDS_PER_RUN (60), BUILD_DIR (build-bench).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=$ROOT/bench/out
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
STREAM_FILE=$OUT/stream-720p25-4000k.flv
STREAMS="cam-a cam-b cam-c cam-d air"
TICKS=$(getconf CLK_TCK)
SERVER_PID=""
PUBLISHERS=()

cleanup() {
  for p in "${PUBLISHERS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PUBLISHERS[@]}"; do wait "$p" 2>/dev/null || true; done
  PUBLISHERS=()
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

mkdir -p "$OUT"
if [[ ! -x $BUILD/courtcast ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast
fi
if [[ ! -f $STREAM_FILE ]]; then
  echo "record.sh: generating $STREAM_FILE (30 s, 720p25 H.264 + AAC, ~4 Mbit/s, 2 s GOP)" >&2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 30 -c:v libx264 -preset veryfast -pix_fmt yuv420p -b:v 3900k -minrate 3900k \
    -maxrate 3900k -bufsize 3900k -x264-params nal-hrd=cbr -g 50 -keyint_min 50 \
    -sc_threshold 0 -c:a aac -b:a 96k -f flv "$STREAM_FILE.part"
  mv "$STREAM_FILE.part" "$STREAM_FILE"
fi

# CPU ticks of a process, or of its threads whose name starts with $2.
ticks() {
  local pid=$1 prefix=${2:-} sum=0 t
  if [[ -z $prefix ]]; then
    awk '{print $14 + $15}' "/proc/$pid/stat"
    return
  fi
  for t in /proc/"$pid"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == "$prefix"* ]] || continue
    sum=$((sum + $(awk '{print $14 + $15}' "$t/stat")))
  done
  echo "$sum"
}

# run ENABLED DIR: prints "server_pct recorder_pct bytes"
run() {
  local enabled=$1 dir=$2
  mkdir -p "$dir"
  {
    printf '[server]\ndata_dir = "%s/var"\nworkers = 2\n' "$dir"
    printf '[rtmp]\nlisten = "127.0.0.1:0"\n[http]\nlisten = "127.0.0.1:0"\n'
    printf '[record]\nenabled = %s\nsegment_seconds = 60\nmin_free_bytes = 0\n' "$enabled"
    for s in $STREAMS; do printf '[[stream]]\nname = "%s"\nkey = "bench-key-%s"\n' "$s" "$s"; done
  } >"$dir/courtcast.toml"
  "$BUILD/courtcast" serve --config "$dir/courtcast.toml" >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  local rtmp_port=""
  for _ in $(seq 100); do
    rtmp_port=$(grep -o 'protocol=rtmp address=[0-9.]*:[0-9]*' "$dir/server.log" | sed 's/.*://' || true)
    [[ -n $rtmp_port ]] && break
    sleep 0.1
  done
  [[ -n $rtmp_port ]] || { echo "record.sh: the server did not start: $(cat "$dir/server.log")" >&2; exit 1; }
  for s in $STREAMS; do
    ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i "$STREAM_FILE" -c copy -f flv \
      "rtmp://127.0.0.1:$rtmp_port/live/$s?key=bench-key-$s" </dev/null >/dev/null 2>&1 &
    PUBLISHERS+=($!)
  done
  sleep 5
  local p0 r0 p1 r1
  p0=$(ticks "$SERVER_PID"); r0=$(ticks "$SERVER_PID" rec:)
  sleep "$SECONDS_PER_RUN"
  p1=$(ticks "$SERVER_PID"); r1=$(ticks "$SERVER_PID" rec:)
  cleanup
  local bytes=0
  [[ -d $dir/var/recordings ]] && bytes=$(du -sb "$dir/var/recordings" | cut -f1)
  python3 -c "print(f'{100*($p1-$p0)/$TICKS/$SECONDS_PER_RUN:.2f} {100*($r1-$r0)/$TICKS/$SECONDS_PER_RUN:.2f} $bytes')"
}

RUN=$(mktemp -d "$OUT/record-$(date +%Y%m%d-%H%M%S)-XXXX")
read -r on_server on_rec bytes < <(run true "$RUN/on")
read -r off_server _ _ < <(run false "$RUN/off")
mbps=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$STREAM_FILE" |
  python3 -c "import sys; print(f'{int(sys.stdin.read())/1e6:.2f}')")

# Hashing: verify reads and hashes every segment (from the page cache).
start=$(date +%s.%N)
"$BUILD/courtcast" verify "$RUN/on/var/recordings" >"$RUN/verify.txt"
end=$(date +%s.%N)
hash_mbs=$(python3 -c "print(f'{$bytes/1e6/($end-$start):.0f}')")
openssl_mbs=$(openssl speed -evp sha256 -bytes 1048576 -seconds 2 2>/dev/null |
  awk '/^sha256/ {print $NF}' | sed 's/k$//' | python3 -c "import sys; v=sys.stdin.read().strip(); print(f'{float(v)/1000:.0f}' if v else '?')")

cat <<EOT
recording 5 streams (4 inputs + air) at ${mbps} Mbit/s each for ${SECONDS_PER_RUN} s
  recorder threads (rec:*):      ${on_rec} % of one core
  server with recording:         ${on_server} % of one core
  server without recording:      ${off_server} % of one core
  recorded:                      $((bytes / 1000000)) MB
  verify (read + SHA-256):       ${hash_mbs} MB/s on one core
  openssl sha256 (1 MiB blocks): ${openssl_mbs} MB/s (reference)
EOT
rm -rf "$RUN/on/var/recordings" "$RUN/off/var"
