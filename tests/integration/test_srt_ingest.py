"""SRT ingest with real peers: FFmpeg publishes MPEG-TS over SRT with the
stream id's key; the stream plays over RTMP and HTTP-FLV, is recorded, and
shows its link statistics; a wrong key or unknown stream is refused at the
handshake with a reason FFmpeg reports; a session's input published over SRT
is taken on program; through a link that drops 5 % and delays 50 ms the stream
still decodes cleanly and the loss shows in the statistics."""

import heapq
import os
import random
import socket
import subprocess
import threading
import time
import unittest

from court_api_support import approved_session, logged_in, make_users, session_body, username
from harness import (TIME_SCALE, ApiClient, Server, publish, rw_timeout, stop, test_media, wait_for,
                     wait_live)

KEY = "test-key-a1"


def srt_url(port, stream_id, extra=""):
    return f"srt://127.0.0.1:{port}?streamid={stream_id}" + (f"&{extra}" if extra else "")


def standard_id(name, key):
    return f"#!::r=live/{name},m=publish,s={key}"


def publish_srt(url, media, stderr=None):
    """FFmpeg publishing a media file over SRT in real time, looping, as MPEG-TS."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
         "-i", media, "-c", "copy", "-f", "mpegts", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL)


def decode_errors(url, seconds):
    """What `ffmpeg -v error` prints decoding `seconds` of `url` (nothing when clean)."""
    r = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", *rw_timeout(10),
                        "-i", url, "-t", str(seconds), "-f", "null", "-"],
                       capture_output=True, text=True, timeout=(seconds + 30) * TIME_SCALE)
    return r.stderr if r.returncode == 0 else f"exit {r.returncode}: {r.stderr}"


def refused(url, media):
    """(refused, what FFmpeg printed) for a publish that should not get in."""
    proc = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "info", "-re", "-i", media, "-t", "5", "-c", "copy",
         "-f", "mpegts", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        stop(proc)
        return False, ""
    return proc.returncode != 0, err


class LossyUdpRelay:
    """Forwards UDP between one client and a server, dropping `loss` of the
    datagrams each way and delaying the rest by `delay_s`."""

    def __init__(self, target_port, loss=0.05, delay_s=0.05, seed=16):
        self.target = ("127.0.0.1", target_port)
        self.loss, self.delay_s = loss, delay_s
        self.random = random.Random(seed)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.upstream.connect(self.target)
        self.client = None
        self.queue = []  # (due, seq, socket, data, address)
        self.seq = 0
        self.dropped = 0
        self.cond = threading.Condition()
        self.running = True
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._from_client, self._from_server, self._deliver)]
        for t in self.threads:
            t.start()

    def _schedule(self, sock, data, address):
        if self.random.random() < self.loss:
            self.dropped += 1
            return
        with self.cond:
            self.seq += 1
            heapq.heappush(self.queue, (time.monotonic() + self.delay_s, self.seq, sock, data,
                                        address))
            self.cond.notify()

    def _from_client(self):
        while self.running:
            try:
                data, address = self.sock.recvfrom(2048)
            except OSError:
                return
            self.client = address
            self._schedule(self.upstream, data, None)

    def _from_server(self):
        while self.running:
            try:
                data = self.upstream.recv(2048)
            except OSError:
                return
            if self.client:
                self._schedule(self.sock, data, self.client)

    def _deliver(self):
        while self.running:
            with self.cond:
                while self.running and (not self.queue or self.queue[0][0] > time.monotonic()):
                    self.cond.wait(self.queue[0][0] - time.monotonic() if self.queue else 0.1)
                if not self.running:
                    return
                _, _, sock, data, address = heapq.heappop(self.queue)
            try:
                sock.send(data) if address is None else sock.sendto(data, address)
            except OSError:
                pass

    def close(self):
        self.running = False
        with self.cond:
            self.cond.notify()
        self.sock.close()
        self.upstream.close()


class SrtIngest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = test_media()
        cls.server = Server(extra="[record]\nmin_free_bytes = 0\n")
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_published_stream_plays_over_rtmp_and_flv_is_recorded_and_shows_link_stats(self):
        proc = publish_srt(srt_url(self.server.srt_port, standard_id("cam-a", KEY)), self.media)
        try:
            wait_live(self.server, "cam-a", timeout=15)
            self.assertEqual(decode_errors(self.server.rtmp_url("cam-a"), 4), "")
            self.assertEqual(decode_errors(self.server.flv_url("cam-a"), 4), "")
            info = self.server.stream_info("cam-a")
            self.assertEqual((info["video"]["codec"], info["video"]["width"]), ("h264", 1280))
            self.assertEqual(info["audio"]["codec"], "aac")
            link = wait_for(lambda: (self.server.stream_info("cam-a") or {}).get("link"), 5,
                            "link statistics")
            self.assertEqual(link["protocol"], "srt")
            self.assertEqual(link["latency_ms"], 2000)
            self.assertGreater(link["packets_received"], 100)
            for field in ("rtt_ms", "packets_lost", "packets_retransmitted", "packets_dropped",
                          "receive_buffer_ms", "receive_buffer_bytes"):
                self.assertIn(field, link)
            stream_dir = os.path.join(self.server.dir, "var", "recordings", "unscheduled",
                                      "cam-a")
            wait_for(lambda: os.path.isdir(stream_dir) and sum(
                os.path.getsize(os.path.join(stream_dir, n)) for n in os.listdir(stream_dir)
                if n.endswith((".flv", ".part"))) > 200_000, 15, "the recording to grow")
            self.assertIn("event=srt_connect stream=cam-a", self.server.log())
        finally:
            stop(proc)
        wait_for(lambda: not (self.server.stream_info("cam-a") or {}).get("live"), 15,
                 "the publish to end")
        self.assertIsNone((self.server.stream_info("cam-a") or {}).get("link"))

    def test_plain_stream_id_form_publishes_too(self):
        proc = publish_srt(srt_url(self.server.srt_port, f"live/cam-a?key={KEY}"), self.media)
        try:
            wait_live(self.server, "cam-a", timeout=15)
        finally:
            stop(proc)
        wait_for(lambda: not (self.server.stream_info("cam-a") or {}).get("live"), 15,
                 "the publish to end")

    def test_wrong_key_or_unknown_stream_is_refused_at_the_handshake(self):
        port = self.server.srt_port
        for stream_id, code in ((standard_id("cam-a", "wrong-key-123"), 1403),
                                (standard_id("no-such-cam", KEY), 1404),
                                ("live/cam-a", 1401)):
            was_refused, err = refused(srt_url(port, stream_id), self.media)
            self.assertTrue(was_refused, stream_id)
            self.assertIn("reject", err.lower(), err)
            self.assertIn(f"code={code}", self.server.log())
        self.assertFalse((self.server.stream_info("cam-a") or {}).get("live"))
        self.assertNotIn("wrong-key-123", self.server.log())

    def test_stream_plays_cleanly_through_loss_and_the_loss_shows_in_stats(self):
        relay = LossyUdpRelay(self.server.srt_port, loss=0.05, delay_s=0.05)
        proc = publish_srt(srt_url(relay.port, standard_id("cam-a", KEY)), self.media)
        try:
            wait_live(self.server, "cam-a", timeout=20)
            self.assertEqual(decode_errors(self.server.flv_url("cam-a"), 10), "")
            link = self.server.stream_info("cam-a")["link"]
            self.assertGreater(relay.dropped, 50)
            self.assertGreater(link["packets_lost"], 0, link)
            self.assertGreater(link["packets_retransmitted"], 0, link)
            self.assertGreaterEqual(link["rtt_ms"], 50, link)
            self.assertEqual(link["packets_dropped"], 0, link)
            self.assertEqual(link["continuity_errors"], 0, link)
        finally:
            stop(proc)
            relay.close()
        wait_for(lambda: not (self.server.stream_info("cam-a") or {}).get("live"), 15,
                 "the publish to end")


def libsrt_threads(pid):
    """Names of the process's threads that libsrt started (SRT:RcvQ:w1, SRT:GC...)."""
    names = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return [n for n in names if n.startswith("SRT:")]


