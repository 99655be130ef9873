"""Clips exported across takes and card switches decode: one MP4 per run of one
codec configuration, each listed in the sidecar with its hash, time range and
frame count, and every part tied to the signed manifest chain."""

import datetime
import hashlib
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import Server, publish, stop, test_media, wait_for, wait_live
from test_export_records import download
from test_program import card_media


def iso(ms):
    return datetime.datetime.fromtimestamp(
        ms / 1000, datetime.timezone(datetime.timedelta(hours=8))).isoformat()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_errors(path):
    """What `ffmpeg -v error -i PATH -f null -` prints: nothing for a clip that decodes."""
    run = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path,
                          "-f", "null", "-"], capture_output=True, text=True, timeout=120)
    return (run.stdout + run.stderr).strip() or (f"exit {run.returncode}" if run.returncode else "")


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                          "stream=codec_type,width,height,nb_read_packets", "-of", "json", path],
                         capture_output=True, text=True, timeout=60)
    return {s["codec_type"]: s for s in json.loads(out.stdout)["streams"]}


def manifest_lines(path):
    """{index: (line sha256, parsed line)} of a manifest.jsonl."""
    out = {}
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            if raw:
                line = json.loads(raw)
                out[line["index"]] = (hashlib.sha256(raw).hexdigest(), line)
    return out


