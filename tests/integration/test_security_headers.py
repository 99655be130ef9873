"""Every answer carries the security headers, not only the console's pages:
API answers, API errors, malformed requests, HTTP-FLV (refused and played)
and the console's non-page files. A page's own policy stays the console's."""

import os
import shutil
import socket
import tempfile
import unittest

from harness import FlvPlayer, Server, live_stream
from test_web_console import raw_request, server_with_web_dir

NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'; sandbox"


class SecurityHeaders(unittest.TestCase):
    def assert_secured(self, headers, what, policy=NOT_A_PAGE):
        self.assertEqual(headers.get("x-content-type-options"), "nosniff", what)
        self.assertEqual(headers.get("referrer-policy"), "same-origin", what)
        self.assertEqual(headers.get("x-frame-options"), "DENY", what)
        self.assertEqual(headers.get("content-security-policy"), policy, what)

    def test_api_answers_errors_and_media_carry_the_headers(self):
        with Server() as server:
            port = server.http_port
            token = {"Authorization": f"Bearer {server.token()}"}
            cases = [
                ("GET", "/api/v1/public/sessions", {}, 200),
                ("GET", "/api/v1/streams", token, 200),
                ("GET", "/api/v1/users", {}, 401),
                ("GET", "/api/v1/no-such-thing", token, 404),
                ("OPTIONS", "/api/v1/streams", {}, 204),
                ("GET", "/live/nobody.flv", {}, 403),
            ]
            for method, target, headers, want in cases:
                status, got, _ = raw_request(port, target, method=method, headers=headers)
                self.assertEqual(status, want, f"{method} {target}")
                self.assert_secured(got, f"{method} {target}")

            # A request Beast cannot parse is answered 400 with them too.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
                raw = b""
                while chunk := s.recv(65536):
                    raw += chunk
            head = raw.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
            self.assertTrue(head.startswith("http/1.1 400"), head)
            self.assertIn("x-content-type-options: nosniff", head)
            self.assertIn(f"content-security-policy: {NOT_A_PAGE}", head)

    def test_a_played_flv_stream_carries_the_headers(self):
        with live_stream(player=False) as live:
            player = FlvPlayer(live.server.flv_url("cam-a"))
            try:
                head = player.read_headers()
                headers = {}
                for line in head.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                self.assertEqual(player.status, 200)
                self.assertEqual(headers.get("content-type"), "video/x-flv")
                self.assert_secured(headers, "HTTP-FLV")
                video = [t for t in player.tags(lambda t: t.is_keyframe) if t.is_video]
                self.assertTrue(video and video[-1].is_keyframe, "the stream still plays")
            finally:
                player.close()

    def test_console_files_other_than_pages_and_scripts_may_not_run(self):
        web = tempfile.mkdtemp(prefix="courtcast-web-")
        try:
            os.makedirs(os.path.join(web, "assets"))
            files = {"index.html": b"<!doctype html><div id=app></div>",
                     "assets/app-1a.js": b"console.log(1)\n",
                     "assets/logo-2b.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"}
            for rel, body in files.items():
                with open(os.path.join(web, rel), "wb") as f:
                    f.write(body)
            with server_with_web_dir(web) as server:
                port = server.http_port
                status, headers, _ = raw_request(port, "/")
                self.assertEqual(status, 200)
                self.assertIn("script-src 'self'", headers["content-security-policy"])
                self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
                self.assertNotIn("unsafe-inline", headers["content-security-policy"].split(
                    "style-src")[0])
                status, headers, _ = raw_request(port, "/assets/logo-2b.svg")
                self.assertEqual(status, 200)
                self.assert_secured(headers, "an SVG")
                # A script's own policy would bind a worker started from it.
                status, headers, _ = raw_request(port, "/assets/app-1a.js")
                self.assertEqual(status, 200)
                self.assertNotIn("content-security-policy", headers)
                self.assertEqual(headers["x-content-type-options"], "nosniff")
                status, headers, _ = raw_request(port, "/assets/missing-3c.js")
                self.assertEqual(status, 404)
                self.assert_secured(headers, "a missing asset")
        finally:
            shutil.rmtree(web, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
