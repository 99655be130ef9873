"""RTMP admission: until a publish or play is accepted a connection may make the
server hold little."""

import os
import socket
import struct
import unittest

from harness import (FlvPlayer, Server, closed_by_peer, publish, read_for,
                     rtmp_chunks, stop, test_media, wait_live)

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
        media = test_media()
        with Server() as server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            try:
                wait_live(server, "cam-a")
                player = FlvPlayer(server.flv_url("cam-a"))
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
                player.close()
            finally:
                stop(publisher)


if __name__ == "__main__":
    unittest.main()
