"""Program control: takes at keyframes, standby card, delay line, privacy cut."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from court_api_support import logged_in, make_users, username
from harness import (MEDIA_DIR, TIME_SCALE, ApiClient, FlvPlayer, NginxRtmp, Server, assert_monotonic,
                     publish, read_for, rw_timeout, stop, test_media, wait_for, wait_live)


def card_media():
    """A card of its own size (640x360), so that frame sizes tell it apart."""
    path = os.path.join(MEDIA_DIR, "card-360p.flv")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "color=c=gray:size=640x360:rate=25",
                        "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=44100",
                        "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                        "-g", "50", "-c:a", "aac", "-shortest", "-f", "flv", path], check=True)
    return path


class Recorder:
    """Reads a stream in the background, keeping every tag with its arrival time."""

    def __init__(self, url):
        self.player = FlvPlayer(url)
        self.tags = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for tag in self.player.tags(lambda t: not self.running):
                with self.lock:
                    self.tags.append(tag)
        except OSError:
            pass  # closed by close()

    def snapshot(self):
        with self.lock:
            return list(self.tags)

    def close(self):
        self.running = False
        self.player.close()
        self.thread.join(5)


def flv_file_bodies(path):
    """The hashes of every tag body in an FLV file (here: the card's)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, out = 13, set()
    while pos + 11 <= len(data):
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        out.add(hashlib.sha1(data[pos + 11:pos + 11 + size]).digest())
        pos += 11 + size + 4
    return out


def sources(tags, headers):
    """(tag index, source) for each video sequence header in `tags`."""
    out = []
    for i, t in enumerate(tags):
        if t.is_video and t.is_sequence_header:
            out.append((i, headers.get(bytes(t.body), "unknown")))
    return out


class ProgramControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media_a = test_media()
        cls.media_b = test_media(name="540p", size="960x540", tone=880)
        extra = (f'[standby]\ncard = "{card_media()}"\n'
                 '[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b"]\n'
                 'delay_seconds = 0\nauto_return = true\n'
                 # Sources are told apart by their sequence headers on air.
                 'air_mode = "passthrough"\n')
        cls.server = Server(streams=(("cam-a", "key-a-123456", False), ("cam-b", "key-b-123456", False)),
                            extra=extra).__enter__()
        cls.pub_a = publish(cls.server.rtmp_url("cam-a", "key=key-a-123456"), cls.media_a)
        cls.pub_b = publish(cls.server.rtmp_url("cam-b", "key=key-b-123456"), cls.media_b)
        wait_live(cls.server, "cam-a")
        wait_live(cls.server, "cam-b")
        # Which sequence header belongs to which source.
        cls.headers = {}
        for name, url in (("cam-a", cls.server.flv_url("cam-a", "key=key-a-123456")),
                          ("cam-b", cls.server.flv_url("cam-b", "key=key-b-123456")),
                          ("card", cls.server.flv_url("air1"))):
            p = FlvPlayer(url)
            for t in p.tags(lambda t: t.is_video and t.is_sequence_header):
                if t.is_video and t.is_sequence_header:
                    cls.headers[bytes(t.body)] = name
            p.close()

    @classmethod
    def tearDownClass(cls):
        stop(cls.pub_a)
        stop(cls.pub_b)
        cls.server.stop()

    def control(self, action, body=None):
        status, answer = self.server.control("POST", f"/programs/air1/{action}", body or {})
        self.assertEqual(status, 202, answer)

    def program_url(self):
        return self.server.flv_url("air1.program", f"token={self.server.token()}")

    def test_1_twenty_takes_land_on_keyframes_within_a_gop(self):
        self.control("delay", {"delay_seconds": 0})
        program = Recorder(self.program_url())
        air_decode = subprocess.Popen(["ffmpeg", "-hide_banner", "-v", "error", "-xerror", "-i",
                                       self.server.flv_url("air1"), "-t", "40", "-f", "null", "-"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        air = Recorder(self.server.flv_url("air1"))
        try:
            for n in range(20):
                target = "cam-a" if n % 2 == 0 else "cam-b"
                seen = len(program.snapshot())
                taken_at = time.monotonic()
                self.control("take", {"input": target})
                wait_for(lambda: any(s == target for _, s in sources(program.snapshot()[seen:], self.headers)),
                         5, f"take {n} of {target} to reach program")
                tags = program.snapshot()
                at = next(i for i, s in sources(tags[seen:], self.headers) if s == target) + seen
                arrived = tags[at].arrived - taken_at
                self.assertLessEqual(arrived, 2.5, f"take {n}: {arrived:.2f} s to program (GOP 2 s)")
                first_video = next(t for t in tags[at + 1:] if t.is_video and not t.is_sequence_header)
                self.assertTrue(first_video.is_keyframe, f"take {n} landed on a keyframe")
                view = self.server.control("GET", "/programs/air1")[1]
                self.assertLessEqual(view["last_take_to_frame_ms"], 2100)
            _, err = air_decode.communicate(timeout=60)
            self.assertEqual(err.strip(), "", "air decodes without an error")
            assert_monotonic(program.snapshot(), self)
            assert_monotonic(air.snapshot(), self)
        finally:
            stop(air_decode)
            program.close()
            air.close()

    def test_2_lost_input_gets_the_card_and_returns_with_auto_return(self):
        cls = type(self)
        self.control("delay", {"delay_seconds": 0})
        program = Recorder(self.program_url())
        try:
            self.control("take", {"input": "cam-a"})
            wait_for(lambda: self.server.control("GET", "/programs/air1")[1]["on_program"] == "cam-a", 5,
                     "cam-a on program")
            cls.pub_a.kill()
            cls.pub_a.wait()
            killed_at = time.monotonic()
            seen = len(program.snapshot())
            wait_for(lambda: any(s == "card" for _, s in sources(program.snapshot()[seen:], self.headers)),
                     5, "the card on program")
            tags = program.snapshot()
            at = next(i for i, s in sources(tags[seen:], self.headers) if s == "card") + seen
            self.assertLessEqual(tags[at].arrived - killed_at, 2.5, "card within 2.5 s of the loss")
            cls.pub_a = publish(self.server.rtmp_url("cam-a", "key=key-a-123456"), self.media_a)
            seen = len(program.snapshot())
            wait_for(lambda: any(s == "cam-a" for _, s in sources(program.snapshot()[seen:], self.headers)),
                     10, "cam-a back on program by itself (auto_return)")
            assert_monotonic(program.snapshot(), self)
        finally:
            program.close()

    def test_3_air_is_program_delayed_by_ten_seconds(self):
        self.control("take", {"input": "cam-b"})
        self.control("delay", {"delay_seconds": 10})
        program = Recorder(self.program_url())
        air = Recorder(self.server.flv_url("air1"))
        joined = time.monotonic()
        try:
            # The delay meter: the line refills from (near) empty after the
            # longer delay and climbs to delay_ms, never past it.
            view = self.server.control("GET", "/programs/air1")[1]
            self.assertEqual(view["delay_ms"], 10000)
            self.assertLess(view["buffered_ms"], 5000)
            time.sleep(16)  # the delay itself is what is measured
            view = self.server.control("GET", "/programs/air1")[1]
            self.assertGreaterEqual(view["buffered_ms"], 9500)
            self.assertLessEqual(view["buffered_ms"], 10000)
            card = flv_file_bodies(card_media())  # the card loops: its frames recur
            # Past the GOP each reader gets from its stream's cache on joining.
            prog = {hashlib.sha1(t.body).digest(): t.arrived for t in program.snapshot()
                    if t.is_video and not t.is_sequence_header and t.arrived > joined + 3}
            prog = {h: at for h, at in prog.items() if h not in card}
            delays = [t.arrived - prog[h] for t in air.snapshot() if t.is_video and not t.is_sequence_header
                      for h in [hashlib.sha1(t.body).digest()] if h in prog]
            self.assertGreater(len(delays), 25, "air carried program frames")
            delays.sort()
            median = delays[len(delays) // 2]
            self.assertAlmostEqual(median, 10.0, delta=0.5)
            self.assertGreaterEqual(delays[0], 9.5)
            self.assertLessEqual(delays[-1], 10.5)
        finally:
            program.close()
            air.close()

    def test_4_cut_keeps_everything_before_it_off_air(self):
        self.control("take", {"input": "cam-a"})
        self.control("delay", {"delay_seconds": 3})
        program = Recorder(self.program_url())
        air = Recorder(self.server.flv_url("air1"))
        try:
            read_until = time.monotonic() + 5
            wait_for(lambda: time.monotonic() > read_until, 6, "program to fill the delay line")
            self.control("cut")
            cut_at = time.monotonic()
            before_cut = {hashlib.sha1(t.body).digest() for t in program.snapshot()
                          if t.arrived < cut_at and not t.is_sequence_header}
            time.sleep(2)  # during the cut: air must show the card, nothing else
            self.control("resume")
            time.sleep(6)  # after resume: air returns to program after the delay
            after = [t for t in air.snapshot() if t.arrived > cut_at + 0.2]
            leaked = [t for t in after if hashlib.sha1(t.body).digest() in before_cut]
            self.assertEqual(leaked, [], "a packet from before the cut reached air")
            kinds = [s for _, s in sources(after, self.headers)]
            self.assertIn("card", [s for _, s in sources([t for t in air.snapshot() if t.arrived > cut_at - 0.5], self.headers)],
                          "the card went on air at the cut")
            self.assertIn("cam-a", kinds, "air came back to program after resume")
            view = self.server.control("GET", "/programs/air1")[1]
            self.assertFalse(view["cut"])
            self.assertIn("event=program_cut program=air1 by=api-token", self.server.log())
        finally:
            program.close()
            air.close()

    def test_6_a_cut_right_after_a_take_brings_air_back_with_the_new_cameras_configuration(self):
        # cam-b's configuration is still in the delay line when the cut
        # drops it: air must come back with cam-b's sequence header, not
        # cam-a's (which would break every decoder after the resume).
        self.control("delay", {"delay_seconds": 0})
        self.control("take", {"input": "cam-a"})
        wait_for(lambda: self.server.control("GET", "/programs/air1")[1]["on_program"] == "cam-a",
                 5, "cam-a on program")
        self.control("delay", {"delay_seconds": 3})
        self.control("take", {"input": "cam-b"})
        wait_for(lambda: self.server.control("GET", "/programs/air1")[1]["on_program"] == "cam-b",
                 5, "cam-b on program")
        self.control("cut")
        wait_for(lambda: self.server.control("GET", "/programs/air1")[1]["cut"], 5, "the cut")
        self.control("resume")
        wait_for(lambda: (lambda v: not v["cut"] and v["on_air"] == "program")(
            self.server.control("GET", "/programs/air1")[1]), 10, "air back on program")
        air = FlvPlayer(self.server.flv_url("air1"))
        try:
            header = next(t for t in air.tags(lambda t: t.is_video and t.is_sequence_header)
                          if t.is_video and t.is_sequence_header)
        finally:
            air.close()
        self.assertEqual(self.headers.get(bytes(header.body), "unknown"), "cam-b")

    def test_5_inputs_and_program_need_a_login_air_is_public(self):
        for url in (self.server.flv_url("cam-a"), self.server.flv_url("air1.program"),
                    self.server.flv_url("air1.program", "token=not-the-token")):
            with self.assertRaises(urllib.error.HTTPError, msg=url) as ctx:
                urllib.request.urlopen(url, timeout=5)
            self.assertEqual(ctx.exception.code, 403, url)
        p = FlvPlayer(self.server.flv_url("air1"))
        self.assertTrue(read_for(p, 1.0), "air plays without a login")
        p.close()
        rtmp_refused = subprocess.run(["ffprobe", "-v", "error", self.server.rtmp_url("air1.program")],
                                      capture_output=True, text=True, timeout=20)
        self.assertNotEqual(rtmp_refused.returncode, 0)
        status, _ = self.server.control("POST", "/programs/air1/take", {"input": "cam-z"})
        self.assertEqual(status, 400)
        status, _ = self.server.control("POST", "/programs/air1/delay", {"delay_seconds": 301})
        self.assertEqual(status, 400)


class StandbyCardOnAir(unittest.TestCase):
    CARD_ON_AIR_S = 61  # issue 11: "air decodes without an error line for a minute of card"

    def test_a_minute_of_card_on_air_and_at_a_platform_decodes_without_an_error_line(self):
        # Nothing taken: program and air show the built-in 4 s card, fifteen
        # loops of it. Each loop used to start 2 ms after the last frame, and
        # FFmpeg reported non-monotonic timestamps every loop. Both what a
        # player of air and what a platform (nginx-rtmp, pushed to by a
        # destination) receive are read for the whole minute, at once.
        nginx = NginxRtmp(plain=1)
        platform = f"rtmp://127.0.0.1:{nginx.plain_ports[0]}/live/card-minute"
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\n'
                 f'[[destination]]\nstream = "air1"\nname = "platform"\npreset = "douyin"\n'
                 f'url = "{platform}"\n')
        folder = tempfile.mkdtemp(prefix="courtcast-card-minute-")
        received = os.path.join(folder, "received.flv")
        try:
            with Server(streams=(("cam-a", "key-a-123456", False),), extra=extra) as server:
                wait_for(lambda: server.stream_info("air1"), 10, "air to show the card")
                wait_for(lambda: server.control("GET", "/destinations")[1]["destinations"][0]
                         ["health"]["state"] == "live", 15, "the platform to receive air")
                seconds = str(self.CARD_ON_AIR_S)
                # What the platform received, kept as it came (a muxer that
                # meets a timestamp stepping back says so at -v error).
                at_platform = subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *rw_timeout(10),
                     "-i", platform, "-t", seconds, "-c", "copy", "-f", "flv", received],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                on_air = subprocess.run(
                    ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *rw_timeout(10),
                     "-i", server.flv_url("air1"), "-t", seconds, "-f", "null", "-"],
                    capture_output=True, text=True, timeout=(self.CARD_ON_AIR_S + 60) * TIME_SCALE)
                _, kept_err = at_platform.communicate(timeout=60 * TIME_SCALE)
                self.assertEqual(on_air.returncode, 0, on_air.stderr)
                self.assertEqual(on_air.stderr, "", "air decodes without an error line")
                self.assertEqual(at_platform.returncode, 0, kept_err)
                self.assertEqual(kept_err, "", "the platform's stream is kept without an error line")
            decoded = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error",
                                      "-i", received, "-f", "null", "-"],
                                     capture_output=True, text=True, timeout=120)
            self.assertEqual((decoded.returncode, decoded.stdout + decoded.stderr), (0, ""),
                             "what the platform received decodes without an error line")
            probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                    "-of", "csv=p=0", received], capture_output=True, text=True)
            self.assertGreaterEqual(float(probe.stdout.strip()), 60.0,
                                    "a minute of card reached the platform")
        finally:
            nginx.stop()
            shutil.rmtree(folder, ignore_errors=True)


