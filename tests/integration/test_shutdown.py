"""SIGTERM with publishers, players, a program and a destination running ends
the process cleanly: exit code 0, "event=stopped", and no sanitizer report
(run it with COURTCAST_BIN pointing at an AddressSanitizer build to check
the teardown itself)."""

import signal
import subprocess
import unittest

from harness import FlvPlayer, Server, publish, stop, test_media, wait_for, wait_live


class Shutdown(unittest.TestCase):
    def test_sigterm_with_rtmp_and_http_flv_players_connected_exits_zero(self):
        media = test_media()
        streams = (("cam-a", "test-key-a1", True), ("cam-b", "test-key-b1", True))
        program = '[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 1\n'
        with Server(streams=streams, extra=program) as server:
            pub = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            rtmp_players = []
            flv_players = []
            try:
                wait_live(server, "cam-a")
                for _ in range(2):
                    p = FlvPlayer(server.flv_url("cam-a"))
                    p.read_headers()
                    self.assertEqual(p.status, 200)
                    flv_players.append(p)
                for _ in range(2):
                    rtmp_players.append(subprocess.Popen(
                        ["ffmpeg", "-hide_banner", "-loglevel", "error",
                         "-i", server.rtmp_url("cam-a"), "-c", "copy", "-f", "null", "-"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL))
                wait_for(lambda: (server.stream_info("cam-a") or {}).get("players", 0) >= 5, 10,
                         "two HTTP-FLV and two RTMP players, and the program")
                # Air pushed back into this server as cam-b: a relay connection
                # and a publisher session, both open at the signal.
                status, body = server.control("POST", "/destinations", {
                    "name": "loop", "stream": "air1",
                    "url": server.rtmp_url("cam-b", "key=test-key-b1")})
                self.assertEqual(status, 201, body)
                wait_live(server, "cam-b", timeout=15)
                air = FlvPlayer(server.flv_url("air1"))
                air.read_headers()
                flv_players.append(air)
                # The players are mid-stream: give each some media to be busy with.
                for p in flv_players:
                    p._fill()

                server.proc.send_signal(signal.SIGTERM)
                code = server.proc.wait(15)
                log = server.log()
                self.assertEqual(code, 0, log[-3000:])
                self.assertIn("event=stopped", log)
                self.assertNotIn("AddressSanitizer", log)
                self.assertNotIn("LeakSanitizer", log)
            finally:
                for p in flv_players:
                    p.close()
                for p in rtmp_players:
                    stop(p)
                stop(pub)


if __name__ == "__main__":
    unittest.main()
