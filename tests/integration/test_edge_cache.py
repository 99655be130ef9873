"""An nginx cache in front of courtcast, configured as docs/deploy.md shows:
many viewers polling the watch page's public question feed through it make
courtcast serve each version of the feed once (issue 14), and 100 HLS
readers through it make courtcast serve each segment once (issue 16), both
counted by courtcast's own /metrics."""

import http.client
import threading
import time
import unittest

from edge_support import NginxEdge, live_session
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live
from metrics_support import fetch, parse, value

READERS = 200
POLL_S = 0.5  # the watch page polls every 2-3 s: these readers are keener
CHANGES = 4
FEED_ROUTE = "/api/v1/public/sessions/{id}/questions"
HLS_READERS = 100
SEGMENT_ROUTE = "/live/{name}/{epoch}/seg{n}"


def origin_counts(server):
    """(200s, 304s) courtcast answered on the public feed's route."""
    status, body, _ = fetch(server.http_port)
    assert status == 200, body
    s = parse(body)
    return tuple(int(value(s, "courtcast_http_requests_total", method="GET", route=FEED_ROUTE,
                           status=code) or 0) for code in ("200", "304"))


class Reader(threading.Thread):
    """A viewer polling the feed through the edge; keeps what it last saw."""

    def __init__(self, port, path, stop_event):
        super().__init__(daemon=True)
        self.port, self.path, self.stop_event = port, path, stop_event
        self.requests = 0
        self.errors = 0
        self.seen = 0  # questions in the newest answer

    def run(self):
        import json
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stop_event.is_set():
            try:
                conn.request("GET", self.path)
                r = conn.getresponse()
                body = r.read()
                self.requests += 1
                if r.status == 200:
                    self.seen = len(json.loads(body)["questions"])
                else:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.stop_event.wait(POLL_S)
        conn.close()


def segments_served(server):
    """Segments courtcast answered 200 (HLS, fMP4 and TS)."""
    status, body, _ = fetch(server.http_port)
    assert status == 200, body
    return int(value(parse(body), "courtcast_http_requests_total", method="GET",
                     route=SEGMENT_ROUTE, status="200") or 0)


class HlsReader(threading.Thread):
    """A player without a player: reloads the playlist through the edge and
    fetches every segment it has not fetched yet (from the newest one at
    its start), on one keep-alive connection."""

    def __init__(self, port, path, stop_event):
        super().__init__(daemon=True)
        self.port, self.path, self.stop_event = port, path, stop_event
        self.base = path.rsplit("/", 1)[0]
        self.fetched = set()
        self.errors = 0

    def get(self, conn, path):
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            while not self.stop_event.is_set():
                status, body = self.get(conn, self.path)
                if status != 200:
                    self.errors += 1
                else:
                    listed = [l for l in body.decode().splitlines() if l and not l.startswith("#")]
                    for uri in (listed if self.fetched else listed[-1:]):
                        if uri in self.fetched:
                            continue
                        status, data = self.get(conn, uri if uri.startswith("/")
                                                else f"{self.base}/{uri}")
                        if status == 200 and data:
                            self.fetched.add(uri)
                        else:
                            self.errors += 1
                self.stop_event.wait(0.5)
        except (OSError, http.client.HTTPException):
            self.errors += 1
        finally:
            conn.close()


class EdgeCache(unittest.TestCase):
    def test_feed_readers_through_nginx_make_courtcast_serve_each_version_once(self):
        extra = ("[watch]\nquestions_per_minute_per_browser = 1000\n"
                 "questions_per_minute_per_address = 1000\n")
        with Server(extra=extra) as server:
            admin = ApiClient(server, server.token())
            session = live_session(server)
            edge = NginxEdge(server.http_port)
            stop_event = threading.Event()
            readers = []
            try:
                path = f"/api/v1/public/sessions/{session}/questions"
                before = origin_counts(server)
                started = time.monotonic()
                readers = [Reader(edge.port, path, stop_event) for _ in range(READERS)]
                for r in readers:
                    r.start()
                public = ApiClient(server)
                for i in range(1, CHANGES + 1):
                    time.sleep(1)  # a few polls of the same version in between
                    status, body, _ = public.call("POST", f"/public/sessions/{session}/questions",
                                                  {"text": f"第{i}个问题：限高怎么解除{'？' * i}"})
                    self.assertEqual(status, 202, body)
                    admin.ok("POST", f"/questions/{body['id']}/approve")
                    # Every viewer sees the change within max-age plus a refresh.
                    wait_for(lambda: all(r.seen == i for r in readers), 6,
                             f"every reader to see question {i}")
                stop_event.set()
                for r in readers:
                    r.join(15)
                elapsed = time.monotonic() - started
                after = origin_counts(server)
            finally:
                stop_event.set()
                edge.stop()
            served, revalidated = after[0] - before[0], after[1] - before[1]
            reads = sum(r.requests for r in readers)
            print(f"\nedge: {READERS} readers made {reads} reads in {elapsed:.1f} s; "
                  f"courtcast served {served} (200) and revalidated {revalidated} (304) "
                  f"for {CHANGES} changes")
            self.assertEqual(sum(r.errors for r in readers), 0)
            # Each version of the feed (the empty one, then one per change)
            # left courtcast once; nginx asked "still the same?" at most once
            # per max-age (2 s) besides.
            self.assertEqual(served, CHANGES + 1)
            self.assertLessEqual(revalidated, elapsed / 2 + 2)
            self.assertGreater(reads, 20 * (served + revalidated))

    def test_hls_readers_through_nginx_make_courtcast_serve_each_segment_once(self):
        with Server(streams=(("cam-a", "test-key-a1", True),)) as server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
            edge = None
            stop_event = threading.Event()
            readers = []
            try:
                wait_live(server, "cam-a")
                wait_for(lambda: fetch(server.http_port, path="/live/cam-a/index.m3u8")[0] == 200,
                         15, "the HLS playlist")
                edge = NginxEdge(server.http_port)
                before = segments_served(server)
                readers = [HlsReader(edge.port, "/live/cam-a/index.m3u8", stop_event)
                           for _ in range(HLS_READERS)]
                for r in readers:
                    r.start()
                wait_for(lambda: all(len(r.fetched) >= 3 for r in readers), 30,
                         "every reader to fetch three segments")
                stop_event.set()
                for r in readers:
                    r.join(25)
                after = segments_served(server)
            finally:
                stop_event.set()
                if edge:
                    edge.stop()
                stop(publisher)
            distinct = set().union(*(r.fetched for r in readers))
            fetched = sum(len(r.fetched) for r in readers)
            served = after - before
            print(f"\nedge: {HLS_READERS} HLS readers fetched {fetched} segments "
                  f"({len(distinct)} distinct); courtcast served {served}")
            self.assertEqual(sum(r.errors for r in readers), 0)
            self.assertGreaterEqual(len(distinct), 3)
            self.assertEqual(served, len(distinct))


if __name__ == "__main__":
    unittest.main()
