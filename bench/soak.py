#!/usr/bin/env python3
"""One live session as a court runs it, compressed into MINUTES, with faults.

Two cameras (cam-a through a TCP proxy that cuts and stalls it), eight
nginx-rtmp platforms that record what they receive (one over RTMPS, one
killed and restarted, one that stops reading for a minute), 500 HTTP-FLV
players joining and leaving, takes every 10-30 s, the card, a cut and
resume, delay changes, steps marked, a clip export, one `kill -9` of
courtcast in the middle and a restart, and the recordings' disk (a small
tmpfs) nearly filled once.

Every 10 s it writes courtcast's RSS, open files, threads and CPU to
OUT/samples.csv; at the end it checks every recording with `courtcast
verify`, the audit chain, what each platform received (decodes, timestamps
monotonic within each connection), and lists the server's warning and error
lines by event. OUT/report.txt holds the checks, OUT/soak.png the plot.

Run through bench/soak.sh MINUTES (default 30); a benchmark, not a test.
"""

import argparse
import collections
import csv
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from court_api_support import PASSWORD, approved_session, session_body, step_body  # noqa: E402
from harness import (ApiClient, NginxRtmp, TcpProxy, accepts, free_port,  # noqa: E402
                     process_cpu_seconds, stop, test_media, wait_for)

BIN = os.environ.get("COURTCAST_BIN", "build/courtcast")
BENCH = os.environ.get("COURTCAST_BENCH_BIN", "build/courtcast-bench")
PLATFORMS = ["douyin", "kuaishou", "weibo", "toutiao", "bilibili", "wechat_channels",
             "feitian_cloud", "custom"]
# Roles of the platforms in the run (indexes into PLATFORMS).
TLS, KILLED, STALLED = 5, 6, 7
PLAYERS, PLAYER_GROUPS = 500, 5
MIN_FREE = 64 << 20  # [record] min_free_bytes


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def soak_media(name, tone):
    """640x360 H.264/AAC at 700 kbit/s: a 4G camera's picture, small enough
    that hours of four recorded streams fit a tmpfs."""
    return test_media(name=f"soak-{name}", size="640x360", seconds=60, tone=tone,
                      video_bitrate="700k", audio_bitrate="64k")


class Courtcast:
    """courtcast serve on fixed ports, so that a restart keeps its URLs; the
    log is appended to across restarts."""

    def __init__(self, out, data_dir, ca_file, destinations):
        self.rtmp_port, self.http_port, self.srt_port = free_port(), free_port(), free_port()
        lines = ["[server]", f'data_dir = "{data_dir}"',
                 "[rtmp]", f'listen = "127.0.0.1:{self.rtmp_port}"',
                 "[http]", f'listen = "127.0.0.1:{self.http_port}"',
                 # The 500 players stand for viewers at many addresses.
                 "max_connections_per_address = 0",
                 "[srt]", f'listen = "127.0.0.1:{self.srt_port}"',
                 "[record]", "segment_seconds = 10", f"min_free_bytes = {MIN_FREE}",
                 "[relay]", f'ca_file = "{ca_file}"']
        for name, url in destinations:
            lines += ["[[destination]]", 'stream = "idle"', f'name = "{name}"',
                      f'preset = "{name}"', f'url = "{url}"', "enabled = false"]
        self.data_dir = data_dir
        self.config = os.path.join(out, "courtcast.toml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(out, "server.log")
        self.proc = None

    def start(self):
        with open(self.log_path, "a") as log_file:
            self.proc = subprocess.Popen([BIN, "serve", "--config", self.config],
                                         stdout=log_file, stderr=subprocess.STDOUT)
        wait_for(lambda: accepts(self.http_port) and accepts(self.rtmp_port), 30,
                 "courtcast's listeners")

    def token(self):
        with open(os.path.join(self.data_dir, "keys", "api-token")) as f:
            return f.read().strip()

    def rtmp_url(self, stream, key, port=None):
        return f"rtmp://127.0.0.1:{port or self.rtmp_port}/live/{stream}?key={key}"


class Publisher:
    """FFmpeg publishing a file in real time, started again whenever it ends
    (a cut proxy, a restarted server), as a camera operator's encoder does."""

    def __init__(self, media, url):
        self.media, self.url, self.proc, self.starts = media, url, None, 0
        self.running = True
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while self.running:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                     "-i", self.media, "-c", "copy", "-f", "flv", self.url],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.starts += 1
            time.sleep(1)

    def close(self):
        self.running = False
        stop(self.proc)


