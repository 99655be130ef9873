"""How credentials may travel: ?token= only where a browser cannot send a
header (the events WebSocket), a cookie on the events WebSocket only from the
console's own origin; and what answers must not give away (library versions,
a Host header's choice of publish host)."""

import http.client
import json
import unittest

from court_api_support import logged_in, make_users, session_body, username
from harness import ApiClient, Server, WebSocketReader


class Credentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        make_users(cls.server, ("director",))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_a_token_in_the_url_is_refused_outside_the_events_socket(self):
        for path in ("/me", "/campaigns", "/users"):
            with self.subTest(path=path):
                status, out, _ = ApiClient(self.server).call(
                    "GET", f"{path}?token={self.server.token()}")
                self.assertEqual(status, 401, out)
                self.assertEqual(out["error"]["code"], "token_in_query_refused")
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        self.assertEqual(events.status, 101)
        events.close()

    def test_the_events_socket_takes_a_cookie_only_from_the_consoles_origin(self):
        director = logged_in(self.server, username("director"))
        host = f"127.0.0.1:{self.server.http_port}"
        for origin, want in ((f"http://{host}", 101), ("http://evil.example", 401), (None, 401)):
            with self.subTest(origin=origin):
                headers = {"Host": host, "Cookie": director.cookie}
                if origin:
                    headers["Origin"] = origin
                events = WebSocketReader(self.server.http_port, "/api/v1/events", headers)
                self.assertEqual(events.status, want, events.head)
                events.close()

    def test_websocket_answers_name_no_library_version(self):
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        self.assertEqual(events.status, 101)
        self.assertNotIn("boost", events.head.lower())
        self.assertIn("Server: courtcast", events.head)
        events.close()

    def test_publish_urls_name_the_configured_host_not_the_requests(self):
        admin = ApiClient(self.server, self.server.token())
        session = admin.ok("POST", "/sessions", session_body())["id"]
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        try:
            conn.request("POST", f"/api/v1/sessions/{session}/publish-urls", body=b"{}",
                         headers={"Host": "evil.example", "Content-Type": "application/json",
                                  "Authorization": f"Bearer {self.server.token()}"})
            r = conn.getresponse()
            out = json.loads(r.read())
        finally:
            conn.close()
        self.assertEqual(r.status, 200, out)
        self.assertNotIn("evil.example", json.dumps(out))
        for i in out["inputs"]:
            self.assertTrue(i["publish_url"].startswith(
                f"rtmp://127.0.0.1:{self.server.rtmp_port}/live/"), i)


class ConfiguredPublicHost(unittest.TestCase):
    def test_public_host_from_the_config_is_the_host_of_publish_urls(self):
        server = Server()
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace("[server]\n", '[server]\npublic_host = "live.court.example"\n', 1))
        with server:
            admin = ApiClient(server, server.token())
            session = admin.ok("POST", "/sessions", session_body())["id"]
            out = admin.ok("POST", f"/sessions/{session}/publish-urls", {})
            for i in out["inputs"]:
                self.assertTrue(i["publish_url"].startswith(
                    f"rtmp://live.court.example:{server.rtmp_port}/live/"), i)


if __name__ == "__main__":
    unittest.main()
