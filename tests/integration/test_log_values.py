"""What a client sends reaches the log escaped and cut short: it cannot write
a line of its own nor fill the log."""

import struct
import unittest

from harness import (Server, amf_number, amf_string, closed_by_peer, rtmp_chunks, rtmp_handshake,
                     wait_for)


def play(port, name):
    """A bare RTMP client asking to play `name` (an AMF0 string, so < 64 KiB)."""
    s = rtmp_handshake(port)
    s.sendall(rtmp_chunks(2, 1, 0, struct.pack(">I", 4096), chunk_size=128))
    connect = (amf_string("connect") + amf_number(1) + b"\x03" + b"\x00\x03app"
               + amf_string("live") + b"\x00\x00\x09")
    s.sendall(rtmp_chunks(3, 20, 0, connect))
    s.sendall(rtmp_chunks(3, 20, 0, amf_string("createStream") + amf_number(2) + b"\x05"))
    encoded = name.encode()
    s.sendall(rtmp_chunks(8, 20, 1, amf_string("play") + amf_number(3) + b"\x05"
                          + b"\x02" + struct.pack(">H", len(encoded)) + encoded))
    return s


class LogValues(unittest.TestCase):
    def test_a_play_name_with_a_newline_writes_one_escaped_line(self):
        forged = "cam-x\n[2026-11-29 06:00:00.000] [info] event=login user=admin role=admin\x00"
        with Server() as server:
            s = play(server.rtmp_port, forged)
            self.assertTrue(closed_by_peer(s), "the unknown stream is refused")
            s.close()
            wait_for(lambda: "event=rtmp_refused" in server.log(), 5, "the refusal line")
            lines = [l for l in server.log().splitlines() if "event=login" in l]
            self.assertEqual(len(lines), 1, lines)
            self.assertIn("event=rtmp_refused", lines[0], "the name stays inside its own line")
            self.assertIn(r'stream="cam-x\x0a[2026-11-29', lines[0])
            self.assertIn(r"role=admin\x00", lines[0])
            self.assertNotIn("\x00", server.log())

    def test_a_huge_play_name_is_cut_short_in_the_log(self):
        with Server() as server:
            s = play(server.rtmp_port, "n" * 60_000)
            self.assertTrue(closed_by_peer(s))
            s.close()
            wait_for(lambda: "event=rtmp_refused" in server.log(), 5, "the refusal line")
            line = next(l for l in server.log().splitlines() if "event=rtmp_refused" in l)
            self.assertLess(len(line), 1500, "the 60,000-byte name is cut short")
            self.assertIn("...(+", line)


if __name__ == "__main__":
    unittest.main()