class Players:
    """PLAYERS HTTP-FLV players in PLAYER_GROUPS courtcast-bench processes,
    each group leaving after 30-90 s and joining again a few seconds later."""

    def __init__(self, url, out, rng):
        self.url, self.out, self.rng, self.running = url, out, rng, True
        self.runs = 0
        self.threads = [threading.Thread(target=self._group, args=(i,), daemon=True)
                        for i in range(PLAYER_GROUPS)]
        self.procs = {}
        for t in self.threads:
            t.start()

    def _group(self, i):
        with open(os.path.join(self.out, f"players-{i}.log"), "a") as log_file:
            while self.running:
                seconds = self.rng.randint(30, 90)
                p = subprocess.Popen([BENCH, "--url", self.url, "--players",
                                      str(PLAYERS // PLAYER_GROUPS), "--seconds", str(seconds),
                                      "--settle", "0", "--ramp", "2", "--label", f"group{i}"],
                                     stdout=log_file, stderr=log_file)
                self.procs[i] = p
                p.wait()
                self.runs += 1
                time.sleep(self.rng.uniform(1, 8))

    def close(self):
        self.running = False
        for p in list(self.procs.values()):
            stop(p)


class Sampler:
    """Every 10 s: courtcast's RSS, open files, threads and CPU share."""

    def __init__(self, path, server):
        self.server, self.running = server, True
        self.file = open(path, "w", newline="")
        self.csv = csv.writer(self.file)
        self.csv.writerow(["seconds", "rss_kib", "fds", "threads", "cpu_percent", "pid"])
        self.start = time.monotonic()
        self.rows = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        last = None
        while self.running:
            now = time.monotonic()
            pid = self.server.proc.pid if self.server.proc else None
            try:
                cpu = process_cpu_seconds(pid)
                status = open(f"/proc/{pid}/status").read()
                rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
                threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
                fds = len(os.listdir(f"/proc/{pid}/fd"))
                share = ""
                if last and last[0] == pid:
                    share = f"{100 * (cpu - last[1]) / (now - last[2]):.1f}"
                last = (pid, cpu, now)
                row = [f"{now - self.start:.0f}", rss, fds, threads, share, pid]
                self.csv.writerow(row)
                self.file.flush()
                self.rows.append(row)
            except (OSError, AttributeError, IndexError, TypeError):
                pass  # the server is between a kill and its restart
            time.sleep(max(0.0, 10 - (time.monotonic() - now)))

    def close(self):
        self.running = False
        self.file.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("minutes", nargs="?", type=float, default=30)
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    total = args.minutes * 60
    rng = random.Random(args.seed)
    out = os.path.abspath(args.out or os.path.join("build", time.strftime("soak-%Y%m%dT%H%M%S")))
    os.makedirs(out, exist_ok=True)
    log(f"soak: {args.minutes:g} min, results in {out}")
    work = tempfile.mkdtemp(prefix="courtcast-soak-")
    data_dir = os.path.join(work, "var")
    os.makedirs(data_dir)
    # The data dir on a tmpfs of its own, so that "the disk nearly full" is
    # this disk only: four recorded streams at ~0.8 Mbit/s, with room.
    tmpfs_bytes = int(4 * 100_000 * total * 1.5) + (256 << 20)
    tmpfs = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={tmpfs_bytes}", "tmpfs",
                            data_dir], capture_output=True).returncode == 0
    if not tmpfs:
        log("soak: cannot mount a tmpfs (not root?): the disk-full fault is skipped")
    media_a = soak_media("cam-a", 440)
    media_b = soak_media("cam-b", 660)

    ports = [free_port() for _ in PLATFORMS]
    # nginx-rtmp platforms on fixed ports (a restarted one keeps its URL),
    # recording what they receive into record/PORT/, one file per connection.
    platforms = NginxRtmp(plain_ports=[p for i, p in enumerate(ports) if i not in (TLS, KILLED)],
                          tls_ports=[ports[TLS]], record=True,
                          directory=os.path.join(out, "nginx"))
    killed = NginxRtmp(plain_ports=[ports[KILLED]], record=True,
                       directory=os.path.join(out, "nginx-killed"))
    stall_proxy = TcpProxy(ports[STALLED])
    destinations = []
    for i, name in enumerate(PLATFORMS):
        if i == TLS:
            url = f"rtmps://localhost:{ports[i]}/live/{name}-key"
        elif i == STALLED:
            url = f"rtmp://127.0.0.1:{stall_proxy.port}/live/{name}-key"
        else:
            url = f"rtmp://127.0.0.1:{ports[i]}/live/{name}-key"
        destinations.append((name, url))
    server = Courtcast(out, data_dir, platforms.cert, destinations)
    server.start()
    sampler = Sampler(os.path.join(out, "samples.csv"), server)
    events = []  # (seconds, what) for the report
    t0 = time.monotonic()

    def note(what):
        events.append((round(time.monotonic() - t0), what))
        log(what)

    admin = ApiClient(server, server.token())
    admin.ok("POST", "/users", {"username": "director1", "role": "director", "password": PASSWORD})
    director = ApiClient(server)
    assert director.login("director1", PASSWORD)[0] == 200
    body = session_body()
    body.update({"destinations": PLATFORMS, "delay_ms": 2000,
                 "air": {"width": 640, "height": 360, "preset": "ultrafast",
                         "video_bitrate_kbps": 800}})
    session, case = approved_session(director, admin, body)
    air = f"session-{session}"
    keys = {i["name"]: i["publish_url"].split("key=")[1] for i in
            director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}
    cam_proxy = TcpProxy(server.rtmp_port)
    cameras = [Publisher(media_a, server.rtmp_url(f"{air}.cam-a", keys["cam-a"], cam_proxy.port)),
               Publisher(media_b, server.rtmp_url(f"{air}.cam-b", keys["cam-b"]))]
    wait_for(lambda: all(_live(server, f"{air}.{c}") for c in ("cam-a", "cam-b")), 30, "cameras")
    director.ok("POST", f"/sessions/{session}/start")
    wait_for(lambda: _live(server, air), 60, "the session's air")
    note("live: two cameras, air on eight platforms")
    players = Players(f"http://127.0.0.1:{server.http_port}/live/{air}.flv", out, rng)

    # The faults and the director's actions, each at its share of the run.
    plan = sorted([
        (0.15, "card"), (0.20, "resume"), (0.25, "delay 5"), (0.35, "cut"), (0.38, "resume"),
        (0.45, "export"), (0.50, "kill -9"), (0.60, "delay 2"), (0.65, "stall platform"),
        (0.80, "fill disk"),
    ] + [(f, "cut camera proxy") for f in (0.1, 0.3, 0.55, 0.75, 0.9)]
      + [(f, "stall camera proxy") for f in (0.22, 0.68)]
      + [(f, "kill platform") for f in (0.12, 0.42, 0.72)]
      + [(f, "mark step") for f in (0.05, 0.33, 0.62, 0.85)])
    next_take = rng.uniform(10, 30)
    on_program = "cam-a"
    steps = 0
    exports = []
    failures = []
    unstall = {}  # what to undo at a time: {seconds: callable}
    disk_filler = os.path.join(data_dir, "filler")

    def call(what, fn):
        try:
            fn()
        except Exception as e:  # a refused call is a finding, not the end of the run
            failures.append(f"{what}: {e}")
            note(f"FAILED {what}: {e}")

    while time.monotonic() - t0 < total:
        now = time.monotonic() - t0
        for at, undo in sorted(unstall.items()):
            if now >= at:
                undo()
                del unstall[at]
        if plan and now >= plan[0][0] * total:
            _, what = plan.pop(0)
            note(what)
            if what == "card":
                call(what, lambda: director.ok("POST", f"/programs/{air}/card", expect=(202,)))
            elif what == "resume":
                call(what, lambda: director.ok("POST", f"/programs/{air}/resume", expect=(202,)))
            elif what.startswith("delay"):
                seconds = int(what.split()[1])
                call(what, lambda: director.ok("POST", f"/programs/{air}/delay",
                                               {"delay_seconds": seconds}, expect=(202,)))
            elif what == "cut":
                call(what, lambda: director.ok("POST", f"/programs/{air}/cut",
                                               {"reason": "soak: a bystander's face"},
                                               expect=(202,)))
            elif what == "export":
                to_ms = int(time.time() * 1000) - 5000
                call(what, lambda: exports.append(director.ok(
                    "POST", f"/recordings/{session}/{air}/exports",
                    {"from": str(to_ms - 60_000), "to": str(to_ms), "case_id": case},
                    expect=(202,))["id"]))
            elif what == "kill -9":
                server.proc.kill()
                server.proc.wait()
                time.sleep(2)  # the camera encoders and platforms notice the loss
                server.start()
                admin = ApiClient(server, server.token())
                director = ApiClient(server)
                call("login after restart", lambda: director.login("director1", PASSWORD))
                call("air after restart", lambda: wait_for(lambda: _live(server, air), 60,
                                                           "air after the restart"))
                note("restarted")
            elif what == "stall platform":
                stall_proxy.stall(True)
                unstall[now + 60] = lambda: (stall_proxy.stall(False), note("platform reads again"))
            elif what == "cut camera proxy":
                cam_proxy.cut()
            elif what == "stall camera proxy":
                cam_proxy.stall(True)
                unstall[now + 20] = lambda: (cam_proxy.stall(False), note("camera proxy flows"))
            elif what == "kill platform":
                killed.kill()
                unstall[now + 15] = lambda: (killed.start(), note("platform back"))
            elif what == "mark step":
                steps += 1
                ms = int(time.time() * 1000)
                kind = ("arrival", "explain_law", "mediation", "other")[(steps - 1) % 4]
                call(what, lambda: admin.ok("POST", "/steps", step_body(
                    case, kind, session_id=session, start_ms=ms - 60_000, end_ms=ms)))
            elif what == "fill disk" and tmpfs:
                free = shutil.disk_usage(data_dir).free
                subprocess.run(["fallocate", "-l", str(max(0, free - MIN_FREE // 2)),
                                disk_filler], check=False)
                unstall[now + 30] = lambda: (os.unlink(disk_filler), note("disk freed"))
        if now >= next_take:
            on_program = "cam-b" if on_program == "cam-a" else "cam-a"
            call(f"take {on_program}", lambda: director.ok(
                "POST", f"/programs/{air}/take", {"input": on_program}, expect=(202,)))
            next_take = now + rng.uniform(10, 30)
        time.sleep(0.5)
    for undo in unstall.values():
        undo()

    note("end of the run: checks")
    report = []
    ok = True

    def check(name, passed, detail=""):
        nonlocal ok
        ok = ok and passed
        report.append(f"{'PASS' if passed else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))

    # While the server still runs: the audit chain and the exports.
    audit = admin.ok("GET", "/audit/verify")
    check("audit chain verifies", audit["ok"], f"{audit['entries']} entries")
    for job in exports:
        state = wait_for(lambda: admin.ok("GET", f"/recordings/{session}/{air}/exports/{job}")
                         ["state"] in ("done", "failed") and
                         admin.ok("GET", f"/recordings/{session}/{air}/exports/{job}"), 120,
                         "the export")
        check(f"export {job}", state["state"] == "done", state.get("error", ""))
    destinations_now = {d["name"]: d for d in admin.ok("GET", "/destinations")["destinations"]}
    for name in PLATFORMS:
        h = destinations_now.get(name, {}).get("health", {})
        check(f"destination {name} live at the end", h.get("state") == "live",
              f"state {h.get('state')}, {h.get('reconnects', '?')} reconnects, "
              f"{h.get('dropped_packets', '?')} packets dropped")
    players.close()
    for c in cameras:
        c.close()
    director.ok("POST", f"/sessions/{session}/end")
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(30)
        check("courtcast ends on SIGTERM", server.proc.returncode == 0,
              f"exit {server.proc.returncode}")
    except subprocess.TimeoutExpired:
        check("courtcast ends on SIGTERM", False, "still running after 30 s")
        server.proc.kill()
    sampler.close()

    verify = subprocess.run([BIN, "verify", "--config", server.config,
                             os.path.join(data_dir, "recordings")], capture_output=True, text=True)
    recordings = [line for line in (verify.stdout + verify.stderr).splitlines()
                  if line and not line.startswith("  ")]
    check("every recording verifies (courtcast verify)", verify.returncode == 0,
          f"{len(recordings)} recordings")
    report += [f"      {line}" for line in recordings]

    platforms.stop()
    killed.stop()
    for i, name in enumerate(PLATFORMS):
        folder = os.path.join((killed if i == KILLED else platforms).dir, "record", str(ports[i]))
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
        # nginx opens a file per publishing connection; one that ended before
        # any media (the end of the session, a connection cut at once) is empty.
        empty = [f for f in files if os.path.getsize(f) == 0]
        files = [f for f in files if f not in empty]
        seconds, bad = 0.0, []
        for f in files:
            decode = subprocess.run(["ffmpeg", "-v", "error", "-i", f, "-f", "null", "-"],
                                    capture_output=True, text=True)
            if decode.returncode != 0 or decode.stderr.strip():
                bad.append(f"{os.path.basename(f)}: {decode.stderr.strip()[:200]}")
            seconds += _duration(f)
            if not _monotonic(f):
                bad.append(f"{os.path.basename(f)}: timestamps go back")
        check(f"platform {name} received a stream that decodes", files and not bad,
              f"{len(files)} connections with media ({len(empty)} without), "
              f"{seconds:.0f} s of media" + ("; " + "; ".join(bad)
                                                                       if bad else ""))

    lines = open(server.log_path, errors="replace").read().splitlines()
    by_event = collections.Counter()
    for line in lines:
        m = re.search(r"level=(warning|error|critical) (?:event=(\S+))?", line)
        if m:
            by_event[(m.group(1), m.group(2) or line[40:100])] += 1
    report.append("warning and error lines by event (each explained in docs/reliability.md):")
    report += [f"      {n:6d}  {level:8s} {event}" for (level, event), n in by_event.most_common()]
    if failures:
        report.append("calls that failed during the run:")
        report += [f"      {f}" for f in failures]
    report.append("timeline (seconds from live):")
    report += [f"      {t:6d}  {what}" for t, what in events]

    rows = sampler.rows
    if rows:
        warm = [r for r in rows if float(r[0]) >= min(300, total / 3)]
        rss = [int(r[1]) for r in warm] or [0]
        fds = [int(r[2]) for r in warm] or [0]
        cpu = [float(r[4]) for r in rows if r[4]]
        report.insert(0, f"samples: {len(rows)}; after warm-up RSS {min(rss) // 1024}-"
                         f"{max(rss) // 1024} MiB, fds {min(fds)}-{max(fds)}; CPU mean "
                         f"{sum(cpu) / max(1, len(cpu)):.0f}% of a core, max {max(cpu or [0]):.0f}%")
        report.insert(1, f"players: {players.runs} group runs of {PLAYERS // PLAYER_GROUPS}; "
                         f"camera restarts: {[c.starts for c in cameras]}; "
                         f"camera proxy connections: {cam_proxy.accepted}")
    with open(os.path.join(out, "report.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))
    cam_proxy.close()
    stall_proxy.close()
    if tmpfs:
        subprocess.run(["umount", data_dir], check=False)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def _live(server, name):
    try:
        status, body, _ = ApiClient(server, server.token()).call("GET", f"/streams/{name}")
    except OSError:
        return False
    return status == 200 and (body or {}).get("video", {}).get("width")


def _duration(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                        "csv=p=0", path], capture_output=True, text=True)
    try:
        return float(r.stdout.strip())
    except ValueError:
        return 0.0


def _monotonic(path):
    """Video DTS never goes back within one connection's file."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                        "packet=dts", "-of", "csv=p=0", path], capture_output=True, text=True)
    last = None
    for line in r.stdout.split():
        try:
            dts = int(line.strip(","))
        except ValueError:
            continue
        if last is not None and dts < last:
            return False
        last = dts
    return True


if __name__ == "__main__":
    sys.exit(main())
