#!/usr/bin/env python3
"""The nginx edge of docs/deploy.md in front of one courtcast, on loopback.

  bench/edge.sh feed   # the watch page's question feed: wrk at courtcast, then at nginx
  bench/edge.sh hls    # READERS simulated HLS viewers through nginx

Prints what the readers got and what courtcast served (its /metrics). The
machine is shared by courtcast, nginx and the load, so figures are lower
bounds. Environment: BUILD_DIR (build), SECONDS_PER_RUN (10), CONNECTIONS
(200, feed), READERS (2000, hls), NGINX_WORKERS (2, hls: nginx's worker
processes), READER (hls: `bench`, the default, runs the readers in
courtcast-bench — C++, THREADS event loops (2); `python` runs them in
PROCESSES (2) Python processes, one asyncio loop each, as first measured)."""

import asyncio
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("COURTCAST_BIN", os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"),
                                                    "courtcast"))
os.environ.setdefault("COURTCAST_TEST_MEDIA", os.path.join(ROOT, "build", "test-media"))

from edge_support import NginxEdge, live_session  # noqa: E402
from harness import (Server, process_cpu_seconds, publish, stop, test_media, wait_for,  # noqa: E402
                     wait_live)
from metrics_support import fetch, parse, total  # noqa: E402

SECONDS = int(os.environ.get("SECONDS_PER_RUN", "10"))
# wrk, the readers and the edge all connect from 127.0.0.1, for many viewers.
LOOPBACK_VIEWERS = "max_connections_per_address = 0"
BUILD = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))


def cpu_seconds(pids):
    """utime + stime of `pids`, in seconds."""
    seconds = 0.0
    for pid in pids:
        try:
            seconds += process_cpu_seconds(pid)
        except (OSError, IndexError):
            pass  # an nginx worker that just exited
    return seconds


def with_children(pid):
    """`pid` and its child processes (nginx's master and workers)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [pid] + [int(c) for c in f.read().split()]
    except OSError:
        return [pid]


def route_count(server, route, status=None):
    s = parse(fetch(server.http_port)[1])
    labels = {"route": route}
    if status:
        labels["status"] = status
    return int(total(s, "courtcast_http_requests_total", **labels))


def wrk(url, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    return rps, p50, p99


def feed():
    connections = int(os.environ.get("CONNECTIONS", "200"))
    with Server(http=LOOPBACK_VIEWERS) as server:
        session = live_session(server)
        path = f"/api/v1/public/sessions/{session}/questions"
        route = "/api/v1/public/sessions/{id}/questions"
        rps, p50, p99 = wrk(f"http://127.0.0.1:{server.http_port}{path}", connections)
        print(f"courtcast direct: {rps:.0f} req/s, p50 {p50}, p99 {p99} "
              f"(wrk -t2 -c{connections} -d{SECONDS}s)")
        edge = NginxEdge(server.http_port)
        try:
            before = route_count(server, route)
            rps, p50, p99 = wrk(f"http://127.0.0.1:{edge.port}{path}", connections)
            after = route_count(server, route)
        finally:
            edge.stop()
        print(f"through nginx:    {rps:.0f} req/s, p50 {p50}, p99 {p99}; courtcast saw "
              f"{after - before} requests in {SECONDS} s ({rps * SECONDS:.0f} answered)")


class Reader:
    """One HLS viewer: reloads the playlist every half target duration (1 s,
    as RFC 8216 asks of a client whose playlist did not change) and fetches
    each new segment once, on one keep-alive connection. Readers start
    spread over the first second, as viewers do."""

    def __init__(self, port, path):
        self.port, self.path = port, path
        self.base = path.rsplit("/", 1)[0]
        self.fetched = set()
        self.bytes = 0
        self.late = 0  # segments fetched after the next one was already listed
        self.errors = 0
        self.error = ""  # the last error: an exception's name, or what answered non-200

    async def get(self, reader, writer, path):
        writer.write(f"GET {path} HTTP/1.1\r\nHost: edge\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        body = await reader.readexactly(length)
        return status, body

    async def run(self, until, delay):
        await asyncio.sleep(delay)
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            while time.monotonic() < until:
                status, body = await self.get(reader, writer, self.path)
                if status != 200:
                    self.errors += 1
                    self.error = f"playlist {status}"
                    await asyncio.sleep(1)
                    continue
                lines = body.decode().splitlines()
                segments = [l for l in lines if l and not l.startswith("#")]
                new = [s for s in segments if s not in self.fetched]
                if len(new) > 1 and self.fetched:
                    self.late += len(new) - 1
                for s in (new[-1:] if not self.fetched else new):
                    url = s if s.startswith("/") else f"{self.base}/{s}"
                    status, data = await self.get(reader, writer, url)
                    if status == 200:
                        self.fetched.add(s)
                        self.bytes += len(data)
                    else:
                        self.errors += 1
                        self.error = f"segment {status}"
                await asyncio.sleep(1.0)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            self.errors += 1
            self.error = type(e).__name__
        finally:
            writer.close()


def run_readers(port, n, seconds, first, queue):
    """`n` readers in this process's asyncio loop; puts their results on `queue`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))
    readers = [Reader(port, "/live/cam-a/index.m3u8") for _ in range(n)]
    until = time.monotonic() + seconds

    async def all_readers():
        await asyncio.gather(*(r.run(until, ((first + i) % 1000) / 1000)
                               for i, r in enumerate(readers)))
    asyncio.run(all_readers())
    queue.put([(r.fetched, r.bytes, r.late, r.errors, r.error) for r in readers])


