"""The console's previews play with its login: HTTP-FLV of a live session's
inputs and program takes the session cookie of any logged-in role (the
moderator must see program before it airs), `?token=` still works for
scripts, and without either the previews are refused."""

import socket
import time
import unittest

from court_api_support import (ROLES, approved_session, logged_in, make_users, session_body,
                               username)
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live


def play(port, target, cookie=None, seconds=10):
    """(status, content type, whether a video tag arrived) of an HTTP-FLV play."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as s:
        headers = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1"]
        if cookie:
            headers.append(f"Cookie: {cookie}")
        s.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        buf = b""
        deadline = time.monotonic() + seconds
        while b"\r\n\r\n" not in buf and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        if status != 200:
            return status, fields.get("content-type"), False
        # The FLV header (13 bytes), then tags: look for a video one.
        while time.monotonic() < deadline:
            pos = 13
            while len(body) >= pos + 11:
                if body[pos] & 0x1F == 9:
                    return status, fields.get("content-type"), body[:3] == b"FLV"
                pos += 11 + int.from_bytes(body[pos + 1:pos + 4], "big") + 4
            chunk = s.recv(262144)
            if not chunk:
                break
            body += chunk
        return status, fields.get("content-type"), False


class ConsolePreviews(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = test_media("720p", "1280x720")
        cls.server = Server().__enter__()
        cls.procs = []
        make_users(cls.server, ROLES)
        director = logged_in(cls.server, username("director"))
        admin = ApiClient(cls.server, cls.server.token())
        body = session_body()
        body["delay_ms"] = 0
        session, _ = approved_session(director, admin, body)
        urls = {i["name"]: i["publish_url"]
                for i in director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}
        cls.air = f"session-{session}"
        cls.procs.append(publish(urls["cam-a"], cls.media))
        wait_live(cls.server, f"{cls.air}.cam-a")
        director.ok("POST", f"/sessions/{session}/start")
        wait_for(lambda: cls.server.stream_info(f"{cls.air}.program"), 10, "the session's program")

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            stop(p)
        cls.server.stop()

    def previews(self):
        return (f"/live/{self.air}.program.flv", f"/live/{self.air}.cam-a.flv")

    def test_every_logged_in_role_plays_program_and_inputs_with_its_cookie(self):
        for role in ROLES:
            client = logged_in(self.server, username(role))
            for target in self.previews():
                status, type_, video = play(self.server.http_port, target, client.cookie)
                self.assertEqual((status, type_, video), (200, "video/x-flv", True),
                                 f"{role} {target}")

    def test_previews_are_refused_without_a_login(self):
        for target in self.previews():
            self.assertEqual(play(self.server.http_port, target)[0], 403, target)
            self.assertEqual(play(self.server.http_port, target,
                                  "courtcast_session=" + "0" * 64)[0], 403, target)

    def test_a_logged_out_cookie_no_longer_plays(self):
        client = logged_in(self.server, username("readonly"))
        cookie = client.cookie
        client.ok("POST", "/logout", expect=(204,))
        self.assertEqual(play(self.server.http_port, self.previews()[0], cookie)[0], 403)

    def test_scripts_still_play_with_the_token(self):
        for target in self.previews():
            status, _, video = play(self.server.http_port, f"{target}?token={self.server.token()}")
            self.assertEqual((status, video), (200, True), target)
            self.assertEqual(play(self.server.http_port, f"{target}?token=wrong")[0], 403)

    def test_air_stays_public(self):
        status, _, _ = play(self.server.http_port, f"/live/{self.air}.flv")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
