#!/usr/bin/env python3
"""What open consoles cost the server beyond the streams themselves (issue 13:
five control rooms under 2 % of a core).

One live session with two FFmpeg cameras (720p and 540p, ~2.6 Mbit/s each),
its program and air (2 s delay) and their evidence recording. Then, in
alternating windows, either nothing watches, or N consoles do what the
control room page does against the server, without a browser (so that the
browser's own CPU is not counted against courtcast's, nor steals the cores it
is measured on):

  - log in (cookie and CSRF token) and follow /api/v1/events over WebSocket,
  - play the 4 previews over HTTP-FLV with the login cookie (both cameras,
    program, air), reading everything as it comes,
  - every 5 s read /recordings and /destinations (the page's only timer),
  - read /programs/AIR after each program event but the once-a-second
    buffer fill (the page's load_program).

courtcast's CPU is read from /proc/PID/stat (user + system) over each
window; the answer is the median of the consoles' windows minus the median
of the idle ones, as a percentage of one core.

    COURTCAST_BIN=build/courtcast python3 bench/console_cost.py

Environment: COURTCAST_BIN (build/courtcast), CONSOLES (5), WINDOW_S (20),
ROUNDS (5).
"""

import json
import os
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))

from court_api_support import approved_session, session_body  # noqa: E402
from harness import (ApiClient, Server, WebSocketReader, process_cpu_seconds, publish,  # noqa: E402
                     stop, test_media, wait_for, wait_live)

CONSOLES = int(os.environ.get("CONSOLES", "5"))
WINDOW_S = float(os.environ.get("WINDOW_S", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
PASSWORD = "bench-password-long"


class Console:
    """One control room's traffic against the server."""

    def __init__(self, server, username, air):
        self.server = server
        self.air = air
        self.client = ApiClient(server)
        status, body = self.client.login(username, PASSWORD)
        assert status == 200, (status, body)
        self.stop = threading.Event()
        self.bytes = 0
        self.events = 0
        self.calls = 0
        self.threads = []
        self.sockets = []

    def start(self):
        for stream in (f"{self.air}.cam-a", f"{self.air}.cam-b", f"{self.air}.program", self.air):
            self.threads.append(threading.Thread(target=self.play, args=(stream,), daemon=True))
        self.threads.append(threading.Thread(target=self.follow_events, daemon=True))
        self.threads.append(threading.Thread(target=self.poll, daemon=True))
        for t in self.threads:
            t.start()

    def play(self, stream):
        s = socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10)
        self.sockets.append(s)
        s.sendall((f"GET /live/{stream}.flv HTTP/1.1\r\nHost: 127.0.0.1:{self.server.http_port}\r\n"
                   f"Cookie: {self.client.cookie}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        buf = bytearray(256 * 1024)
        while not self.stop.is_set():
            try:
                n = s.recv_into(buf)
            except OSError:
                break
            if not n:
                break
            self.bytes += n

    def follow_events(self):
        host = f"127.0.0.1:{self.server.http_port}"
        ws = WebSocketReader(self.server.http_port, "/api/v1/events",
                             {"Host": host, "Origin": f"http://{host}",
                              "Cookie": self.client.cookie})
        assert ws.status == 101, ws.head
        self.sockets.append(ws.sock)
        while not self.stop.is_set():
            try:
                event = json.loads(ws.next_text(timeout=1))
            except socket.timeout:
                continue
            except (OSError, EOFError):
                break
            self.events += 1
            kind = event.get("type", "")
            if kind.startswith("program.") and kind != "program.buffer":
                self.call(f"/programs/{self.air}")

    def poll(self):
        while not self.stop.wait(5):
            self.call("/recordings")
            self.call("/destinations")

    def call(self, path):
        status, _, _ = self.client.call("GET", path)
        assert status == 200, (path, status)
        self.calls += 1

    def close(self):
        self.stop.set()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self.threads:
            t.join(5)


def main():
    media = {"cam-a": test_media("720p", "1280x720"),
             "cam-b": test_media("540p", "960x540", tone=660)}
    cameras = []
    with Server() as server:
        admin = ApiClient(server, server.token())
        for i in range(CONSOLES):
            admin.ok("POST", "/users", {"username": f"director{i}", "role": "director",
                                        "password": PASSWORD})
        # The director plans and submits; another person (the admin) approves.
        director = ApiClient(server)
        assert director.login("director0", PASSWORD)[0] == 200
        body = session_body()
        body["inputs"] = ["cam-a", "cam-b"]
        body["delay_ms"] = 2000
        session, _ = approved_session(director, admin, body)
        urls = {i["name"]: i["publish_url"]
                for i in director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}
        air = f"session-{session}"
        for name, url in urls.items():
            url = url.replace(url.split("/live/")[0], f"rtmp://127.0.0.1:{server.rtmp_port}")
            cameras.append(publish(url, media[name]))
        for name in urls:
            wait_live(server, f"{air}.{name}")
        director.ok("POST", f"/sessions/{session}/start")
        wait_for(lambda: server.stream_info(air), 15, "the session's air")
        admin.ok("POST", f"/programs/{air}/take", {"input": "cam-a"}, expect=(202,))
        wait_for(lambda: admin.ok("GET", f"/programs/{air}")["on_program"] == "cam-a", 10,
                 "cam-a on program")
        time.sleep(5)  # air past its delay and the recorders writing before the first window

        pid = server.proc.pid
        idle, busy, traffic = [], [], []
        for _ in range(ROUNDS):
            t0, c0 = time.monotonic(), process_cpu_seconds(pid)
            time.sleep(WINDOW_S)  # the measurement window itself
            idle.append((process_cpu_seconds(pid) - c0) / (time.monotonic() - t0))

            consoles = [Console(server, f"director{i}", air) for i in range(CONSOLES)]
            for c in consoles:
                c.start()
            time.sleep(3)  # previews connected and past their first GOP
            b0 = sum(c.bytes for c in consoles)
            t0, c0 = time.monotonic(), process_cpu_seconds(pid)
            time.sleep(WINDOW_S)  # the measurement window itself
            elapsed = time.monotonic() - t0
            busy.append((process_cpu_seconds(pid) - c0) / elapsed)
            traffic.append((sum(c.bytes for c in consoles) - b0) * 8 / elapsed / 1e6)
            calls = sum(c.calls for c in consoles)
            events = sum(c.events for c in consoles)
            for c in consoles:
                c.close()
            time.sleep(2)  # the server has let go of the previews

        for p in cameras:
            stop(p)
    base, with_consoles = statistics.median(idle), statistics.median(busy)
    print(f"courtcast {CONSOLES} consoles x (4 HTTP-FLV previews + events + 5 s polls), "
          f"{ROUNDS} rounds of {WINDOW_S:.0f} s windows")
    print(f"  streams only      : median {base * 100:.2f} % of a core "
          f"(runs: {', '.join(f'{x * 100:.2f}' for x in idle)})")
    print(f"  with the consoles : median {with_consoles * 100:.2f} % of a core "
          f"(runs: {', '.join(f'{x * 100:.2f}' for x in busy)})")
    print(f"  consoles' cost    : {(with_consoles - base) * 100:.2f} % of a core "
          f"({(with_consoles - base) * 100 / CONSOLES:.2f} % per console); "
          f"ratio {with_consoles / base:.2f}x")
    print(f"  preview traffic   : median {statistics.median(traffic):.1f} Mbit/s to the consoles; "
          f"last round {calls} API reads, {events} events")


if __name__ == "__main__":
    main()
