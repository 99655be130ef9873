"""RTMP admission: until a publish or play is accepted a connection may make the
server hold little, must get on with it, and is one of a capped number."""

import os
import select
import socket
import struct
import time
import unittest

from harness import (Server, amf_number, amf_string, closed_by_peer, live_stream, read_for,
                     rtmp_chunks, wait_for)
from metrics_support import fetch, parse, total

CONNECT = (amf_string("connect") + amf_number(1) + b"\x03" + b"\x00\x03app" + amf_string("live")
           + b"\x00\x00\x09")


def handshake(port, source="127.0.0.1"):
    """A completed RTMP handshake from `source`, or None when the server hangs up."""
    s = socket.socket()
    s.settimeout(5)
    s.bind((source, 0))
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"\x03" + bytes(8) + os.urandom(1528))
        need, got = 1 + 1536 * 2, b""
        while len(got) < need:
            chunk = s.recv(need - len(got))
            if not chunk:
                s.close()
                return None
            got += chunk
        s.sendall(got[1:1537])
        return s
    except (ConnectionResetError, BrokenPipeError):
        s.close()
        return None


def send_until_closed(sock, data):
    """Sends `data`; the server may close the connection part way through."""
    try:
        sock.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        pass


def type0_header(csid, length, type_=9, stream_id=1):
    return (bytes([csid]) + bytes(3) + length.to_bytes(3, "big") + bytes([type_])
            + struct.pack("<I", stream_id))


class MemoryPinning(unittest.TestCase):
    def test_60_unfinished_large_messages_are_refused_without_holding_memory(self):
        with live_stream() as live:
            server, player = live.server, live.player
            read_for(player, 1.0)
            rss_before = server.rss_kib()

            # The probe of issue 10: chunks as large as a message may be,
            # then 60 chunk streams each opening a 15 MiB message and
            # sending 1 MiB of it.
            attackers = []
            for _ in range(5):
                s = handshake(server.rtmp_port)
                self.assertIsNotNone(s)
                send_until_closed(s, rtmp_chunks(2, 1, 0, struct.pack(">I", 1 << 24)))
                for csid in range(3, 63):
                    send_until_closed(s, type0_header(csid, 15 << 20) + bytes(1 << 20))
                attackers.append(s)
            # Within the stranger's message size, many chunk streams of
            # unfinished messages: the chunk stream and byte caps close it.
            s = handshake(server.rtmp_port)
            for csid in range(3, 63):
                send_until_closed(s, type0_header(csid, 60 * 1024) + bytes(128))
            attackers.append(s)

            for s in attackers:
                self.assertTrue(closed_by_peer(s), "the server closes the connection")
                s.close()
            rise_kib = server.rss_kib() - rss_before
            self.assertLess(rise_kib, 4 * 1024, f"RSS rose by {rise_kib} KiB")
            log = server.log()
            self.assertIn("event=rtmp_limit", log)
            self.assertIn("exceeds the limit of 65536", log)
            self.assertEqual(log.count("event=rtmp_limit"), 1,
                             "one line for the burst; the rest are counted")

            tags = read_for(player, 2.0)
            self.assertGreater(tags[-1].dts - tags[0].dts, 1500, "the player carried on")
            self.assertTrue(server.stream_info("cam-a")["live"], "the publisher is untouched")


class Admission(unittest.TestCase):
    def test_500_connections_that_never_publish_or_play_are_closed_within_the_timeout(self):
        timeout_s = 1.0
        with live_stream(rtmp="admission_timeout_ms = 1000\nmax_connections_per_address = 1000",
                         player=False) as live:
            server = live.server
            idle = []
            for _ in range(500):
                s = handshake(server.rtmp_port)
                self.assertIsNotNone(s, "under the caps every connection is served")
                s.sendall(rtmp_chunks(3, 20, 0, CONNECT))
                idle.append(s)
            last_connected = time.monotonic()

            open_ = {s.fileno(): s for s in idle}
            deadline = last_connected + timeout_s + 3.0
            while open_ and time.monotonic() < deadline:
                ready, _, _ = select.select(list(open_.values()), [], [], 0.2)
                for s in ready:
                    try:
                        data = s.recv(65536)
                    except ConnectionResetError:
                        data = b""
                    if not data:
                        del open_[s.fileno()]
            self.assertEqual(len(open_), 0,
                             f"{len(open_)} of 500 idle connections still open after "
                             f"{timeout_s + 3.0:.0f} s")
            for s in idle:
                s.close()

            log = server.log()
            self.assertIn("event=rtmp_admission_timeout", log)
            self.assertLessEqual(log.count("event=rtmp_admission_timeout"), 2,
                                 "logged once per burst, not per connection")
            self.assertTrue(server.stream_info("cam-a")["live"],
                            "a publisher that was admitted is not timed out")

    def test_connections_past_the_caps_are_refused_and_their_slots_come_back(self):
        with Server(rtmp="max_connections = 8\nmax_connections_per_address = 5") as server:
            held = [handshake(server.rtmp_port, "127.0.0.1") for _ in range(5)]
            self.assertTrue(all(held), "five from one address are served")
            self.assertIsNone(handshake(server.rtmp_port, "127.0.0.1"),
                              "the sixth from that address is refused")
            held += [handshake(server.rtmp_port, "127.0.0.2") for _ in range(3)]
            self.assertTrue(all(held), "another address still gets in, up to the total")
            self.assertIsNone(handshake(server.rtmp_port, "127.0.0.3"),
                              "past the total, a new address is refused too")
            metrics = parse(fetch(server.http_port)[1])
            self.assertEqual(total(metrics, "courtcast_connections", protocol="rtmp"), 8)
            for reason in ("max_connections", "max_connections_per_address"):
                self.assertEqual(total(metrics, "courtcast_connections_refused_total",
                                       protocol="rtmp", reason=reason), 1, reason)

            held.pop().close()
            again = wait_for(lambda: handshake(server.rtmp_port, "127.0.0.3"), 5,
                             "a closed connection's slot to come back")
            again.close()
            for s in held:
                s.close()

            log = server.log()
            self.assertIn("event=rtmp_connection_refused", log)
            self.assertIn("max_connections_per_address (5)", log)
            self.assertEqual(log.count("event=rtmp_connection_refused"), 1,
                             "one line for the burst; the rest are counted")


if __name__ == "__main__":
    unittest.main()
