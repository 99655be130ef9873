"""The slate and the graphics switches of conformed air (issue 15): the
standby card is a rendered slate whose message the director changes while
live; the graphics go on and off from the API, and the court's emblem is an
uploaded PNG checked like the card. None of it changes air's configuration."""

import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from court_api_support import logged_in, make_users, username
from harness import ApiClient, Server, WebSocketReader, grab, wait_for
from test_air_encoder import write_flv
from test_program import Recorder

OUT = os.path.join(os.environ.get("COURTCAST_TEST_OUTPUT", tempfile.gettempdir()), "air")
# Small air keeps x264 cheap on a loaded test machine.
AIR = ('[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\n'
       'air_width = 640\nair_height = 360\nair_video_kbps = 800\nair_preset = "ultrafast"\n')
# 640x360 air: the slate's message runs across the middle; the clock is top
# right; the emblem top left.
MESSAGE_REGION = (40, 150, 560, 60)
CLOCK_REGION = (400, 4, 236, 36)
EMBLEM_REGION = (10, 6, 60, 52)


def gray(path, x, y, w, h):
    return subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", path,
                           "-vf", f"crop={w}:{h}:{x}:{y},format=gray", "-f", "rawvideo", "-"],
                          capture_output=True, check=True).stdout


def differing(a, b):
    """Pixels of two crops of one size that differ clearly."""
    return sum(1 for p, q in zip(a, b) if abs(p - q) > 40)


def png(size, path):
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=white:size={size}:rate=1", "-frames:v", "1", path], check=True)
    with open(path, "rb") as f:
        return f.read()


