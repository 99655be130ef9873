"""Console login: the session cookie, logout, the first admin, throttling of
failed logins (an IPv6 client counted by its /64), and secrets kept out of
answers and logs."""

import hashlib
import http.client
import json
import os
import sqlite3
import stat
import time
import unittest

from court_api_support import PASSWORD, logged_in, make_users, username
from harness import ApiClient, Server, initial_admin_password


class Login(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        make_users(cls.server, ("director", "readonly", "officer"))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_first_admin_password_is_kept_0600_when_stdout_is_not_a_terminal(self):
        path = os.path.join(self.server.dir, "var", "keys", "admin-initial-password")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        password = initial_admin_password(self.server)
        self.assertNotIn(password, self.server.log())
        client = logged_in(self.server, "admin", password)
        self.assertEqual(client.ok("GET", "/me")["user"]["role"], "admin")

    def test_login_sets_an_httponly_strict_cookie_and_answers_a_csrf_token(self):
        client = ApiClient(self.server)
        status, body, headers = client.call("POST", "/login", {"username": username("director"),
                                                               "password": PASSWORD})
        self.assertEqual(status, 200, body)
        cookie = headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertEqual(len(body["csrf_token"]), 64)
        self.assertEqual(body["user"], {"id": body["user"]["id"], "name": username("director"),
                                        "role": "director"})
        self.assertNotIn(cookie.split(";")[0].split("=")[1], str(body))

    def test_me_tells_who_is_calling_and_how(self):
        client = logged_in(self.server, username("readonly"))
        me = client.ok("GET", "/me")
        self.assertEqual((me["user"]["name"], me["via"]), (username("readonly"), "session"))
        self.assertEqual(me["csrf_token"], client.csrf)
        token_me = ApiClient(self.server, self.server.token()).ok("GET", "/me")
        self.assertEqual((token_me["user"]["role"], token_me["via"]), ("admin", "bootstrap_token"))

    def test_logout_ends_the_session(self):
        client = logged_in(self.server, username("officer"))
        client.ok("POST", "/logout", expect=(204,))
        status, out, _ = client.call("GET", "/me")
        self.assertEqual(status, 401, out)
        self.assertEqual(out["error"]["code"], "session_expired")

    def test_bad_login_bodies_are_400_with_the_field(self):
        client = ApiClient(self.server)
        cases = [({"username": "x"}, "password"), ({"password": "x"}, "username"),
                 ({"username": "x", "password": "y", "remember": True}, "remember"),
                 ({"username": 5, "password": "y"}, "username")]
        for body, field in cases:
            with self.subTest(body=body):
                status, out, _ = client.call("POST", "/login", body)
                self.assertEqual(status, 400, out)
                self.assertTrue(out["error"]["message"].startswith(field + ":"), out)
        status, out, _ = client.call("POST", "/login", raw=b"{not json")
        self.assertEqual((status, out["error"]["code"]), (400, "invalid_json"))

    def test_disabling_a_user_ends_their_session_and_refuses_their_login(self):
        ids = make_users(self.server, ("moderator",), suffix="-leaving")
        client = logged_in(self.server, username("moderator", "-leaving"))
        self.server.control("PATCH", f"/users/{ids['moderator']}", {"disabled": True})
        self.assertEqual(client.call("GET", "/me")[0], 401)
        status, out = ApiClient(self.server).login(username("moderator", "-leaving"), PASSWORD)
        self.assertEqual(status, 401, out)

    def test_passwords_are_never_answered_nor_logged(self):
        status, out = self.server.control("POST", "/users", {
            "username": "secretive", "role": "readonly", "password": "a-very-secret-pass"})
        self.assertEqual(status, 201, out)
        self.assertNotIn("password", str(out))
        users = self.server.control("GET", "/users")[1]
        self.assertNotIn("argon2", str(users))
        client = logged_in(self.server, "secretive", "a-very-secret-pass")
        log = self.server.log()
        for secret in ("a-very-secret-pass", client.csrf, client.cookie.split("=")[1],
                       self.server.token()):
            self.assertNotIn(secret, log)

    def test_weak_or_unknown_fields_in_a_new_user_are_refused(self):
        for body, field in [({"username": "weak", "role": "readonly", "password": "short"},
                             "password"),
                            ({"username": "a b", "role": "readonly", "password": PASSWORD},
                             "username"),
                            ({"username": "rooted", "role": "root", "password": PASSWORD}, "role"),
                            ({"username": "x", "role": "readonly", "password": PASSWORD,
                              "email": "x@y"}, "email")]:
            with self.subTest(field=field):
                status, out = self.server.control("POST", "/users", body)
                self.assertEqual(status, 400, out)
                self.assertTrue(out["error"]["message"].startswith(field + ":"), out)


class Throttling(unittest.TestCase):
    def setUp(self):
        self.server = Server().__enter__()
        make_users(self.server, ("director",))

    def tearDown(self):
        self.server.stop()

    def test_repeated_failures_lock_the_username_with_429_and_retry_after(self):
        client = ApiClient(self.server)
        for _ in range(5):
            status, out = client.login(username("director"), "wrong-password")
            self.assertEqual(status, 401, out)
        status, out, headers = client.call("POST", "/login", {"username": username("director"),
                                                              "password": PASSWORD})
        self.assertEqual(status, 429, out)
        self.assertEqual(out["error"]["code"], "too_many_login_attempts")
        wait = int(headers["Retry-After"])
        self.assertGreaterEqual(wait, 1)
        # Waiting as told is the condition the answer names; then the right password works.
        time.sleep(wait)
        status, out = client.login(username("director"), PASSWORD)
        self.assertEqual(status, 200, out)

    def test_the_wait_doubles_with_each_further_failure(self):
        client = ApiClient(self.server)
        waits = []
        for _ in range(3):
            while True:
                status, out, headers = client.call("POST", "/login", {
                    "username": "nobody-here", "password": "guess"})
                if status == 429:
                    waits.append(int(headers["Retry-After"]))
                    time.sleep(int(headers["Retry-After"]))
                    break
                self.assertEqual(status, 401, out)
        self.assertEqual(waits, [1, 2, 4])

    def test_many_names_from_one_address_lock_the_address(self):
        client = ApiClient(self.server)
        for i in range(20):
            status, out = client.login(f"guess{i}", "guess")
            self.assertEqual(status, 401, out)
        status, out, headers = client.call("POST", "/login", {"username": username("director"),
                                                              "password": PASSWORD})
        self.assertEqual(status, 429, out)
        self.assertIn("Retry-After", headers)

    def test_a_strangers_failures_do_not_lock_the_user_out_from_another_address(self):
        stranger = ApiClient(self.server, source="127.0.0.2")
        statuses = [stranger.login(username("director"), "wrong-password")[0] for _ in range(12)]
        self.assertEqual(statuses[-1], 429, statuses)
        status, out = ApiClient(self.server, source="127.0.0.3").login(username("director"),
                                                                       PASSWORD)
        self.assertEqual(status, 200, out)
        # The stranger's address stays locked out of the account, right password or not.
        status, out = stranger.login(username("director"), PASSWORD)
        self.assertEqual(status, 429, out)

    def test_a_locked_username_does_not_lock_another(self):
        client = ApiClient(self.server)
        for _ in range(5):
            client.login("someone-else", "wrong")
        status, out = client.login(username("director"), PASSWORD)
        self.assertEqual(status, 200, out)


class LoginsAcrossARestart(unittest.TestCase):
    """Logins are kept in the database: a restart in the middle of a broadcast
    does not send the director back to the login page."""

    def restart(self, server):
        server.stop()
        server.__enter__()

    def again(self, server, client):
        """The same browser (cookie and CSRF token) against the restarted server."""
        out = ApiClient(server)
        out.cookie, out.csrf = client.cookie, client.csrf
        return out

    def test_a_login_outlives_a_restart_and_logout_still_ends_it(self):
        with Server() as server:
            make_users(server, ("director",))
            before = logged_in(server, username("director"))
            self.restart(server)
            client = self.again(server, before)
            me = client.ok("GET", "/me")
            self.assertEqual((me["user"]["name"], me["via"]), (username("director"), "session"))
            self.assertEqual(me["csrf_token"], before.csrf)
            # A change still needs the same CSRF token.
            self.assertEqual(client.call("POST", "/logout", csrf="0" * 64)[0], 403)
            client.ok("POST", "/logout", expect=(204,))
            self.restart(server)
            status, out, _ = self.again(server, before).call("GET", "/me")
            self.assertEqual((status, out["error"]["code"]), (401, "session_expired"))

    def test_disabling_a_user_ends_their_kept_sessions(self):
        with Server() as server:
            ids = make_users(server, ("moderator",))
            before = logged_in(server, username("moderator"))
            server.control("PATCH", f"/users/{ids['moderator']}", {"disabled": True})
            self.restart(server)
            self.assertEqual(self.again(server, before).call("GET", "/me")[0], 401)

    def test_the_database_keeps_the_hash_of_the_cookie_never_the_cookie(self):
        with Server() as server:
            make_users(server, ("readonly",))
            client = logged_in(server, username("readonly"))
            cookie = client.cookie.split("=", 1)[1]
            server.stop()
            db = sqlite3.connect(os.path.join(server.dir, "var", "courtcast.db"))
            rows = db.execute("SELECT id_hash, csrf_token FROM login_sessions").fetchall()
            db.close()
            self.assertEqual(rows, [(hashlib.sha256(cookie.encode()).hexdigest(), client.csrf)])
            for name in os.listdir(os.path.join(server.dir, "var")):
                path = os.path.join(server.dir, "var", name)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        self.assertNotIn(cookie.encode(), f.read(), name)


def login_forwarded_for(server, forwarded, name, password):
    """The status of a login through a trusted proxy (the test, on
    127.0.0.1) for a client at `forwarded`."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        conn.request("POST", "/api/v1/login",
                     body=json.dumps({"username": name, "password": password}).encode(),
                     headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


class LoginLockoutOverIpv6(unittest.TestCase):
    def test_a_guesser_changing_addresses_within_its_64_stays_locked_out(self):
        with Server(http='trusted_proxies = ["127.0.0.1"]') as server:
            make_users(server, ("director",))
            name = username("director")
            # Five failures are free for a name from one address; each guess
            # here comes from a new address of the same /64. (Guesses go on
            # past the sixth only if a slow machine let a lock run out.)
            statuses = []
            for i in range(10):
                statuses.append(login_forwarded_for(server, f"2001:db8:40:1::{i + 1:x}", name,
                                                    "wrong"))
                if statuses[-1] == 429:
                    break
            self.assertEqual(statuses[:5], [401] * 5)
            self.assertEqual(statuses[-1], 429, statuses)
            self.assertEqual(login_forwarded_for(server, "2001:db8:40:1:ffff::9", name, PASSWORD),
                             429, "that /64 is locked out of the account, right password or not")
            self.assertEqual(login_forwarded_for(server, "2001:db8:40:2::1", name, PASSWORD), 200,
                             "another /64 is not")


if __name__ == "__main__":
    unittest.main()
