"""HTTPS for the console and API ([http] tls_cert, tls_key) with a test
certificate made by openssl here: a console login over HTTPS gets a Secure
cookie and HSTS; plain HTTP redirects the console and API to HTTPS or
refuses them, as configured, while media stays playable on it; HTTP-FLV
over HTTPS plays with FFmpeg."""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

from harness import (ApiClient, Server, initial_admin_password, publish, stop, test_media,
                     wait_for, wait_live)
from test_web_console import raw_request


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    return cert, key


class Https(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="courtcast-tls-")
        cls.cert, cls.key = make_certificate(cls.tmp)
        cls.tls = ssl.create_default_context(cafile=cls.cert)  # verifies the name too

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def server(self, plain=None):
        lines = [f'tls_listen = "127.0.0.1:0"', f'tls_cert = "{self.cert}"',
                 f'tls_key = "{self.key}"']
        if plain:
            lines.append(f'plain = "{plain}"')
        return Server(http="\n".join(lines))

    def test_console_login_over_https_gets_a_secure_cookie_and_hsts(self):
        with self.server() as server:
            self.assertIsNotNone(server.https_port, server.log())
            client = ApiClient(server, tls=self.tls)
            # The banner writes it just after the listeners log their ports.
            wait_for(lambda: os.path.exists(os.path.join(server.dir, "var", "keys",
                                                         "admin-initial-password")), 5,
                     "the first admin's password")
            status, body, headers = client.call(
                "POST", "/login", {"username": "admin", "password": initial_admin_password(server)})
            self.assertEqual(status, 200, body)
            cookie = headers["Set-Cookie"]
            self.assertIn("; Secure", cookie)
            self.assertIn("HttpOnly", cookie)
            self.assertEqual(headers["Strict-Transport-Security"], "max-age=31536000")
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
            client.cookie = cookie.split(";", 1)[0]
            client.csrf = body["csrf_token"]
            status, me, headers = client.call("GET", "/me")
            self.assertEqual((status, me["user"]["name"]), (200, "admin"))
            self.assertEqual(headers["Strict-Transport-Security"], "max-age=31536000")
            # An error over HTTPS carries HSTS too.
            status, _, headers = client.call("GET", "/no-such-thing")
            self.assertEqual(status, 404)
            self.assertEqual(headers["Strict-Transport-Security"], "max-age=31536000")

    def test_a_client_that_does_not_speak_tls_is_dropped_and_the_server_carries_on(self):
        with self.server() as server:
            with socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as s:
                s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
                data = s.recv(4096)
                self.assertNotIn(b"HTTP/1.1 200", data)
            status, _, _ = ApiClient(server, tls=self.tls).call("GET", "/public/sessions")
            self.assertEqual(status, 200)

    def test_plain_http_redirects_the_console_and_api_by_default(self):
        with self.server() as server:
            port = server.http_port
            for target in ("/api/v1/me", "/login?next=%2Fcard", "/"):
                status, headers, body = raw_request(port, target)
                self.assertEqual(status, 308, target)
                self.assertEqual(headers["location"],
                                 f"https://127.0.0.1:{server.https_port}{target}")
                self.assertNotIn("strict-transport-security", headers)
                self.assertEqual(json.loads(body)["error"]["code"], "https_required")
            # A POST is not carried out on plain HTTP.
            status, _, _ = raw_request(port, "/api/v1/login", method="POST",
                                       headers={"Content-Type": "application/json",
                                                "Content-Length": "2"})
            self.assertEqual(status, 308)
            # Public media stays on plain HTTP (caches, players without TLS).
            status, _, _ = raw_request(port, "/live/nobody.flv")
            self.assertEqual(status, 403)

    def test_plain_http_refuses_the_console_and_api_when_told_to(self):
        with self.server(plain="refuse") as server:
            status, headers, body = raw_request(server.http_port, "/api/v1/public/sessions")
            self.assertEqual(status, 403)
            self.assertNotIn("location", headers)
            self.assertEqual(json.loads(body)["error"]["code"], "https_required")
            status, _, _ = raw_request(server.http_port, "/")
            self.assertEqual(status, 403)

    def test_plain_http_serves_everything_when_told_to(self):
        with self.server(plain="serve") as server:
            status, _, _ = raw_request(server.http_port, "/api/v1/public/sessions")
            self.assertEqual(status, 200)

    def test_http_flv_over_https_plays_with_ffmpeg(self):
        media = test_media()
        with self.server(plain="serve") as server:  # the harness watches over plain HTTP
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            try:
                wait_live(server, "cam-a")
                url = f"https://127.0.0.1:{server.https_port}/live/cam-a.flv"
                # FFmpeg checks the certificate against the test CA.
                played = subprocess.run(
                    ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-ca_file",
                     self.cert, "-tls_verify", "1", "-i", url, "-t", "2", "-map", "0:v",
                     "-f", "framemd5", "-"], capture_output=True, timeout=30)
                self.assertEqual(played.returncode, 0, played.stderr.decode(errors="replace"))
                frames = [line for line in played.stdout.decode().splitlines()
                          if line and not line.startswith("#")]
                self.assertGreaterEqual(len(frames), 25, "two seconds of video decoded")
                self.assertEqual(played.stderr.strip(), b"", "decoded clean")
            finally:
                stop(publisher)


if __name__ == "__main__":
    unittest.main()
