# shellcheck shell=bash
# Helpers shared by the bench/ scripts; source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"
#
# Everything here reads /proc or the loopback interface, writes a file it is
# told to, or stops processes it is given; nothing it starts outlives the call.

TICKS=${TICKS:-$(getconf CLK_TCK)}

need() {  # need COMMAND: exit with a hint when a tool is missing
  command -v "$1" >/dev/null || { echo "$(basename "$0"): $1 is missing (run scripts/bootstrap)" >&2; exit 1; }
}

stop_pids() {  # stop_pids PID...: SIGTERM each, then wait for each (the caller's children)
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

camera_720p25() {  # camera_720p25 FILE: unless it exists, FFmpeg writes the benches' camera
  # there: 30 s of 1280x720 25 fps H.264 at 4 Mbit/s (2 s GOP) + AAC 44.1 kHz stereo, FLV
  [[ -f $1 ]] && return 0
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 30 -c:v libx264 -preset veryfast \
    -pix_fmt yuv420p -b:v 4000k -maxrate 4000k -bufsize 4000k -g 50 -keyint_min 50 \
    -sc_threshold 0 -c:a aac -b:a 128k -ac 2 -f flv "$1"
}

free_port() {  # a TCP port free on 127.0.0.1 right now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_config() {  # server_config DIR HTTP_PORT WORKERS [DATABASE_URL]: writes DIR/courtcast.toml, a server
  # with its data in DIR/var, HTTP on HTTP_PORT (no cap per address), RTMP and SRT on any free
  # port, no recording, warnings only, and SQLite unless a database URL is given
  cat >"$1/courtcast.toml" <<TOML
[server]
data_dir = "$1/var"
workers = $3
[rtmp]
listen = "127.0.0.1:0"
[srt]
listen = "127.0.0.1:0"
[http]
listen = "127.0.0.1:$2"
max_connections_per_address = 0  # load generators on loopback stand for many viewers
[record]
enabled = false
[log]
level = "warn"
TOML
  if [[ -n ${4:-} ]]; then printf '[database]\nurl = "%s"\n' "$4" >>"$1/courtcast.toml"; fi
}

wait_port() {  # wait_port PORT [PID]: until something accepts on 127.0.0.1:PORT (30 s); fails early if PID dies
  local _
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    [[ -z ${2:-} ]] || kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

cpu_ms() {  # cpu_ms PID...: summed utime and stime in ms (/proc/PID/stat, CLK_TCK ticks): "USER SYS"
  local p u s user=0 sys=0
  for p in "$@"; do
    read -r u s < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$p/stat")
    user=$((user + u)) sys=$((sys + s))
  done
  echo $((user * 1000 / TICKS)) $((sys * 1000 / TICKS))
}

cpu_total_ms() {  # cpu_total_ms PID...: utime + stime in ms
  local c
  c=$(cpu_ms "$@")
  echo $((${c% *} + ${c#* }))
}

thread_cpu_us() {  # thread_cpu_us PID PREFIX: on-CPU time in µs of PID's threads whose name starts with PREFIX (schedstat)
  local t ns=0
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == "$2"* ]] || continue
    ns=$((ns + $(cut -d' ' -f1 "$t/schedstat" 2>/dev/null || echo 0)))
  done
  echo $((ns / 1000))
}

sched_us() {  # sched_us PID...: summed on-CPU time of every thread, in µs (/proc/PID/task/*/schedstat, ns)
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/schedstat; done | awk '{ ns += $1 } END { printf "%.0f", ns / 1000 }'
}

rss_kib() {  # rss_kib PID...: summed VmRSS in KiB
  local p total=0
  for p in "$@"; do total=$((total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"))); done
  echo "$total"
}

status_kib() {  # status_kib PID FIELD: one KiB field of /proc/PID/status (VmHWM, RssAnon, ...)
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

machine_note() {  # one line: cores, CPU model, load average
  echo "$(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
