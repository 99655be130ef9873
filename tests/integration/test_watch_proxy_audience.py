"""The watch page behind a reverse proxy and across a restart: the limit
per address counts X-Forwarded-For only from a peer listed in [http]
trusted_proxies, and then only its rightmost address that is not a listed
proxy (what a client wrote to the left of it is ignored); a spoofed header
from anyone else changes nothing. The session's unique viewers are kept in
the store, so a restart neither forgets nor double-counts them. An IPv6
viewer counts by its /64."""

import http.client
import json
import secrets
import unittest

from court_api_support import case_body, logged_in, make_users, session_body, username
from harness import ApiClient, Server

LIMITS = ("[watch]\nquestions_per_minute_per_browser = 100\n"
          "questions_per_minute_per_address = 2\n")


def ask(server, session, source, forwarded=None):
    """One question from a new browser (no cookie); the status."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10,
                                      source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    try:
        conn.request("POST", f"/api/v1/public/sessions/{session}/questions",
                     body=json.dumps({"text": f"问题{secrets.token_hex(4)}关于执行"}).encode(),
                     headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def live_session(server):
    """A session a director submitted, an admin approved and the director started."""
    make_users(server, ("director",))
    director = logged_in(server, username("director"))
    admin = ApiClient(server, server.token())
    session = director.ok("POST", "/sessions", session_body())["id"]
    case = admin.ok("POST", "/cases", case_body())["id"]
    director.ok("POST", f"/sessions/{session}/cases", {"case_id": case})
    director.ok("PATCH", f"/sessions/{session}", {"plan": {"case_order": [case], "host": "孙某"}})
    director.ok("POST", f"/sessions/{session}/submit")
    admin.ok("POST", f"/sessions/{session}/approve")
    director.ok("POST", f"/sessions/{session}/start")
    return session


class WithoutTrustedProxies(unittest.TestCase):
    def test_a_spoofed_forwarded_for_is_ignored(self):
        with Server(extra=LIMITS) as server:
            session = live_session(server)
            codes = [ask(server, session, "127.0.0.70", f"198.51.100.{i}") for i in range(4)]
            self.assertEqual(codes, [202, 202, 429, 429])


class BehindATrustedProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra=LIMITS, http='trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]')
        cls.server.__enter__()
        try:
            cls.session = live_session(cls.server)
        except BaseException:
            cls.server.stop()  # tearDownClass does not run after a failed setUpClass
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_1_each_viewer_behind_the_proxy_has_its_own_limit(self):
        codes = [ask(self.server, self.session, "127.0.0.1", f"198.51.100.{i}") for i in range(4)]
        self.assertEqual(codes, [202] * 4)

    def test_2_the_rightmost_untrusted_address_counts_not_what_the_client_wrote(self):
        # The client prepends a new made-up address each time; the proxies
        # (10.1.2.3, then 127.0.0.1 as the peer) saw 203.0.113.7 every time.
        codes = [ask(self.server, self.session, "127.0.0.1", f"192.0.2.{i}, 203.0.113.7, 10.1.2.3")
                 for i in range(4)]
        self.assertEqual(codes, [202, 202, 429, 429])

    def test_3_a_peer_that_is_not_a_listed_proxy_is_counted_itself(self):
        codes = [ask(self.server, self.session, "127.0.0.80", f"198.51.100.{100 + i}")
                 for i in range(4)]
        self.assertEqual(codes, [202, 202, 429, 429])


    def test_4_an_ipv6_viewer_counts_by_its_64_block(self):
        # A phone may take any address of its /64 (privacy addresses): new
        # addresses in it are the same viewer; another /64 is another one.
        codes = [ask(self.server, self.session, "127.0.0.1", f"2001:db8:5:6::{i:x}")
                 for i in range(1, 5)]
        self.assertEqual(codes, [202, 202, 429, 429])
        self.assertEqual(ask(self.server, self.session, "127.0.0.1", "2001:db8:5:7::1"), 202)


class UniqueViewersAcrossARestart(unittest.TestCase):
    def test_a_restart_keeps_the_unique_viewers_and_counts_each_once(self):
        server = Server().__enter__()
        try:
            session = live_session(server)
            cookies = [secrets.token_hex(16) for _ in range(3)]

            def view(cookie):
                conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
                try:
                    conn.request("POST", f"/api/v1/public/sessions/{session}/views",
                                 headers={"Cookie": f"courtcast_viewer={cookie}"})
                    r = conn.getresponse()
                    r.read()
                    self.assertEqual(r.status, 204)
                finally:
                    conn.close()

            def unique():
                admin = ApiClient(server, server.token())
                return admin.ok("GET", f"/sessions/{session}/questions")["audience"]["unique"]

            for c in cookies + cookies[:1]:  # a reload counts once
                view(c)
            self.assertEqual(unique(), 3)
            server.stop()
            server.__enter__()
            self.assertEqual(unique(), 3)
            view(cookies[1])  # seen before the restart
            self.assertEqual(unique(), 3)
            view(secrets.token_hex(16))
            self.assertEqual(unique(), 4)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
