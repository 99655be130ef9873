"""Malformed RTMP closes that one connection, with a log line; nothing else moves."""

import os
import struct
import unittest

from harness import (Server, amf_number, amf_string, closed_by_peer, live_stream, read_for,
                     rtmp_handshake, rtmp_message, wait_for)
import socket


class MalformedInput(unittest.TestCase):
    def test_bad_connections_close_alone_and_the_stream_carries_on(self):
        with live_stream() as live:
            server, player = live.server, live.player
            read_for(player, 1.0)

            cases = {}
            # Garbage where chunks should follow the handshake: a type-1
            # header on a chunk stream never opened with a type-0 one.
            s = rtmp_handshake(server.rtmp_port)
            s.sendall(b"\x43" + os.urandom(4096))
            cases["garbage after the handshake"] = (s, "first chunk on a chunk stream is not type 0")

            s = rtmp_handshake(server.rtmp_port)
            s.sendall(rtmp_message(2, 1, 0, struct.pack(">I", 0x7FFFFFFF)))
            cases["absurd chunk size"] = (s, "out of range")

            s = rtmp_handshake(server.rtmp_port)
            connect = amf_string("connect") + amf_number(1) + b"\x03\x00\x03app\x02\x00\x10liv"
            s.sendall(rtmp_message(3, 20, 0, connect))
            cases["truncated AMF"] = (s, "amf0: value truncated")

            s = socket.create_connection(("127.0.0.1", server.rtmp_port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\n\r\n" + bytes(1600))
            cases["not RTMP at all"] = (s, "unsupported version byte")

            for what, (sock, reason) in cases.items():
                self.assertTrue(closed_by_peer(sock), f"{what}: the server closes the connection")
                sock.close()
                wait_for(lambda: reason in server.log(), 5, f"a log line for {what}")

            tags = read_for(player, 2.0)
            span = tags[-1].dts - tags[0].dts
            self.assertGreater(span, 1500, "the player kept receiving at full rate")
            self.assertFalse(player.closed)
            self.assertTrue(server.stream_info("cam-a")["live"], "the publisher is untouched")
            self.assertIsNone(server.proc.poll(), "the server is still running")

    def test_bad_http_request_gets_a_4xx_with_a_message(self):
        with Server() as server:
            s = socket.create_connection(("127.0.0.1", server.http_port), timeout=5)
            s.sendall(b"NOT-HTTP \x00\x01\x02\r\n\r\n")
            reply = s.recv(4096).decode(errors="replace")
            self.assertRegex(reply, r"^HTTP/1\.1 400")
            self.assertIn('"code":"bad_request"', reply)
            s.close()
            status, body = server.control("GET", "/nothing")
            self.assertEqual(status, 404, "an unknown endpoint, asked with credentials")
            self.assertIn("message", body["error"])
            status, body = server.control("POST", "/destinations", None)
            self.assertEqual(status, 400, "a missing body is a bad request")

if __name__ == "__main__":
    unittest.main()
