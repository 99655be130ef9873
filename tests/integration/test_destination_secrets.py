"""A secret in a destination's server URL (a query token) is masked like the
stream key in every answer and event; user:password@, which RTMP cannot
carry, is refused with a message that says so."""

import json
import unittest

from harness import ApiClient, Server, WebSocketReader


class DestinationSecrets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.admin = ApiClient(cls.server, cls.server.token())

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_a_query_secret_in_server_url_is_masked_in_answers_and_events(self):
        events = WebSocketReader(self.server.http_port,
                                 f"/api/v1/events?token={self.server.token()}")
        self.assertEqual(events.status, 101)
        try:
            created = self.admin.ok("POST", "/destinations", {
                "name": "平台", "stream": "cam-a",
                "server_url": "rtmp://127.0.0.1:9/live?auth=QUERYSECRET1&sign",
                "stream_key": "KEYSECRET2"})
            answers = [json.dumps(created), json.dumps(self.admin.ok("GET", "/destinations")),
                       json.dumps(self.admin.ok("GET", f"/destinations/{created['id']}"))]
            self.assertIn("auth=****", created["url"])
            text = events.next_text()
            while '"destination"' not in text:
                text = events.next_text()
            for out in answers + [text]:
                self.assertNotIn("QUERYSECRET1", out)
                self.assertNotIn("sign", out.replace('"stream_key_set"', ""))
                self.assertNotIn("KEYSECRET2", out)
        finally:
            events.close()
            self.admin.call("DELETE", f"/destinations/{created['id']}")

    def test_user_and_password_in_the_url_are_refused_with_a_clear_message(self):
        for body in ({"name": "a", "stream": "cam-a", "url": "rtmp://u:PASSWORD3@127.0.0.1/live/k"},
                     {"name": "b", "stream": "cam-a", "server_url": "rtmp://u:PASSWORD3@127.0.0.1/live",
                      "stream_key": "k"}):
            with self.subTest(body=body):
                status, out, _ = self.admin.call("POST", "/destinations", body)
                self.assertEqual(status, 400, out)
                self.assertIn("user:password@", out["error"]["message"])
                self.assertNotIn("PASSWORD3", json.dumps(out))


if __name__ == "__main__":
    unittest.main()