class ExportAcrossSwitches(unittest.TestCase):
    FRAME_MS = 40  # 25 fps

    @classmethod
    def setUpClass(cls):
        cls.media_a = test_media()
        cls.media_b = test_media(name="540p", size="960x540", tone=880)
        extra = (f'[standby]\ncard = "{card_media()}"\n'
                 '[record]\nsegment_seconds = 2\n'
                 '[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b"]\n'
                 'delay_seconds = 0\nauto_return = false\n'
                 # Parts follow the sources' configurations on air.
                 'air_mode = "passthrough"\n')
        cls.server = Server(streams=(("cam-a", "key-a-123456", False),
                                     ("cam-b", "key-b-123456", False)), extra=extra).__enter__()
        cls.pubs = [publish(cls.server.rtmp_url("cam-a", "key=key-a-123456"), cls.media_a),
                    publish(cls.server.rtmp_url("cam-b", "key=key-b-123456"), cls.media_b)]
        wait_live(cls.server, "cam-a")
        wait_live(cls.server, "cam-b")
        # 720p, then a take to 540p, then the card, then back to 720p.
        cls.control("take", {"input": "cam-a"})
        wait_for(lambda: cls.on_program() == "cam-a", 10, "cam-a on program")
        cls.from_ms = int(time.time() * 1000) + 500
        time.sleep(4)  # holds each source on air long enough to show: not a wait for a state
        cls.control("take", {"input": "cam-b"})
        wait_for(lambda: cls.on_program() == "cam-b", 10, "cam-b on program")
        time.sleep(4)
        cls.control("card")
        wait_for(lambda: cls.on_program() == "card", 10, "the card on program")
        # Less than one loop of the 4 s card, with the take's wait for a
        # keyframe: the card's loop stamps its own timestamps (issue 11).
        time.sleep(1.5)
        cls.control("take", {"input": "cam-a"})
        wait_for(lambda: cls.on_program() == "cam-a", 10, "cam-a on program again")
        time.sleep(3)
        cls.to_ms = int(time.time() * 1000)
        rec = os.path.join(cls.server.dir, "var", "recordings", "unscheduled")
        for stream in ("air1", "air1.program"):
            manifest = os.path.join(rec, stream, "manifest.jsonl")
            wait_for(lambda: os.path.exists(manifest) and any(
                l["end_utc_ms"] >= cls.to_ms for _, l in manifest_lines(manifest).values()),
                20, f"{stream}'s segments to close past the range")

    @classmethod
    def tearDownClass(cls):
        for p in cls.pubs:
            stop(p)
        cls.server.stop()

    @classmethod
    def control(cls, action, body=None):
        status, answer = cls.server.control("POST", f"/programs/air1/{action}", body or {})
        assert status == 202, answer

    @classmethod
    def on_program(cls):
        status, body = cls.server.control("GET", "/programs/air1")
        return body["on_program"] if status == 200 else None

    def export(self, stream, from_ms=None, to_ms=None):
        status, job = self.server.control(
            "POST", f"/recordings/unscheduled/{stream}/exports",
            {"from": iso(from_ms or self.from_ms), "to": iso(to_ms or self.to_ms)})
        self.assertEqual(status, 202, job)
        done = wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
            self.server.control("GET", f"/recordings/unscheduled/{stream}/exports/{job['id']}")[1]),
            60, "the export to finish")
        self.assertEqual(done["state"], "done", (done, self.server.log()[-3000:]))
        return done

    def check_parts(self, stream, sizes):
        done = self.export(stream)
        status, _, body = download(self.server, done["sidecar"]["url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        sidecar = json.loads(body)
        parts = sidecar["parts"]
        self.assertEqual([(p["video"]["width"], p["video"]["height"]) for p in parts], sizes,
                         "one part per configuration, in order")
        folder = tempfile.mkdtemp(prefix="courtcast-parts-")
        for p, listed in zip(parts, done["parts"]):
            status, _, body = download(self.server, listed["url"][len("/api/v1"):])
            self.assertEqual(status, 200)
            with open(os.path.join(folder, p["file"]), "wb") as f:
                f.write(body)
        manifest = manifest_lines(os.path.join(self.server.dir, "var", "recordings",
                                               "unscheduled", stream, "manifest.jsonl"))
        for p in parts:
            path = os.path.join(folder, p["file"])
            self.assertEqual(decode_errors(path), "", f"part {p['part']} decodes")
            self.assertEqual(sha256_file(path), p["sha256"])
            streams = probe(path)
            self.assertEqual((streams["video"]["width"], streams["video"]["height"]),
                             (p["video"]["width"], p["video"]["height"]))
            self.assertEqual(int(streams["video"]["nb_read_packets"]), p["video_frames"])
            self.assertEqual(int(streams["audio"]["nb_read_packets"]), p["audio_frames"])
            # Each source segment is the one the signed chain lists.
            for index in p["segments"]:
                self.assertIn(index, manifest)
        for seg in sidecar["segments"]:
            line_sha, line = manifest[seg["index"]]
            self.assertEqual(seg["line_sha256"], line_sha)
            self.assertEqual(seg["sha256"], line["sha256"])
        # The parts cover the range, to within a frame at each end and at
        # each join: every frame is placed by its media timestamp through one
        # mapping to the wall clock, whichever segment it is in.
        self.assertLessEqual(abs(parts[0]["start_utc_ms"] - self.from_ms), self.FRAME_MS)
        self.assertLessEqual(abs(parts[-1]["end_utc_ms"] - self.to_ms), self.FRAME_MS)
        for a, b in zip(parts, parts[1:]):
            self.assertLessEqual(abs(b["start_utc_ms"] - a["end_utc_ms"]), self.FRAME_MS,
                                 f"part {a['part']} ends where part {b['part']} starts: {parts}")
        return done, sidecar

    def test_a_program_clip_across_takes_and_the_card_decodes_in_parts(self):
        self.check_parts("air1.program", [(1280, 720), (960, 540), (640, 360), (1280, 720)])

    def test_an_air_clip_across_takes_and_the_card_decodes_in_parts(self):
        self.check_parts("air1", [(1280, 720), (960, 540), (640, 360), (1280, 720)])

    def test_two_adjacent_air_clips_meet_within_a_frame(self):
        # The cut falls inside the 540p take, away from any segment boundary
        # the first clip's mapping came from.
        middle = self.from_ms + 5500
        first = self.export("air1", self.from_ms, middle)["parts"]
        second = self.export("air1", middle, self.to_ms)["parts"]
        self.assertLessEqual(abs(first[-1]["end_utc_ms"] - middle), self.FRAME_MS, first)
        self.assertLessEqual(abs(second[0]["start_utc_ms"] - middle), self.FRAME_MS, second)
        self.assertLessEqual(abs(second[0]["start_utc_ms"] - first[-1]["end_utc_ms"]),
                             self.FRAME_MS)

    def test_a_clip_of_one_camera_is_one_part(self):
        done = self.export("cam-a")
        self.assertEqual(len(done["parts"]), 1)
        status, _, body = download(self.server, done["clip_url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        path = os.path.join(tempfile.mkdtemp(prefix="courtcast-parts-"), "clip.mp4")
        with open(path, "wb") as f:
            f.write(body)
        self.assertEqual(decode_errors(path), "")


if __name__ == "__main__":
    unittest.main()
