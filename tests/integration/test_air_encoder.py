"""The air encoder (issue 15): cameras of different formats and the card,
taken in turn, make air of one configuration at a constant frame rate."""

import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import (Server, WebSocketReader, assert_monotonic, publish, stop, test_media, wait_for,
                     wait_live)
from test_program import Recorder

# Small air keeps x264 cheap on a loaded test machine; the cameras are the
# issue's: 720p25, 540p30, 1080p25 with 48 kHz audio.
AIR = ('air_width = 640\nair_height = 360\nair_video_kbps = 800\nair_preset = "ultrafast"\n')
CAMERAS = (("cam-a", "key-a-123456"), ("cam-b", "key-b-123456"), ("cam-c", "key-c-123456"))


def write_flv(tags, path):
    """The tags as an FLV file, for ffprobe and ffmpeg."""
    with open(path, "wb") as f:
        f.write(b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00")
        for t in tags:
            size = len(t.body)
            f.write(bytes([t.type]) + size.to_bytes(3, "big") + (t.dts & 0xFFFFFF).to_bytes(3, "big")
                    + bytes([(t.dts >> 24) & 0xFF]) + b"\x00\x00\x00" + bytes(t.body)
                    + (11 + size).to_bytes(4, "big"))


class ConformedAir(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        media = (test_media(),
                 test_media(name="540p30", size="960x540", rate=30, gop=60, seconds=12, tone=880),
                 test_media(name="1080p25-48k", size="1920x1080", rate=25, gop=50, seconds=12,
                            tone=660, audio_rate=48000))
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b", "cam-c"]\n'
                 'delay_seconds = 0\n' + AIR)
        cls.server = Server(streams=tuple((n, k, False) for n, k in CAMERAS), extra=extra).__enter__()
        cls.pubs = [publish(cls.server.rtmp_url(n, f"key={k}"), m) for (n, k), m in zip(CAMERAS, media)]
        for name, _ in CAMERAS:
            wait_live(cls.server, name)

    @classmethod
    def tearDownClass(cls):
        for p in cls.pubs:
            stop(p)
        cls.server.stop()

    def view(self):
        return self.server.control("GET", "/programs/air1")[1]

    def test_twenty_takes_among_three_formats_and_the_card_keep_air_one_configuration(self):
        self.assertEqual(self.view()["air"]["mode"], "conform")
        # Air starts on the conformed card, then carries the encoder's output.
        wait_for(lambda: self.view()["on_air"] == "program", 20, "the encoder's output on air")
        air = Recorder(self.server.flv_url("air1"))
        try:
            targets = ["cam-a", "cam-b", "cam-c", "card"]
            for n in range(20):
                target = targets[n % len(targets)]
                if target == "card":
                    self.server.control("POST", "/programs/air1/card", {})
                else:
                    self.server.control("POST", "/programs/air1/take", {"input": target})
                wait_for(lambda: self.view()["on_program"] == target, 10, f"take {n} of {target}")
                time.sleep(0.6)  # holds each source on air: not a wait for a state
            tags = air.snapshot()
        finally:
            air.close()

        out = os.path.join(os.environ.get("COURTCAST_TEST_OUTPUT", tempfile.gettempdir()), "air")
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, "conformed-air-twenty-takes.flv")
        write_flv(tags, path)  # kept as an artifact
        video_headers = {bytes(t.body) for t in tags if t.is_video and t.is_sequence_header}
        audio_headers = {bytes(t.body) for t in tags if t.is_audio and t.is_sequence_header}
        self.assertEqual(len(video_headers), 1, "one video configuration on air")
        self.assertEqual(len(audio_headers), 1, "one audio configuration on air")
        assert_monotonic(tags, self)
        frames = [t.dts for t in tags if t.is_video and not t.is_sequence_header]
        steps = {b - a for a, b in zip(frames, frames[1:])}
        self.assertEqual(steps, {40}, "constant 25 fps on air")
        self.assertGreater(len(frames), 20 * 0.6 * 25)

        probe = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", path],
            capture_output=True, text=True, check=True).stdout)
        kinds = sorted((s["codec_type"], s["codec_name"]) for s in probe["streams"])
        self.assertEqual(kinds, [("audio", "aac"), ("video", "h264")])
        video = next(s for s in probe["streams"] if s["codec_type"] == "video")
        audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
        self.assertEqual((video["width"], video["height"], video["profile"]), (640, 360, "High"))
        self.assertEqual((audio["sample_rate"], audio["channels"]), ("48000", 2))
        sizes = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                                "frame=width,height", "-of", "csv=p=0", path],
                               capture_output=True, text=True, check=True).stdout
        self.assertEqual({line.split(",")[0:2][0] + "x" + line.split(",")[1] for line in sizes.split()
                          if "," in line}, {"640x360"})
        decode = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-f", "null", "-"],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(decode.stderr, "")


class PassThroughWarning(unittest.TestCase):
    def test_mismatched_cameras_in_pass_through_raise_the_warning_event(self):
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b"]\n'
                 'delay_seconds = 0\nair_mode = "passthrough"\n')
        with Server(streams=tuple((n, k, False) for n, k in CAMERAS[:2]), extra=extra) as server:
            events = WebSocketReader(server.http_port, f"/api/v1/events?token={server.token()}")
            pubs = [publish(server.rtmp_url("cam-a", "key=key-a-123456"), test_media()),
                    publish(server.rtmp_url("cam-b", "key=key-b-123456"),
                            test_media(name="540p30", size="960x540", rate=30, gop=60, seconds=12,
                                       tone=880))]
            try:
                seen = None
                deadline = time.monotonic() + 20
                while seen is None and time.monotonic() < deadline:
                    event = json.loads(events.next_text())
                    if event["type"] == "program.formats_differ" and event["details"]["differences"]:
                        seen = event
                self.assertIsNotNone(seen, "the formats_differ event")
                self.assertEqual(seen["details"]["mode"], "passthrough")
                self.assertIn("size: cam-a 1280x720, cam-b 960x540", seen["details"]["differences"])
                air = server.control("GET", "/programs/air1")[1]["air"]
                self.assertEqual(air["mode"], "passthrough")
                self.assertFalse(air["encoder_running"])
                self.assertIn("size: cam-a 1280x720, cam-b 960x540", air["format_warnings"])
            finally:
                events.close()
                for p in pubs:
                    stop(p)


if __name__ == "__main__":
    unittest.main()