def put_emblem(server, data, content_type="image/png"):
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.http_port}/api/v1/emblem", method="PUT", data=data,
        headers={"Authorization": f"Bearer {server.token()}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class SlateAndGraphics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(OUT, exist_ok=True)
        # No camera publishes: program is on the card from the start, so air
        # shows the slate.
        cls.server = Server(streams=(("cam-a", "key-a-123456", False),), extra=AIR).__enter__()
        make_users(cls.server, ("director", "readonly"))
        cls.director = logged_in(cls.server, username("director"))
        cls.admin = ApiClient(cls.server, cls.server.token())
        wait_for(lambda: cls.view()["on_air"] == "program" and cls.view()["air"]["encoder_running"],
                 20, "the slate through the encoder on air")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    @classmethod
    def view(cls):
        return cls.server.control("GET", "/programs/air1")[1]

    def test_a_message_changed_while_on_the_card_shows_on_the_slate(self):
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        air = Recorder(self.server.flv_url("air1"))
        try:
            self.assertEqual(self.view()["air"]["slate"]["message"], "直播暂停 · 请稍候")
            before = os.path.join(OUT, "slate-before-message.png")
            after = os.path.join(OUT, "slate-after-message.png")
            grab(self.server.flv_url("air1"), before, 2)
            self.director.ok("POST", "/programs/air1/slate", {"message": "前往第二执行现场途中"},
                             expect=(202,))
            seen = None
            deadline = time.monotonic() + 10
            while seen is None and time.monotonic() < deadline:
                event = json.loads(events.next_text())
                if event["type"] == "program.slate":
                    seen = event
            self.assertIsNotNone(seen, "the program.slate event")
            self.assertEqual(seen["details"]["message"], "前往第二执行现场途中")
            self.assertEqual(seen["details"]["by"], username("director"))
            self.assertEqual(self.view()["air"]["slate"]["message"], "前往第二执行现场途中")
            # A player starts at the newest keyframe (at most 2 s old): read past it.
            grab(self.server.flv_url("air1"), after, 4)

            # While cut, air shows the slate drawn live for it alone.
            self.director.ok("POST", "/programs/air1/cut", {"reason": "slate test"}, expect=(202,))
            wait_for(lambda: self.view()["on_air"] == "card", 10, "air on the card")
            during_cut = os.path.join(OUT, "slate-during-cut.png")
            grab(self.server.flv_url("air1"), during_cut, 3)
            self.director.ok("POST", "/programs/air1/resume", {}, expect=(202,))
            wait_for(lambda: self.view()["on_air"] == "program", 10, "air back on program")
            time.sleep(1)  # holds air on program a moment: not a wait for a state
            tags = air.snapshot()
        finally:
            air.close()
            events.close()
        slate_before = gray(before, *MESSAGE_REGION)
        slate_after = gray(after, *MESSAGE_REGION)
        self.assertGreater(differing(slate_before, slate_after), 500,
                           "the new message on the slate")
        self.assertLess(differing(slate_after, gray(during_cut, *MESSAGE_REGION)), 200,
                        "the live slate during the cut shows the same message")
        path = os.path.join(OUT, "slate-air.flv")
        write_flv(tags, path)
        video_headers = {bytes(t.body) for t in tags if t.is_video and t.is_sequence_header}
        self.assertEqual(len(video_headers), 1, "one video configuration through slate and cut")
        decode = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-f", "null",
                                 "-"], capture_output=True, text=True, timeout=120)
        self.assertEqual(decode.stderr, "")
        entries = self.admin.ok("GET", "/audit?limit=500")["entries"]
        slate = [e for e in entries if e["action"] == "program.slate"]
        self.assertTrue(slate, "the slate change is audited")
        self.assertIn("前往第二执行现场途中", json.dumps(slate, ensure_ascii=False))

    def test_slate_messages_are_checked_and_only_the_broadcast_team_sets_them(self):
        status, body, _ = self.director.call("POST", "/programs/air1/slate",
                                             {"message": "暂停\u202e请稍候"})
        self.assertEqual(status, 400)
        self.assertIn("U+202E", body["error"]["message"])
        status, body, _ = self.director.call("POST", "/programs/air1/slate", {"message": "a\nb"})
        self.assertEqual(status, 400)
        status, body, _ = self.director.call("POST", "/programs/air1/slate",
                                             {"background": "red"})
        self.assertEqual(status, 400)
        self.assertIn("background", body["error"]["message"])
        readonly = logged_in(self.server, username("readonly"))
        status, _, _ = readonly.call("POST", "/programs/air1/slate", {"message": "直播暂停"})
        self.assertEqual(status, 403)

    def test_graphics_switch_on_and_off_from_the_api_without_a_new_sequence_header(self):
        air = Recorder(self.server.flv_url("air1"))
        try:
            on = os.path.join(OUT, "graphics-clock-on.png")
            off = os.path.join(OUT, "graphics-clock-off.png")
            grab(self.server.flv_url("air1"), on, 2)
            answer = self.director.ok("POST", "/programs/air1/graphics",
                                      {"clock": False, "live_tag": True}, expect=(202,))
            self.assertEqual((answer["clock"], answer["live_tag"]), (False, True))
            graphics = self.view()["air"]["graphics"]
            self.assertEqual((graphics["clock"], graphics["live_tag"], graphics["caption"]),
                             (False, True, True))
            grab(self.server.flv_url("air1"), off, 4)
            self.director.ok("POST", "/programs/air1/graphics", {"clock": True, "live_tag": False},
                             expect=(202,))
            tags = air.snapshot()
        finally:
            air.close()
        self.assertGreater(differing(gray(on, *CLOCK_REGION), gray(off, *CLOCK_REGION)), 200,
                           "the clock went off (and the 直播 tag came on)")
        video_headers = {bytes(t.body) for t in tags if t.is_video and t.is_sequence_header}
        self.assertEqual(len(video_headers), 1)
        status, body, _ = self.director.call("POST", "/programs/air1/graphics", {"clock": "no"})
        self.assertEqual(status, 400)
        self.assertIn("clock", body["error"]["message"])

    def test_an_uploaded_emblem_is_checked_and_drawn_on_air(self):
        status, body = put_emblem(self.server, png("120x120", os.path.join(OUT, "emblem.png")))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["set"], body["width"], body["height"]), (True, 120, 120))
        wait_for(lambda: self.view()["air"]["graphics"]["emblem_set"], 10, "the emblem in effect")
        with_emblem = os.path.join(OUT, "emblem-on-air.png")
        grab(self.server.flv_url("air1"), with_emblem, 4)
        self.director.ok("POST", "/programs/air1/graphics", {"emblem": False}, expect=(202,))
        without = os.path.join(OUT, "emblem-switched-off.png")
        grab(self.server.flv_url("air1"), without, 4)
        self.director.ok("POST", "/programs/air1/graphics", {"emblem": True}, expect=(202,))
        self.assertGreater(differing(gray(with_emblem, *EMBLEM_REGION),
                                     gray(without, *EMBLEM_REGION)), 500, "the white emblem")

        # Refusals name what is wrong; none changes the emblem in effect.
        status, body = put_emblem(self.server, b"GIF89a not a png")
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_emblem"))
        self.assertIn("not a PNG", body["error"]["message"])
        good = png("120x120", os.path.join(OUT, "emblem-truncated-source.png"))
        status, body = put_emblem(self.server, good[:len(good) // 2])
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_emblem"))
        status, body = put_emblem(self.server, png("2000x100", os.path.join(OUT, "emblem-wide.png")))
        self.assertEqual(status, 400)
        self.assertIn("2000x100", body["error"]["message"])
        status, body = put_emblem(self.server, b"\x89PNG\r\n\x1a\n" + b"\0" * (1 << 20))
        self.assertEqual((status, body["error"]["code"]), (413, "emblem_too_large"))
        status, body = put_emblem(self.server, good, content_type="application/json")
        self.assertEqual(status, 415)
        self.assertTrue(self.server.control("GET", "/emblem")[1]["set"])


if __name__ == "__main__":
    unittest.main()
