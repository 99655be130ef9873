"""The recordings API: recorder state, and clip export for the case file."""

import datetime
import json
import os
import subprocess
import time
import unittest

from harness import Server, publish, stop, test_media, wait_for, wait_live
from test_export_records import download


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone(datetime.timedelta(hours=8))).isoformat()


class RecordingApi(unittest.TestCase):
    def test_state_is_listed_and_a_clip_is_exported_off_the_event_loops(self):
        media = test_media()
        with Server(extra="[record]\nsegment_seconds = 2\n") as server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            try:
                wait_live(server, "cam-a")
                started_ms = int(time.time() * 1000)
                status, body = server.control("GET", "/recordings")
                self.assertEqual(status, 200)
                self.assertFalse(body["alert"])
                wait_for(lambda: any(r["stream"] == "cam-a" and r["segments"] >= 3
                                     for r in server.control("GET", "/recordings")[1]["recordings"]),
                         20, "three closed segments")
                rec = next(r for r in server.control("GET", "/recordings")[1]["recordings"]
                           if r["stream"] == "cam-a")
                self.assertEqual(rec["state"], "recording")

                status, job = server.control("POST", "/recordings/unscheduled/cam-a/exports",
                                             {"from": iso(started_ms + 500), "to": iso(started_ms + 3500)})
                self.assertEqual(status, 202, job)
                done = wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
                    server.control("GET", f"/recordings/unscheduled/cam-a/exports/{job['id']}")[1]),
                    30, "the export to finish")
                self.assertEqual(done["state"], "done", done)
                self.assertGreaterEqual(len(done["segments"]), 2, "the clip spans a segment boundary")
                status, headers, clip = download(server, done["clip_url"][len("/api/v1"):])
                self.assertEqual(status, 200)
                path = os.path.join(server.dir, "clip.mp4")
                with open(path, "wb") as f:
                    f.write(clip)
                probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                        "-of", "json", path], capture_output=True, text=True)
                duration = float(json.loads(probe.stdout)["format"]["duration"])
                self.assertAlmostEqual(duration, 3.0, delta=1.0)
                status, _, sidecar = download(server, done["sidecar"]["url"][len("/api/v1"):])
                self.assertEqual(status, 200)
                self.assertTrue(json.loads(sidecar)["parts"])
                self.assertIn("event=export_done", server.log())

                bad = [
                    ({"from": iso(started_ms)}, 400),
                    ({"from": "yesterday", "to": iso(started_ms)}, 400),
                    ({"from": iso(started_ms + 2000), "to": iso(started_ms)}, 400),
                    ({"from": iso(started_ms), "to": iso(started_ms + 1000), "format": "avi"}, 400),
                ]
                for payload, code in bad:
                    status, answer = server.control("POST", "/recordings/unscheduled/cam-a/exports", payload)
                    self.assertEqual(status, code, payload)
                    self.assertIn("message", answer["error"])
                status, _ = server.control("POST", "/recordings/unscheduled/cam-z/exports",
                                           {"from": iso(started_ms), "to": iso(started_ms + 1000)})
                self.assertEqual(status, 404)
                status, _ = server.control("POST", "/recordings/../keys/exports",
                                           {"from": iso(started_ms), "to": iso(started_ms + 1000)})
                self.assertEqual(status, 404)
            finally:
                stop(publisher)


if __name__ == "__main__":
    unittest.main()