def bench_readers(port, n, server_pid, nginx_pids):
    """`n` readers in courtcast-bench; its JSON report, with nginx's and
    courtcast's CPU over the bench's run (% of one core)."""
    threads = os.environ.get("THREADS", "2")
    cmd = [os.path.join(BUILD, "courtcast-bench"), "--url",
           f"http://127.0.0.1:{port}/live/cam-a/index.m3u8", "--players", str(n),
           "--seconds", str(SECONDS), "--threads", threads, "--poll", "1",
           "--server-pid", str(server_pid), "--label", f"edge-hls-{n}"]
    cpu0 = (cpu_seconds(nginx_pids), cpu_seconds([server_pid]), time.monotonic())
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu1 = (cpu_seconds(nginx_pids), cpu_seconds([server_pid]), time.monotonic())
    report = json.loads(out.strip().splitlines()[-1])
    wall = cpu1[2] - cpu0[2]
    report["nginx_cpu_pct"] = 100 * (cpu1[0] - cpu0[0]) / wall
    report["courtcast_cpu_pct"] = 100 * (cpu1[1] - cpu0[1]) / wall
    report["command"] = " ".join(cmd[1:])
    return report


def hls():
    readers_n = int(os.environ.get("READERS", "2000"))
    processes = int(os.environ.get("PROCESSES", "2"))
    use_bench = os.environ.get("READER", "bench") == "bench"
    media = test_media()
    with Server(streams=(("cam-a", "bench-key-1", True),), http=LOOPBACK_VIEWERS) as server:
        publisher = publish(server.rtmp_url("cam-a", "key=bench-key-1"), media)
        edge = None
        try:
            wait_live(server, "cam-a")
            wait_for(lambda: fetch(server.http_port, path="/live/cam-a/index.m3u8")[0] == 200, 20,
                     "the HLS playlist")
            edge = NginxEdge(server.http_port, workers=int(os.environ.get("NGINX_WORKERS", "2")))
            seg_route = "/live/{name}/{epoch}/seg{n}"
            playlist_route = "/live/{rest}.m3u8"
            before = route_count(server, seg_route, "200")
            playlists_before = route_count(server, playlist_route)
            load0 = os.getloadavg()
            if use_bench:
                report = bench_readers(edge.port, readers_n, server.proc.pid,
                                       with_children(edge.proc.pid))
                load1 = os.getloadavg()
                after = route_count(server, seg_route, "200")
                playlists_after = route_count(server, playlist_route)
                print_bench(report, readers_n, after - before, playlists_after - playlists_before,
                            load0, load1)
                return
            queue = multiprocessing.Queue()
            share = [readers_n // processes + (1 if i < readers_n % processes else 0)
                     for i in range(processes)]
            procs = [multiprocessing.Process(target=run_readers,
                                             args=(edge.port, share[i], SECONDS, sum(share[:i]),
                                                   queue))
                     for i in range(processes)]
            for p in procs:
                p.start()
            results = [r for _ in procs for r in queue.get()]
            for p in procs:
                p.join()
            load1 = os.getloadavg()
            after = route_count(server, seg_route, "200")
            playlists_after = route_count(server, playlist_route)
        finally:
            if edge:
                edge.stop()
            stop(publisher)
    ended = {}
    for *_, e in results:
        if e:
            ended[e] = ended.get(e, 0) + 1
    results = [r[:4] for r in results]
    fetched = [f for f, _, _, _ in results]
    distinct = set().union(*fetched)
    total_bytes = sum(b for _, b, _, _ in results)
    full = sum(1 for f, _, late, errors in results if errors == 0 and late == 0 and len(f) >= 2)
    per_reader = sorted(b * 8 / SECONDS / 1e6 for _, b, _, _ in results)
    print(f"{readers_n} HLS readers ({processes} processes) for {SECONDS} s through nginx: "
          f"{full} at full rate (every segment before the next was listed, no error); "
          f"{sum(len(f) for f in fetched)} segment fetches, {len(distinct)} distinct, "
          f"{sum(late for _, _, late, _ in results)} late, "
          f"{sum(e for _, _, _, e in results)} errors; "
          f"{total_bytes * 8 / SECONDS / 1e6:.0f} Mbit/s delivered, per reader median "
          f"{per_reader[len(per_reader) // 2]:.2f} Mbit/s, min {per_reader[0]:.2f}; "
          f"courtcast served {after - before} segments and {playlists_after - playlists_before} "
          f"playlists; load average {load0[0]:.2f} before, {load1[0]:.2f} after"
          + (f"; readers' last errors: {ended}" if ended else ""))


