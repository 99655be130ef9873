#!/usr/bin/env python3
"""The nginx edge of docs/deploy.md in front of one courtcast, on loopback.

  bench/edge.sh feed   # the watch page's question feed: wrk at courtcast, then at nginx
  bench/edge.sh hls    # READERS simulated HLS viewers through nginx (needs HLS on main)

Prints what the readers got and what courtcast served (its /metrics). The
machine is shared by courtcast, nginx and the load, so figures are lower
bounds. Environment: BUILD_DIR (build), SECONDS_PER_RUN (10), CONNECTIONS
(200, feed), READERS (2000, hls)."""

import asyncio
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("COURTCAST_BIN", os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"),
                                                    "courtcast"))
os.environ.setdefault("COURTCAST_TEST_MEDIA", os.path.join(ROOT, "build", "test-media"))

from edge_support import NginxEdge, live_session  # noqa: E402
from harness import Server, publish, stop, test_media, wait_for, wait_live  # noqa: E402
from metrics_support import fetch, parse, total  # noqa: E402

SECONDS = int(os.environ.get("SECONDS_PER_RUN", "10"))


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
    with Server() as server:
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
    """One HLS viewer: reloads the playlist every half target duration and
    fetches each new segment once, on one keep-alive connection."""

    def __init__(self, port, path):
        self.port, self.path = port, path
        self.base = path.rsplit("/", 1)[0]
        self.fetched = set()
        self.bytes = 0
        self.late = 0  # segments fetched after the next one was already listed
        self.errors = 0

    async def get(self, reader, writer, path):
        writer.write(f"GET {path} HTTP/1.1\r\nHost: edge\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        body = await reader.readexactly(length)
        return status, body

    async def run(self, until):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            while time.monotonic() < until:
                status, body = await self.get(reader, writer, self.path)
                if status != 200:
                    self.errors += 1
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
                await asyncio.sleep(0.5)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.errors += 1
        finally:
            writer.close()


def hls():
    readers_n = int(os.environ.get("READERS", "2000"))
    media = test_media()
    with Server(streams=(("cam-a", "bench-key-1", True),)) as server:
        publisher = publish(server.rtmp_url("cam-a", "key=bench-key-1"), media)
        edge = None
        try:
            wait_live(server, "cam-a")
            wait_for(lambda: fetch(server.http_port, path="/live/cam-a/index.m3u8")[0] == 200, 20,
                     "the HLS playlist")
            edge = NginxEdge(server.http_port)
            seg_route = "/live/{name}/{epoch}/seg{n}"
            before = route_count(server, seg_route, "200")
            readers = [Reader(edge.port, "/live/cam-a/index.m3u8") for _ in range(readers_n)]
            until = time.monotonic() + SECONDS

            async def all_readers():
                await asyncio.gather(*(r.run(until) for r in readers))
            cpu0 = os.times()
            asyncio.run(all_readers())
            after = route_count(server, seg_route, "200")
        finally:
            if edge:
                edge.stop()
            stop(publisher)
    distinct = set().union(*(r.fetched for r in readers))
    total_bytes = sum(r.bytes for r in readers)
    full = sum(1 for r in readers if r.errors == 0 and r.late == 0 and len(r.fetched) >= 2)
    print(f"{readers_n} HLS readers for {SECONDS} s through nginx: {full} at full rate "
          f"(every segment before the next was listed, no error); "
          f"{sum(len(r.fetched) for r in readers)} segment fetches, {len(distinct)} distinct, "
          f"{total_bytes * 8 / SECONDS / 1e6:.0f} Mbit/s delivered; courtcast served "
          f"{after - before} segments")


if __name__ == "__main__":
    {"feed": feed, "hls": hls}[sys.argv[1] if len(sys.argv) > 1 else "feed"]()