class SrtIdle(unittest.TestCase):
    def test_libsrt_receives_only_from_the_first_caller_on(self):
        # An idle libsrt socket wakes ~100 times a second in its receive
        # thread; until a caller knocks the kernel holds the port alone.
        with Server() as server:
            threads = libsrt_threads(server.proc.pid)
            self.assertFalse([n for n in threads if n.startswith("SRT:RcvQ")], threads)
            proc = publish_srt(srt_url(server.srt_port, standard_id("cam-a", KEY)), test_media())
            try:
                wait_live(server, "cam-a", timeout=15)
                self.assertTrue([n for n in libsrt_threads(server.proc.pid)
                                 if n.startswith("SRT:RcvQ")])
            finally:
                stop(proc)


class SrtPassphrase(unittest.TestCase):
    def test_with_a_passphrase_only_encrypting_callers_with_it_get_in(self):
        media = test_media()
        with Server(srt='passphrase = "court-secret-16"\nlatency_ms = 1000') as server:
            url = srt_url(server.srt_port, standard_id("cam-a", KEY))
            self.assertTrue(refused(url, media)[0], "a caller without encryption")
            self.assertTrue(refused(url + "&passphrase=other-secret-16", media)[0],
                            "a caller with another passphrase")
            self.assertFalse((server.stream_info("cam-a") or {}).get("live"))
            proc = publish_srt(url + "&passphrase=court-secret-16", media)
            try:
                wait_live(server, "cam-a", timeout=15)
                link = wait_for(lambda: (server.stream_info("cam-a") or {}).get("link"), 5,
                                "link statistics")
                self.assertEqual(link["latency_ms"], 1000)
                self.assertEqual(decode_errors(server.flv_url("cam-a"), 3), "")
            finally:
                stop(proc)
            self.assertNotIn("court-secret-16", server.log())