def print_bench(r, readers_n, segments, playlists, load0, load1):
    published = r["segments_published"]
    print(f"{readers_n} HLS readers (courtcast-bench, {r['threads']} threads) for "
          f"{r['seconds']:.1f} s through nginx: {r['kept_up']} at full rate (no error, never two "
          f"new segments in one reload, every segment published in the window fetched); "
          f"{published} segments published in the window, {r['segment_fetches']} fetches, "
          f"{r['late']} late, {r['errors_total']} errors; "
          f"{r['bitrate_kbps']['total'] / 1000:.0f} Mbit/s delivered, stream "
          f"{r['stream_kbps'] / 1000:.2f} Mbit/s, per reader median "
          f"{r['bitrate_kbps']['median'] / 1000:.2f} Mbit/s "
          f"({r['of_stream']['median']:.2f} of the stream), min "
          f"{r['bitrate_kbps']['min'] / 1000:.2f} ({r['of_stream']['min']:.2f}); "
          f"courtcast served {segments} segments for {r['distinct_fetched']} distinct fetched and "
          f"{playlists} playlists over the whole run ({r['seconds'] + 3:.0f} s or so); "
          f"CPU: nginx {r['nginx_cpu_pct']:.0f} %, courtcast {r['courtcast_cpu_pct']:.1f} %, "
          f"readers {r['bench_cpu_pct']:.0f} % of a core; load average {load0[0]:.2f} before, "
          f"{load1[0]:.2f} after" + (f"; readers' last errors: {r['errors']}" if r["errors"] else ""))
    print(f"  courtcast-bench {r['command']}")


if __name__ == "__main__":
    {"feed": feed, "hls": hls}[sys.argv[1] if len(sys.argv) > 1 else "feed"]()
