"""A small filesystem filling up: below the free-space threshold the
recorder refuses new segments and raises an alert, and live delivery to
players carries on untouched."""

import json
import os
import shutil
import subprocess
import time
import unittest

from harness import (FlvPlayer, Server, WebSocketReader, publish, read_for, stop, test_media,
                     wait_for, wait_live)

SIZE_MB = 48
THRESHOLD_MB = 24


def mount_tmpfs(path, size_mb):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


class DiskFillsUp(unittest.TestCase):
    def test_below_the_threshold_recording_is_refused_with_an_alert_and_live_carries_on(self):
        server = Server(extra=f"[record]\nsegment_seconds = 4\n"
                              f"min_free_bytes = {THRESHOLD_MB << 20}\n")
        var = os.path.join(server.dir, "var")
        mounted, why = mount_tmpfs(var, SIZE_MB)
        if not mounted:
            self.skipTest(f"cannot mount a {SIZE_MB} MiB tmpfs for the quota ({why}); "
                          "run as root to test disk-full behaviour")
        publisher = None
        try:
            # Leave the recorder about 4 MB (some 12 s of the test stream) above the threshold.
            with open(os.path.join(var, "filler"), "wb") as f:
                f.write(b"\0" * ((SIZE_MB - THRESHOLD_MB - 4) << 20))
            with server:
                events = WebSocketReader(server.http_port, f"/api/v1/events?token={server.token()}")
                publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
                wait_live(server, "cam-a")
                player = FlvPlayer(server.flv_url("cam-a"))
                read_for(player, 1.0)
                wait_for(lambda: "event=record_alert reason=disk_low" in server.log(), 60,
                         "the disk-low alert")
                alert_at = time.monotonic()
                # The alert also reaches the API and the WebSocket.
                self.assertTrue(server.control("GET", "/recordings")[1]["alert"])
                event = json.loads(events.next_text(timeout=10))
                self.assertEqual(event["type"], "recording.alert")
                self.assertTrue(event["recording"]["alert"])
                self.assertEqual(event["recording"]["alert_reason"], "disk_low")
                events.close()
                after = read_for(player, 4.0)
                self.assertFalse(player.closed, "the player stays connected")
                media = [t for t in after if t.is_video and not t.is_sequence_header]
                self.assertGreater(len(media), 75, "live video keeps flowing after the alert")
                self.assertGreaterEqual(time.monotonic() - alert_at, 3.5)
                player.close()
                self.assertIn("free_bytes=", server.log())
                self.assertNotIn("event=record_failed", server.log())
                # What was recorded before the refusal is whole and verifies.
                stream_dir = os.path.join(var, "recordings", "unscheduled", "cam-a")
                r = subprocess.run([os.environ.get("COURTCAST_BIN", "build/courtcast"), "verify",
                                    stream_dir], capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                stop(publisher)
                publisher = None
        finally:
            stop(publisher)
            subprocess.run(["umount", "-l", var], capture_output=True)
            shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
