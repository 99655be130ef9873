#!/usr/bin/env python3
"""How much logins slow the rest of the API: the latency of GET /api/v1/me
(bootstrap token) on an idle server, then while N clients log in back to
back (argon2id, crypto_pwhash INTERACTIVE: ~64 MiB and tens of ms each).

    COURTCAST_BIN=build/courtcast python3 bench/login_stall.py

Environment: COURTCAST_BIN (build/courtcast), LOGINS (8 parallel loginers),
REQUESTS (200 GETs per phase). The server is the integration harness's:
loopback, default event loops (one per core).
"""

import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))

from harness import ApiClient, Server  # noqa: E402

LOGINS = int(os.environ.get("LOGINS", "8"))
REQUESTS = int(os.environ.get("REQUESTS", "200"))
PASSWORD = "bench-password-long"


def latencies(client, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        status, _, _ = client.call("GET", "/me")
        out.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    return out


def summary(ms):
    ms = sorted(ms)
    return (f"p50 {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, "
            f"max {ms[-1]:.1f} ms")


def main():
    with Server() as server:
        admin = ApiClient(server, server.token())
        for i in range(LOGINS):
            admin.ok("POST", "/users", {"username": f"bench{i}", "role": "readonly",
                                        "password": PASSWORD})
        latencies(admin, 20)  # warm up
        idle = latencies(admin, REQUESTS)

        stop = threading.Event()
        logins = [0] * LOGINS

        def log_in(i):
            while not stop.is_set():
                status, _ = ApiClient(server).login(f"bench{i}", PASSWORD)
                assert status == 200, status
                logins[i] += 1

        threads = [threading.Thread(target=log_in, args=(i,)) for i in range(LOGINS)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # every loginer is in flight
        started = time.perf_counter()
        busy = latencies(admin, REQUESTS)
        elapsed = time.perf_counter() - started
        stop.set()
        for t in threads:
            t.join()
        print(f"GET /api/v1/me, idle:                {summary(idle)}")
        print(f"GET /api/v1/me, {LOGINS} parallel logins: {summary(busy)}")
        print(f"logins: {sum(logins)} in {elapsed + 0.5:.1f} s")


if __name__ == "__main__":
    main()
