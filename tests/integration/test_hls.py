"""HLS out (issue 16): a public stream as fMP4 LL-HLS and MPEG-TS, decoded
by FFmpeg without an error; playlists that validate; a blocking reload that
returns when its part is out; cache headers; nothing private served.

FFmpeg decodes a minute of the fMP4 variant (and 10 s of MPEG-TS): the
decoders start with the class, so the other tests run while they play."""

import math
import re
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import Server, publish, stop, test_media, wait_for, wait_live

DECODE_SECONDS = 60
TS_DECODE_SECONDS = 10


def get(url, timeout=10):
    """(status, headers, body) without raising on HTTP errors or following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def parse_playlist(text):
    """The tags a validator looks at, in order."""
    out = {"segments": [], "parts": [], "hint": None, "target": None, "part_target": None,
           "msn": None}
    for line in text.splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            out["target"] = int(line.split(":")[1])
        elif line.startswith("#EXT-X-PART-INF:PART-TARGET="):
            out["part_target"] = float(line.split("=")[1])
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            out["msn"] = int(line.split(":")[1])
        elif line.startswith("#EXTINF:"):
            out["segments"].append(float(line[8:].split(",")[0]))
        elif line.startswith("#EXT-X-PART:"):
            m = re.search(r"DURATION=([\d.]+),URI=\"([^\"]+)\"", line)
            out["parts"].append((float(m.group(1)), m.group(2)))
        elif line.startswith("#EXT-X-PRELOAD-HINT:"):
            out["hint"] = re.search(r"URI=\"[^\"]*part(\d+)\.(\d+)\.m4s\"", line).groups()
    return out


class Hls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-b"]\ndelay_seconds = 0\n'
                 'air_mode = "passthrough"\n')
        cls.server = Server(streams=(("cam-a", "key-a-123456", True),
                                     ("cam-b", "key-b-123456", False)), extra=extra).__enter__()
        cls.pubs, cls.decoders = [], []
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()  # unittest does not when setUpClass fails
            raise

    @classmethod
    def start(cls):
        # 640x360: decoding a minute of it costs FFmpeg little on a loaded
        # machine (720p fell behind the window there); packaging does not
        # care about the picture's size.
        media = test_media("360p", "640x360")
        cls.pubs += [publish(cls.server.rtmp_url("cam-a", "key=key-a-123456"), media),
                     publish(cls.server.rtmp_url("cam-b", "key=key-b-123456"), media)]
        wait_live(cls.server, "cam-a")
        wait_live(cls.server, "cam-b")
        cls.base = f"http://127.0.0.1:{cls.server.http_port}/live"
        # The packager starts at the first request; FFmpeg wants segments.
        wait_for(lambda: len(parse_playlist(get(f"{cls.base}/cam-a/index.m3u8")[2].decode())
                             ["segments"]) >= 2, 30, "two HLS segments")
        # The minute of decoding runs behind the other tests, which do not
        # disturb the stream; test_ffmpeg_decodes… waits for it.
        cls.runs = {}

        def decode(variant, seconds):
            cls.runs[variant] = subprocess.run(
                ["ffmpeg", "-hide_banner", "-v", "error", "-i", f"{cls.base}/cam-a/{variant}.m3u8",
                 "-t", str(seconds), "-progress", "pipe:1", "-f", "null", "-"],
                capture_output=True, text=True, timeout=seconds + 60)

        cls.decoders += [threading.Thread(target=decode, args=("index", DECODE_SECONDS)),
                         threading.Thread(target=decode, args=("ts", TS_DECODE_SECONDS))]
        for t in cls.decoders:
            t.start()

    @classmethod
    def tearDownClass(cls):
        for t in cls.decoders:
            t.join()
        for p in cls.pubs:
            stop(p)
        cls.server.stop()

    def playlist(self, name="cam-a", query=""):
        status, headers, body = get(f"{self.base}/{name}/index.m3u8" + (f"?{query}" if query else ""))
        self.assertEqual(status, 200, body)
        return headers, body.decode()

    def test_ffmpeg_decodes_both_variants_and_the_playlist_validates_throughout(self):
        # Meanwhile the playlist, as a validator reads it, every half second
        # (for 10 s at least).
        sequences = []
        at_least = time.monotonic() + 10
        while any(t.is_alive() for t in self.decoders) or time.monotonic() < at_least:
            _, text = self.playlist()
            p = parse_playlist(text)
            self.assertTrue(p["segments"], text)
            for d in p["segments"]:
                self.assertLessEqual(round(d), p["target"], text)
            for d, uri in p["parts"]:
                self.assertLessEqual(d, p["part_target"] + 0.001, f"{uri} in\n{text}")
            self.assertLessEqual(p["part_target"], 0.5)
            sequences.append(p["msn"])
            time.sleep(0.5)
        self.assertEqual(sequences, sorted(sequences), "EXT-X-MEDIA-SEQUENCE went back")
        self.assertGreater(sequences[-1], sequences[0], "EXT-X-MEDIA-SEQUENCE never moved")
        for variant, seconds in (("index", DECODE_SECONDS), ("ts", TS_DECODE_SECONDS)):
            run = self.runs[variant]
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stderr, "", f"{variant}: decode errors")
            frames = [int(m) for m in re.findall(r"^frame=(\d+)", run.stdout, re.M)]
            self.assertGreaterEqual(frames[-1], seconds * 25 - 5, f"{variant}: frames decoded")

    def test_a_blocking_reload_returns_when_its_part_is_out(self):
        self.playlist()  # the channel runs
        for _ in range(3):
            _, text = self.playlist()
            msn, part = parse_playlist(text)["hint"]
            uri = f"part{msn}.{part}.m4s"
            self.assertNotIn(uri + '"', text.split("#EXT-X-PRELOAD-HINT")[0])
            polls = []  # (sent, answered, has the part) of the plain playlist, as a validator

            def watch():
                while not polls or not polls[-1][2]:
                    sent = time.monotonic()
                    _, now = self.playlist()
                    polls.append((sent, time.monotonic(),
                                  uri + '"' in now.split("#EXT-X-PRELOAD-HINT")[0]))
                    time.sleep(0.01)

            watcher = threading.Thread(target=watch)
            sent = time.monotonic()
            watcher.start()
            headers, blocked = self.playlist(query=f"_HLS_msn={msn}&_HLS_part={part}")
            returned = time.monotonic()
            watcher.join(5)
            self.assertIn(uri + '"', blocked.split("#EXT-X-PRELOAD-HINT")[0])
            self.assertTrue(polls and polls[-1][2], "the part never showed in the playlist")
            last_miss = max((p[0] for p in polls if not p[2]), default=sent)
            first_hit = polls[-1][1]
            # Not before the part was out, not at the timeout (three target
            # durations): when it came out.
            self.assertGreater(returned, last_miss, polls)
            self.assertLess(returned, first_hit + 0.2, (returned - sent, polls))
            self.assertLess(returned - sent, 1.5)
            self.assertRegex(headers["Cache-Control"], r"^public, max-age=\d+$")
        # More than two segments ahead: 400 at once.
        status, headers, _ = get(f"{self.base}/cam-a/index.m3u8?_HLS_msn={int(msn) + 9}&_HLS_part=0")
        self.assertEqual(status, 400)
        self.assertEqual(headers["Cache-Control"], "no-store")

    def test_media_is_cached_for_good_and_playlists_for_a_second(self):
        headers, text = self.playlist()
        self.assertEqual(headers["Cache-Control"], "public, max-age=1")
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertEqual(headers["Content-Type"], "application/vnd.apple.mpegurl")
        uris = re.findall(r'URI="([^"]+)"', text) + [l for l in text.splitlines() if l.endswith(".m4s")]
        init = next(u for u in uris if "init" in u)
        seg = next(u for u in uris if "/seg" in u)
        part = next(u for u in uris if "/part" in u and "PRELOAD" not in u)
        for uri in (init, seg, part):
            status, h, body = get(f"{self.base}/cam-a/{uri}")
            self.assertEqual(status, 200, uri)
            self.assertEqual(h["Cache-Control"], "public, max-age=31536000, immutable")
            self.assertEqual(h["Access-Control-Allow-Origin"], "*")
            self.assertEqual(int(h["Content-Length"]), len(body))
        _, ts = self.playlist_ts()
        ts_seg = next(l for l in ts.splitlines() if l.endswith(".ts"))
        status, h, body = get(f"{self.base}/cam-a/{ts_seg}")
        self.assertEqual(status, 200)
        self.assertEqual(body[0], 0x47)
        self.assertEqual(h["Content-Type"], "video/mp2t")
        # One that is not there (yet, or any more) is never cached.
        epoch = seg.split("/")[0]
        status, h, _ = get(f"{self.base}/cam-a/{epoch}/seg999999.m4s")
        self.assertEqual(status, 404)
        self.assertEqual(h["Cache-Control"], "no-store")
        # NAME.m3u8 is the same playlist.
        status, h, _ = get(f"{self.base}/cam-a.m3u8")
        self.assertEqual(status, 302)
        self.assertEqual(h["Location"], "/live/cam-a/index.m3u8")

    def playlist_ts(self):
        status, headers, body = get(f"{self.base}/cam-a/ts.m3u8")
        self.assertEqual(status, 200)
        return headers, body.decode()

    def test_private_inputs_and_previews_have_no_hls(self):
        self.playlist("air1")  # air is public
        for name, query in (("cam-b", ""), ("cam-b", "key=key-b-123456"), ("air1.program", ""),
                            ("no-such", "")):
            for file in ("index.m3u8", "ts.m3u8", "x/init0.mp4"):
                status, headers, _ = get(f"{self.base}/{name}/{file}" + (f"?{query}" if query else ""))
                self.assertEqual(status, 403, f"{name}/{file}?{query}")
                self.assertEqual(headers["Cache-Control"], "no-store")


if __name__ == "__main__":
    unittest.main()
