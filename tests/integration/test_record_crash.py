"""kill -9 while recording: the manifest still verifies, the next start
recovers the partial segment (listed with recovered: true), and at most the
last second before the kill is missing."""

import json
import os
import signal
import subprocess
import time
import unittest

from harness import BIN, Server, publish, stop, test_media, wait_for, wait_live


def manifest_lines(stream_dir):
    with open(os.path.join(stream_dir, "manifest.jsonl")) as f:
        return [json.loads(line) for line in f]


def verify(path):
    return subprocess.run([BIN, "verify", path], capture_output=True, text=True, timeout=60)


class KillDuringRecording(unittest.TestCase):
    def test_kill_9_then_restart_recovers_the_partial_segment(self):
        server = Server(extra="[record]\nsegment_seconds = 10\nmin_free_bytes = 0\n")
        stream_dir = os.path.join(server.dir, "var", "recordings", "unscheduled", "cam-a")
        with server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
            try:
                wait_live(server, "cam-a")
                time.sleep(16)  # one closed segment, and 6 s into the next
                kill_ms = int(time.time() * 1000)
                server.proc.send_signal(signal.SIGKILL)
                server.proc.wait()
            finally:
                stop(publisher)

            before = manifest_lines(stream_dir)
            self.assertEqual(len(before), 1, "one segment was closed before the kill")
            parts = [n for n in os.listdir(stream_dir) if n.endswith(".flv.part")]
            self.assertEqual(len(parts), 1, "the open segment is left as a .part")
            # What the crash left still verifies: the chain holds the closed segment.
            r = verify(stream_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("open segment", r.stdout)

            server.log_file.close()
            server.__enter__()  # the same config and data_dir: the next start
            wait_for(lambda: "event=record_recovered" in server.log(), 10, "the recovery")
            lines = manifest_lines(stream_dir)
            self.assertEqual(len(lines), 2)
            recovered = lines[1]
            self.assertTrue(recovered["recovered"])
            self.assertEqual(recovered["kind"], "segment")
            self.assertFalse(any(n.endswith(".part") for n in os.listdir(stream_dir)))
            # Media up to at most one second before the kill survived.
            self.assertGreaterEqual(recovered["end_utc_ms"], kill_ms - 1000,
                                    f"lost {kill_ms - recovered['end_utc_ms']} ms before the kill")
            self.assertGreaterEqual(recovered["last_ts_ms"] - recovered["first_ts_ms"], 5000)
            r = verify(stream_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("(1 recovered)", r.stdout)

            # The camera returns: the time the server was down is a gap line.
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
            try:
                wait_live(server, "cam-a")
                time.sleep(3)
            finally:
                stop(publisher)
            wait_for(lambda: len(manifest_lines(stream_dir)) >= 4, 10, "the new segment's line")
            lines = manifest_lines(stream_dir)
            self.assertEqual(lines[2]["kind"], "gap")
            self.assertEqual(lines[2]["reason"], "server_crashed")
            self.assertEqual(lines[3]["kind"], "segment")
            r = verify(stream_dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 gap", r.stdout)


if __name__ == "__main__":
    unittest.main()
