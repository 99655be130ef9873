"""Wrong key, missing key, a second publisher: refused, and nothing else moves."""

import subprocess
import time
import unittest

from harness import Server, live_stream, read_for, test_media, wait_for


def try_publish(url, media):
    """Publishes for a few seconds; returns FFmpeg's exit code and messages."""
    p = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", media,
                        "-t", "3", "-c", "copy", "-f", "flv", url],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stderr


class PublishRefusals(unittest.TestCase):
    def test_wrong_missing_key_and_second_publisher_are_refused_and_stream_unaffected(self):
        with live_stream() as live:
            server, player = live.server, live.player
            media = live.media
            before = read_for(player, 1.0)
            info_before = server.stream_info("cam-a")

            attempts = {
                "wrong key": server.rtmp_url("cam-a", "key=not-the-key"),
                "missing key": server.rtmp_url("cam-a"),
                "second publisher": server.rtmp_url("cam-a", "key=test-key-a1"),
                "unknown stream": server.rtmp_url("cam-z", "key=test-key-a1"),
            }
            for what, url in attempts.items():
                started = time.monotonic()
                code, err = try_publish(url, media)
                self.assertNotEqual(code, 0, f"{what}: FFmpeg should fail")
                self.assertLess(time.monotonic() - started, 10, f"{what}: refused promptly")
                # The player keeps receiving media at full rate meanwhile.
                tags = read_for(player, 1.0)
                span = tags[-1].dts - tags[0].dts if tags else 0
                self.assertGreater(span, 700, f"{what}: player stalled ({span} ms in 1 s)")

            log = server.log()
            self.assertIn("wrong key for stream 'cam-a'", log)
            self.assertIn("a key is required", log)
            self.assertIn("is already being published", log)
            self.assertIn("no stream named 'cam-z'", log)
            self.assertNotIn("not-the-key", log, "keys never appear in the log")
            self.assertNotIn("test-key-a1", log, "keys never appear in the log")

            info_after = server.stream_info("cam-a")
            self.assertTrue(info_after["live"])
            self.assertEqual(info_after["publisher"], info_before["publisher"])
            self.assertEqual(info_after["publishes"], 1)
            self.assertGreater(info_after["bytes_in"], info_before["bytes_in"])
            self.assertTrue(before, "player received media before the attempts")

    def test_refusal_reason_reaches_the_client(self):
        media = test_media()
        with Server() as server:
            code, err = try_publish(server.rtmp_url("cam-a", "key=bad-key-000"), media)
            self.assertNotEqual(code, 0)
            self.assertIn("wrong key", err)
            wait_for(lambda: "event=rtmp_refused" in server.log(), 5, "the refusal log line")


if __name__ == "__main__":
    unittest.main()