class SrtRefusalFlood(unittest.TestCase):
    def test_a_flood_of_refused_handshakes_logs_ten_lines_and_disturbs_nothing(self):
        """Anyone can send handshakes with a wrong key as fast as they like: the
        log takes ten lines per 10 s with a running total, and a camera with
        the right key still gets in."""
        media = test_media()
        with Server() as server:
            url = srt_url(server.srt_port, standard_id("cam-a", "wrong-key-123"))
            for _ in range(30):
                self.assertTrue(refused(url, media)[0])
            lines = [l for l in server.log().splitlines() if "event=srt_refused" in l]
            # Ten per 10 s: one window, or two (up to 20) when the flood straddled one.
            self.assertGreaterEqual(len(lines), 10, lines)
            self.assertLessEqual(len(lines), 20, lines[-1:])
            self.assertIn("total=1 ", lines[0])
            self.assertIn("total=10 ", lines[9])
            proc = publish_srt(srt_url(server.srt_port, standard_id("cam-a", KEY)), media)
            try:
                wait_live(server, "cam-a", timeout=15)
            finally:
                stop(proc)


def probe_size(url, timeout=15):
    """(width, height) of the first video frame ffprobe reads from `url`."""
    out = subprocess.run(["ffprobe", "-v", "error", *rw_timeout(5), "-select_streams",
                          "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", url],
                         capture_output=True, text=True, timeout=timeout * TIME_SCALE)
    parts = out.stdout.strip().split(",")
    return (int(parts[0]), int(parts[1])) if len(parts) == 2 else None


class SrtSessionInput(unittest.TestCase):
    def test_session_input_published_over_srt_is_taken_on_program(self):
        media_a = test_media("720p", "1280x720")
        media_b = test_media("540p", "960x540", tone=660)
        procs = []
        with Server() as server:
            try:
                make_users(server, ("director",))
                director = logged_in(server, username("director"))
                admin = ApiClient(server, server.token())
                body = session_body()
                body["delay_ms"] = 2000
                session, _ = approved_session(director, admin, body)
                air = f"session-{session}"
                urls = {i["name"]: i["publish_url"] for i in
                        director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}
                key_a = urls["cam-a"].split("key=")[1]
                key_b = urls["cam-b"].split("key=")[1]
                procs.append(publish_srt(
                    srt_url(server.srt_port, standard_id(f"{air}.cam-a", key_a)), media_a))
                procs.append(publish(server.rtmp_url(f"{air}.cam-b", f"key={key_b}"), media_b))
                wait_live(server, f"{air}.cam-a", timeout=15)
                wait_live(server, f"{air}.cam-b")
                director.ok("POST", f"/sessions/{session}/start")
                wait_for(lambda: server.stream_info(air), 10, "the session's air")
                preview = server.flv_url(f"{air}.program", f"token={server.token()}")
                director.ok("POST", f"/programs/{air}/take", {"input": "cam-b"},
                            expect=(202,))
                wait_for(lambda: probe_size(preview) == (960, 540), 20, "cam-b on program")
                director.ok("POST", f"/programs/{air}/take", {"input": "cam-a"},
                            expect=(202,))
                wait_for(lambda: probe_size(preview) == (1280, 720), 20,
                         "the SRT camera on program")
                self.assertEqual(decode_errors(preview, 4), "")
            finally:
                for p in procs:
                    stop(p)


if __name__ == "__main__":
    unittest.main()
