"""Evidence recording of a publish of several segments: segments and a
signed manifest appear, `courtcast verify` passes, each kind of tampering
fails naming the place, and a clip across a segment boundary exports without
re-encoding.

Segments are short (4 s, two GOPs of the test media) so that the recording
takes half a minute of real time, not the three minutes it took with 20 s
segments: what is checked is the same for any number of seconds a segment
has. The 30 s test media loops once within the recording."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Server, publish, stop, test_media, wait_for, wait_live

SEGMENT_SECONDS = 4
SEGMENTS = 8  # closed while the camera publishes; its end closes one more
CLIP_SECONDS = 6  # half of it before a segment boundary, half after


def manifest_lines(stream_dir):
    with open(os.path.join(stream_dir, "manifest.jsonl")) as f:
        return [json.loads(line) for line in f]


def listed_segments(stream_dir):
    try:
        return len(manifest_lines(stream_dir))
    except FileNotFoundError:
        return 0


def verify(path, *args):
    return subprocess.run([BIN, "verify", path, *args], capture_output=True, text=True, timeout=60)


class SegmentedRecording(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra=f"[record]\nsegment_seconds = {SEGMENT_SECONDS}\n"
                                  "min_free_bytes = 0\n")
        cls.server.__enter__()
        cls.stream_dir = os.path.join(cls.server.dir, "var", "recordings", "unscheduled", "cam-a")
        publisher = publish(cls.server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
        try:
            wait_live(cls.server, "cam-a")
            live_at = time.monotonic()
            wait_for(lambda: listed_segments(cls.stream_dir) >= SEGMENTS,
                     SEGMENTS * SEGMENT_SECONDS + 30, f"{SEGMENTS} segments to be listed")
        finally:
            stop(publisher)
        cls.published_seconds = time.monotonic() - live_at
        # The camera's end closes the last segment: renamed first, its line just after.
        def closed():
            names = os.listdir(cls.stream_dir)
            flv = [n for n in names if n.endswith(".flv")]
            return (not any(n.endswith(".part") for n in names)
                    and len(manifest_lines(cls.stream_dir)) == len(flv))
        # The server noticing the end comes first; then a state that holds
        # for a second, since a cut renames and lists one segment before the
        # next is opened.
        wait_for(lambda: not (cls.server.stream_info("cam-a") or {}).get("live"), 15,
                 "the server to see the camera go")
        wait_for(closed, 10, "the last segment to be closed and listed")
        time.sleep(1)
        wait_for(closed, 10, "the last segment to be closed and listed")
        cls.lines = manifest_lines(cls.stream_dir)
        cls.work = tempfile.mkdtemp(prefix="courtcast-record-")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tampered_copy(self, name):
        """A copy of the recording to damage, with the server's key beside it."""
        root = os.path.join(self.work, name)
        shutil.copytree(os.path.join(self.server.dir, "var", "keys"), os.path.join(root, "keys"))
        dest = os.path.join(root, "recordings", "unscheduled", "cam-a")
        shutil.copytree(self.stream_dir, dest)
        return dest

    def assert_fails_naming(self, path, *parts):
        r = verify(path)
        self.assertNotEqual(r.returncode, 0, f"verify passed a tampered recording: {r.stdout}")
        for part in parts:
            self.assertIn(part, r.stderr)

    def test_segments_and_manifest_appear_and_verify_passes(self):
        segments = [l for l in self.lines if l["kind"] == "segment"]
        self.assertGreaterEqual(len(segments), SEGMENTS + 1)
        for l in segments:
            self.assertTrue(os.path.exists(os.path.join(self.stream_dir, l["file"])))
            self.assertEqual(len(l["sha256"]), 64)
            self.assertEqual(len(l["sig"]), 128)
            for key in ("index", "first_ts_ms", "last_ts_ms", "start_utc_ms", "end_utc_ms",
                        "size_bytes", "prev_sha256", "recovered"):
                self.assertIn(key, l)
        # Segments are cut at keyframes at or after the segment length (2 s GOP).
        for l in segments[:-1]:
            self.assertGreaterEqual(l["last_ts_ms"] - l["first_ts_ms"], SEGMENT_SECONDS * 1000 - 100)
            self.assertLess(l["last_ts_ms"] - l["first_ts_ms"], SEGMENT_SECONDS * 1000 + 2100)
        # Nothing the camera sent while live is missing (the recording
        # began before the stream showed as live; a frame or two at the end
        # may still have been on the way when the camera stopped).
        recorded = sum(l["last_ts_ms"] - l["first_ts_ms"] for l in segments) / 1000
        self.assertGreater(recorded, self.published_seconds - 2)

        r = verify(self.server.dir)  # any folder above a recording works
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{len(segments)} segments", r.stdout)
        self.assertIn("0 gaps", r.stdout)

    def test_the_public_key_verifies_and_another_key_does_not(self):
        keys = subprocess.run([BIN, "keys", "export", "--config", self.server.config],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(keys.returncode, 0, keys.stderr)
        self.assertIn("BEGIN PUBLIC KEY", keys.stdout)
        pem = os.path.join(self.work, "server.pub.pem")
        with open(pem, "w") as f:
            f.write(keys.stdout)
        r = verify(self.stream_dir, "--key", pem)
        self.assertEqual(r.returncode, 0, r.stderr)

        other = os.path.join(self.work, "other.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", other], check=True)
        r = verify(self.stream_dir, "--key", other)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("line 1 ", r.stderr)
        self.assertIn("another key", r.stderr)

    def test_a_flipped_byte_is_named(self):
        d = self.tampered_copy("flip")
        path = os.path.join(d, self.lines[2]["file"])
        with open(path, "r+b") as f:
            f.seek(100_000)
            b = f.read(1)
            f.seek(100_000)
            f.write(bytes([b[0] ^ 0x10]))
        self.assert_fails_naming(d, "line 3 ", self.lines[2]["file"], "SHA-256")

    def test_a_deleted_segment_is_named(self):
        d = self.tampered_copy("delete")
        os.remove(os.path.join(d, self.lines[4]["file"]))
        self.assert_fails_naming(d, "line 5 ", "is missing")

    def test_swapped_lines_are_named(self):
        d = self.tampered_copy("swap")
        path = os.path.join(d, "manifest.jsonl")
        with open(path) as f:
            text = f.read().splitlines()
        text[3], text[4] = text[4], text[3]
        with open(path, "w") as f:
            f.write("\n".join(text) + "\n")
        self.assert_fails_naming(d, "line 4 ", "reordered")

    def test_an_edited_hash_is_named(self):
        d = self.tampered_copy("edit")
        path = os.path.join(d, "manifest.jsonl")
        with open(path) as f:
            text = f.read()
        old = self.lines[1]["sha256"]
        with open(path, "w") as f:
            f.write(text.replace(old, "0" * 64))
        self.assert_fails_naming(d, "line 2 ", "signature does not match")

    def test_a_truncated_segment_is_named(self):
        d = self.tampered_copy("truncate")
        path = os.path.join(d, self.lines[3]["file"])
        os.truncate(path, os.path.getsize(path) // 2)
        self.assert_fails_naming(d, "line 4 ", "truncated")

    def test_a_clip_across_a_segment_boundary_exports_without_reencoding(self):
        a, b = self.lines[2], self.lines[3]
        start_ms = b["start_utc_ms"] - CLIP_SECONDS * 500
        end_ms = start_ms + CLIP_SECONDS * 1000

        def iso(ms):
            t = time.gmtime(ms // 1000)
            return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ms % 1000:03d}Z"

        out = os.path.join(self.work, "clip.mp4")
        r = subprocess.run([BIN, "export", "--dir", self.stream_dir, "--from", iso(start_ms),
                            "--to", iso(end_ms), "--out", out],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                "-of", "csv=p=0", out], capture_output=True, text=True, check=True)
        self.assertAlmostEqual(float(probe.stdout.strip()), CLIP_SECONDS, delta=1.0)
        decode = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", out, "-f", "null", "-"],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(decode.returncode, 0, decode.stderr)
        self.assertEqual(decode.stderr.strip(), "", "the clip decodes without a single error")
        codecs = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
                                 "-of", "csv=p=0", out], capture_output=True, text=True, check=True)
        self.assertEqual(sorted(codecs.stdout.split()), ["aac", "h264"])

        with open(out + ".json") as f:
            sidecar = json.load(f)
        self.assertEqual([s["file"] for s in sidecar["segments"]], [a["file"], b["file"]])
        self.assertEqual([s["sha256"] for s in sidecar["segments"]], [a["sha256"], b["sha256"]])
        self.assertEqual(sidecar["from_utc_ms"], start_ms)
        self.assertEqual(sidecar["to_utc_ms"], end_ms)
        # One camera, one configuration: one part, the clip itself, hashed in the sidecar.
        self.assertEqual([p["file"] for p in sidecar["parts"]], [os.path.basename(out)])
        with open(out, "rb") as f:
            import hashlib
            self.assertEqual(sidecar["parts"][0]["sha256"], hashlib.sha256(f.read()).hexdigest())


if __name__ == "__main__":
    unittest.main()
