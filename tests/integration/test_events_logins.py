"""An events WebSocket lives only as long as the login it was opened with: a
revoked token, a logout, a disabled user or a changed role closes it within a
second, and only it. Cookie logins come from the console's own origin or one
the config allows ([http] allowed_origins)."""

import unittest

from court_api_support import logged_in, make_users, username
from harness import ApiClient, Server, WebSocketReader

CLOSE_WITHIN_S = 1.0


class EventSocketsFollowTheirLogin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.ids = make_users(cls.server, ("director", "officer", "readonly"))
        cls.admin = ApiClient(cls.server, cls.server.token())

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def bootstrap_socket(self):
        events = WebSocketReader(self.server.http_port,
                                 f"/api/v1/events?token={self.server.token()}")
        self.assertEqual(events.status, 101, events.head)
        return events

    def cookie_socket(self, client):
        host = f"127.0.0.1:{self.server.http_port}"
        events = WebSocketReader(self.server.http_port, "/api/v1/events",
                                 {"Host": host, "Origin": f"http://{host}", "Cookie": client.cookie})
        self.assertEqual(events.status, 101, events.head)
        return events

    def assert_still_open(self, events):
        """The bystander still receives events after the other login ended."""
        self.admin.ok("DELETE", "/card")
        while True:
            text = events.next_text(timeout=5)
            if '"card"' in text:
                break
        events.close()

    def test_a_message_past_4_kib_closes_only_that_socket(self):
        # The console sends nothing; a small message is read and dropped, a
        # big one is not buffered (Beast would take up to 16 MB) but closes.
        talker, bystander = self.bootstrap_socket(), self.bootstrap_socket()
        talker.send_text(b"ping" * 25)
        self.assertIsNone(talker.wait_closed(0.5), "a 100-byte message closed the socket")
        try:
            talker.send_text(b"x" * (1 << 20))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while the megabyte was still going out
        self.assertIsNotNone(talker.wait_closed(CLOSE_WITHIN_S), "a 1 MiB message was taken")
        talker.close()
        self.assert_still_open(bystander)

    def test_a_revoked_tokens_socket_is_closed_within_a_second(self):
        token = self.admin.ok("POST", "/tokens", {"name": "dashboard", "role": "readonly"})
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={token['token']}")
        self.assertEqual(events.status, 101, events.head)
        bystander = self.bootstrap_socket()
        self.admin.ok("DELETE", f"/tokens/{token['id']}")
        closed = events.wait_closed(CLOSE_WITHIN_S)
        self.assertIsNotNone(closed, "the revoked token's socket stayed open")
        events.close()
        self.assert_still_open(bystander)
        again = WebSocketReader(self.server.http_port, f"/api/v1/events?token={token['token']}")
        self.assertEqual(again.status, 401)
        again.close()

    def test_logging_out_closes_that_sessions_socket_not_the_users_other_console(self):
        first = logged_in(self.server, username("officer"))
        second = logged_in(self.server, username("officer"))
        events, other = self.cookie_socket(first), self.cookie_socket(second)
        status, out, _ = first.call("POST", "/logout")
        self.assertEqual(status, 204, out)
        self.assertIsNotNone(events.wait_closed(CLOSE_WITHIN_S), "the socket outlived the logout")
        events.close()
        self.assert_still_open(other)

    def test_disabling_a_user_closes_their_sockets(self):
        director = logged_in(self.server, username("director"))
        events = self.cookie_socket(director)
        bystander = self.bootstrap_socket()
        self.admin.ok("PATCH", f"/users/{self.ids['director']}", {"disabled": True})
        self.assertIsNotNone(events.wait_closed(CLOSE_WITHIN_S),
                             "the disabled user's socket stayed open")
        events.close()
        self.assert_still_open(bystander)

    def test_changing_a_users_role_closes_their_sockets(self):
        reader = logged_in(self.server, username("readonly"))
        events = self.cookie_socket(reader)
        self.admin.ok("PATCH", f"/users/{self.ids['readonly']}", {"role": "officer"})
        self.assertIsNotNone(events.wait_closed(CLOSE_WITHIN_S),
                             "the socket kept the old role's login")
        events.close()


class AllowedOrigins(unittest.TestCase):
    def test_a_configured_origin_may_open_the_socket_with_a_cookie(self):
        server = Server(http='allowed_origins = ["https://console.court.example"]')
        with server:
            make_users(server, ("director",))
            director = logged_in(server, username("director"))
            host = f"127.0.0.1:{server.http_port}"
            for origin, want in (("https://console.court.example", 101), (f"http://{host}", 101),
                                 ("https://evil.example", 401), ("http://console.court.example", 401)):
                with self.subTest(origin=origin):
                    events = WebSocketReader(server.http_port, "/api/v1/events",
                                             {"Host": host, "Origin": origin, "Cookie": director.cookie})
                    self.assertEqual(events.status, want, events.head)
                    events.close()

    def test_an_origin_with_a_path_is_refused_at_start(self):
        server = Server(http='allowed_origins = ["https://console.example/app"]')
        import subprocess
        from harness import BIN
        out = subprocess.run([BIN, "check-config", server.config], capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("allowed_origins", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
