"""Simulcast: air goes to several platforms at once, each on its own.

Three nginx-rtmp instances stand in for platforms, one behind TLS; one is
reached through a proxy that cuts and stalls; one refuses the publish."""

import json
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import (NginxRtmp, Server, TcpProxy, WebSocketReader, publish, stop, test_media,
                     wait_for, wait_live)

KEYS = {"plain": "key-plain-8d1f", "proxied": "key-proxied-77aa", "tls": "key-tls-c0de",
        "refusing": "wrong-key-5e5e"}


def probe(url):
    out = subprocess.run(["ffprobe", "-hide_banner", "-v", "error", "-show_entries",
                          "stream=codec_name,width,height", "-of", "json", url],
                         capture_output=True, text=True, timeout=30)
    return sorted(s["codec_name"] for s in json.loads(out.stdout or "{}").get("streams", []))


class Simulcast(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = test_media()
        cls.nginx = NginxRtmp(plain=2, tls=1)
        cls.proxy = TcpProxy(cls.nginx.plain_ports[1])
        plain, tls = cls.nginx.plain_ports[0], cls.nginx.tls_ports[0]
        destinations = [
            ("plain", "douyin", f"rtmp://127.0.0.1:{plain}/live/{KEYS['plain']}"),
            ("proxied", "kuaishou", f"rtmp://127.0.0.1:{cls.proxy.port}/live/{KEYS['proxied']}"),
            ("tls", "custom", f"rtmps://localhost:{tls}/live/{KEYS['tls']}"),
        ]
        extra = f'[relay]\nca_file = "{cls.nginx.cert}"\n'
        for name, preset, url in destinations:
            extra += (f'[[destination]]\nstream = "cam-a"\nname = "{name}"\npreset = "{preset}"\n'
                      f'url = "{url}"\n')
        cls.server = Server(streams=(("cam-a", "test-key-a1", True), ("cam-b", "right-key-b2", False)),
                            extra=extra).__enter__()
        # A fourth destination, added through the API, that the platform (here
        # courtcast itself, with a wrong key) refuses.
        status, body = cls.server.control("POST", "/destinations", {
            "name": "refusing", "preset": "weibo", "stream": "cam-a",
            "url": f"rtmp://127.0.0.1:{cls.server.rtmp_port}/live/cam-b?key={KEYS['refusing']}"})
        assert status == 201, body
        cls.refusing_id = body["id"]
        cls.publisher = publish(cls.server.rtmp_url("cam-a", "key=test-key-a1"), cls.media)
        wait_live(cls.server, "cam-a")
        cls.urls = {"plain": f"rtmp://127.0.0.1:{plain}/live/{KEYS['plain']}",
                    "proxied": f"rtmp://127.0.0.1:{cls.nginx.plain_ports[1]}/live/{KEYS['proxied']}",
                    # The TLS platform: played from the RTMP port behind its TLS port.
                    "tls": f"rtmp://127.0.0.1:{cls.nginx.behind_tls_ports[0]}/live/{KEYS['tls']}"}

    @classmethod
    def tearDownClass(cls):
        stop(cls.publisher)
        cls.server.stop()
        cls.proxy.close()
        cls.nginx.stop()

    def destinations(self):
        status, body = self.server.control("GET", "/destinations")
        self.assertEqual(status, 200)
        return {d["name"]: d for d in body["destinations"]}

    def wait_state(self, name, state, timeout=15):
        return wait_for(lambda: self.destinations()[name]["health"]["state"] == state, timeout,
                        f"{name} to be {state}")

    def test_1_every_platform_gets_the_program_with_the_right_codecs(self):
        for name in ("plain", "proxied", "tls"):
            self.wait_state(name, "live")
        for name in ("plain", "proxied", "tls"):
            self.assertEqual(probe(self.urls[name]), ["aac", "h264"], name)

    def test_2_refusing_platform_says_why_and_retries_with_backoff(self):
        # A fresh destination, so that its backoff starts at 1 s here.
        status, body = self.server.control("POST", "/destinations", {
            "name": "refusing-2", "stream": "cam-a",
            "url": f"rtmp://127.0.0.1:{self.server.rtmp_port}/live/cam-b?key={KEYS['refusing']}"})
        self.assertEqual(status, 201, body)
        started = time.monotonic()
        d = wait_for(lambda: (self.destinations()["refusing-2"]["health"]["last_error"] or "")
                     and self.destinations()["refusing-2"], 10, "the refusal to be recorded")
        self.assertIn("wrong key", d["health"]["last_error"])
        self.assertIn(d["health"]["state"], ("retrying", "connecting"))

        def retrying():
            asked_ms = time.time() * 1000
            h = self.destinations()["refusing-2"]["health"]
            return h["state"] == "retrying" and h["next_retry_ms"] and (asked_ms, h)
        asked_ms, h = wait_for(retrying, 5, "a retrying state with its next attempt")
        # The console counts down to next_retry_ms: in the future when asked,
        # one jittered backoff (1 s doubling, ±20 %, at most 4 s by now) after the error.
        self.assertGreater(h["next_retry_ms"], asked_ms - 50)
        self.assertIsNotNone(h["last_error_at_ms"])
        self.assertLessEqual(h["last_error_at_ms"], asked_ms + 50)
        self.assertGreater(h["last_error_at_ms"], asked_ms - 10_000)
        self.assertGreaterEqual(h["next_retry_ms"] - h["last_error_at_ms"], 700)
        self.assertLessEqual(h["next_retry_ms"] - h["last_error_at_ms"], 5000)
        time.sleep(max(0.0, 6.5 - (time.monotonic() - started)))  # a fixed span to count retries in
        reconnects = self.destinations()["refusing-2"]["health"]["reconnects"]
        # Attempts at 0, ~1 s and ~3 s fail (1 s doubling, ±20 %); the next is
        # not before ~5.6 s. Never a tight loop.
        self.assertGreaterEqual(reconnects, 3)
        self.assertLessEqual(reconnects, 4)
        self.assertEqual(self.server.control("DELETE", f"/destinations/{body['id']}")[0], 204)

    def test_3_cut_destination_returns_and_others_never_pause(self):
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        self.assertEqual(events.status, 101)
        self.wait_state("proxied", "live")
        samples = []
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.is_set():
                d = self.destinations()
                samples.append((d["plain"]["health"]["bytes_sent"], d["tls"]["health"]["bytes_sent"]))
                stop_sampling.wait(1.0)

        sampler = threading.Thread(target=sample)
        sampler.start()
        reconnects = self.destinations()["proxied"]["health"]["reconnects"]
        self.proxy.cut()
        wait_for(lambda: self.destinations()["proxied"]["health"]["reconnects"] > reconnects, 10,
                 "the cut to be noticed")
        self.wait_state("proxied", "live", timeout=5)  # first backoff is 1 s ± 20 %
        seen = []
        while not any(e["destination"]["name"] == "proxied" and e["destination"]["health"]["state"] == "live"
                      for e in seen):
            seen.append(json.loads(events.next_text()))
        events.close()
        stop_sampling.set()
        sampler.join()
        self.assertTrue(any(e["destination"]["health"]["state"] == "retrying" for e in seen),
                        "the WebSocket pushed the retrying state")
        for a, b in zip(samples, samples[1:]):
            self.assertGreater(b[0], a[0], "plain destination paused during the cut")
            self.assertGreater(b[1], a[1], "TLS destination paused during the cut")

    def test_4_stalled_destination_is_bounded_and_counted(self):
        self.wait_state("proxied", "live")
        rss_before = self.server.rss_kib()
        plain_before = self.destinations()["plain"]["health"]["bytes_sent"]
        self.proxy.stall(True)
        peak = rss_before
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            peak = max(peak, self.server.rss_kib())
            time.sleep(0.2)
        self.proxy.stall(False)
        d = wait_for(lambda: self.destinations()["proxied"]["health"]["dropped_packets"] > 0 and
                     self.destinations(), 15, "the stalled destination's drops to be counted")
        self.assertGreater(d["plain"]["health"]["bytes_sent"] - plain_before, 8 * 250_000,
                           "the plain destination kept full rate (2.6 Mbit/s) during the stall")
        self.assertLess(peak - rss_before, 24 * 1024, "memory stayed bounded during the stall")

    def test_5_source_drop_and_return_keeps_platform_timestamps_monotonic(self):
        self.wait_state("plain", "live")
        reader = subprocess.Popen(
            ["ffprobe", "-hide_banner", "-v", "error", "-read_intervals", "%+14", "-show_entries",
             "packet=stream_index,dts", "-of", "csv", self.urls["plain"]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # let the reader get going before the camera drops
        cls = type(self)
        cls.publisher.kill()
        cls.publisher.wait()
        wait_for(lambda: not self.server.stream_info("cam-a")["live"], 15, "the camera to be gone")
        cls.publisher = publish(self.server.rtmp_url("cam-a", "key=test-key-a1"), self.media)
        out, err = reader.communicate(timeout=60)
        last, count = {}, 0
        for line in out.splitlines():
            if not line.startswith("packet,"):
                continue
            _, index, dts = line.split(",")[:3]
            if dts == "N/A":
                continue
            count += 1
            self.assertGreaterEqual(int(dts), last.get(index, int(dts)), f"dts went back on stream {index}")
            last[index] = int(dts)
        self.assertGreater(count, 300)

    def test_6_no_stream_key_in_logs_or_api_answers(self):
        answers = json.dumps(self.destinations())
        with urllib.request.urlopen(f"http://127.0.0.1:{self.server.http_port}/api/v1/streams") as r:
            answers += r.read().decode()
        status, one = self.server.control("GET", f"/destinations/{self.refusing_id}")
        answers += json.dumps(one)
        log = self.server.log()
        for key in KEYS.values():
            self.assertNotIn(key, answers, "a stream key leaked into an API answer")
            self.assertNotIn(key, log, "a stream key leaked into the log")
        self.assertIn("/live/****", answers)

    def test_7_api_refuses_without_token_and_rejects_bad_input(self):
        req = urllib.request.Request(f"http://127.0.0.1:{self.server.http_port}/api/v1/destinations")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(ctx.exception.code, 401)
        cases = [
            ({"name": "x", "stream": "cam-a", "url": "http://nope/live/k"}, "url"),
            ({"name": "x", "stream": "cam-a", "url": "rtmp://h/live/k", "colour": "red"}, "colour"),
            ({"stream": "cam-a", "url": "rtmp://h/live/k"}, "name"),
            ({"name": "plain", "stream": "cam-a", "url": "rtmp://h/live/k"}, "exists already"),
            ({"name": "x", "stream": "cam-a", "url": "rtmp://h/live/k", "preset": "myspace"}, "preset"),
        ]
        for body, field in cases:
            status, answer = self.server.control("POST", "/destinations", body)
            self.assertEqual(status, 400, body)
            self.assertIn(field, answer["error"]["message"], body)


if __name__ == "__main__":
    unittest.main()