class PrivacyCutByModerator(unittest.TestCase):
    def test_moderator_cuts_and_resumes_with_a_reason_but_cannot_take(self):
        extra = '[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\n'
        with Server(streams=(("cam-a", "key-a-123456", False),), extra=extra) as server:
            make_users(server, ("moderator",))
            moderator = logged_in(server, username("moderator"))
            admin = ApiClient(server, server.token())
            status, out, _ = moderator.call("POST", "/programs/air1/take", {"input": "cam-a"})
            self.assertEqual((status, out["error"]["code"]), (403, "forbidden"), out)
            moderator.ok("POST", "/programs/air1/cut", {"reason": "当事人未成年，画面露脸"},
                         expect=(202,))
            wait_for(lambda: admin.ok("GET", "/programs/air1")["cut"], 5, "the cut")
            moderator.ok("POST", "/programs/air1/resume", expect=(202,))
            admin.ok("POST", "/programs/air1/take", {"input": "cam-a"}, expect=(202,))
            admin.ok("POST", "/programs/air1/delay", {"delay_seconds": 4}, expect=(202,))
            entries = admin.ok("GET", "/audit?limit=100")["entries"]
            changes = {e["action"]: e for e in entries if e["action"].startswith("program.")}
            details = {name: json.loads(e["details"]) if isinstance(e["details"], str)
                       else e["details"] for name, e in changes.items()}
            self.assertEqual(details["program.cut"]["reason"], "当事人未成年，画面露脸")
            self.assertEqual(changes["program.cut"]["actor"], username("moderator"))
            self.assertEqual(changes["program.resume"]["actor"], username("moderator"))
            self.assertEqual(details["program.take"]["input"], "cam-a")
            self.assertEqual(details["program.delay"]["delay_seconds"], 4)


if __name__ == "__main__":
    unittest.main()
