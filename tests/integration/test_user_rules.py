"""Careless use the users API refuses (finding 13 of issue 10): the last
enabled admin cannot be demoted or disabled, usernames are letters, digits
and '._-' and never read like an audit actor, passwords are more than long,
and no court name or text field takes a control or bidi character."""

import unittest

from court_api_support import PASSWORD, session_body
from harness import ApiClient, Server, initial_admin_password


class UserRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.admin = ApiClient(cls.server, cls.server.token())
        cls.first_admin = next(u for u in cls.admin.ok("GET", "/users")["users"]
                               if u["username"] == "admin")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def refused(self, method, path, body, field, status=400):
        got, out, _ = self.admin.call(method, path, body)
        self.assertEqual(got, status, out)
        if field:
            self.assertTrue(out["error"]["message"].startswith(field + ":"), out)
        return out

    def test_the_first_admin_made_at_start_can_log_in(self):
        status, out = ApiClient(self.server).login("admin", initial_admin_password(self.server))
        self.assertEqual(status, 200, out)

    def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(self):
        first = self.first_admin["id"]
        for change in ({"role": "director"}, {"disabled": True}):
            with self.subTest(change=change):
                out = self.refused("PATCH", f"/users/{first}", change, None, status=409)
                self.assertEqual(out["error"]["code"], "last_admin")
                self.assertIn("last enabled admin", out["error"]["message"])
        self.assertEqual(self.admin.ok("GET", f"/users/{first}")["role"], "admin")
        # With a second admin, the first may step down; the second then may not.
        second = self.admin.ok("POST", "/users", {"username": "deputy", "role": "admin",
                                                  "password": PASSWORD})["id"]
        self.admin.ok("PATCH", f"/users/{first}", {"disabled": True})
        self.refused("PATCH", f"/users/{second}", {"role": "readonly"}, None, status=409)
        self.admin.ok("PATCH", f"/users/{first}", {"disabled": False})
        self.admin.ok("PATCH", f"/users/{second}", {"role": "readonly"})

    def test_usernames_outside_the_safe_set_are_refused(self):
        for name in ("a b", "evil\u202etxt", "nul\u0000x", "c1\u0085x", "ра", "аdmin",
                     "ｆｕｌｌ", "x", "a" * 33, ".dot", "dash-", "api-token", "API_Token",
                     "token:ci", "token-ci", "system", "System", "zero\u200bwidth"):
            with self.subTest(name=name):
                self.refused("POST", "/users", {"username": name, "role": "readonly",
                                                "password": PASSWORD}, "username")
        for name in ("张三", "wang.wei", "li_na-2", "执行局01"):
            with self.subTest(name=name):
                self.admin.ok("POST", "/users", {"username": name, "role": "readonly",
                                                 "password": PASSWORD})

    def test_weak_passwords_are_refused(self):
        for password in ("short", "aaaaaaaaaaaa", "我我我我我我我我我我", "xx-carefuluser-xx",
                         "1234567890", "Password123", "WOAINI1314"):
            with self.subTest(password=password):
                self.refused("POST", "/users", {"username": "carefuluser", "role": "readonly",
                                                "password": password}, "password")
        created = self.admin.ok("POST", "/users", {"username": "carefuluser", "role": "readonly",
                                                   "password": PASSWORD})
        self.refused("PATCH", f"/users/{created['id']}", {"password": "CarefulUser-2024"},
                     "password")

    def test_control_and_bidi_characters_are_refused_in_court_text_fields(self):
        for field, value in (("title", "直击\u202e现场"), ("site", "凉州\u0000区"),
                             ("title", "a\u0085b"), ("site", "x\u2066y")):
            with self.subTest(field=field, value=repr(value)):
                body = session_body()
                body[field] = value
                self.refused("POST", "/sessions", body, field)
        body = session_body()
        body["plan"]["officers"][0]["name"] = "王\u200f某"
        self.refused("POST", "/sessions", body, "plan.officers[0].name")
        body = session_body()
        body["inputs"] = ["cam-a", "cam\u0007b"]
        self.refused("POST", "/sessions", body, "inputs")
        self.refused("POST", "/tokens", {"name": "ci\u202e", "role": "readonly"}, "name")
        # Line breaks stay allowed in text.
        body = session_body()
        body["site"] = "武威市\n凉州区"
        self.admin.ok("POST", "/sessions", body)


if __name__ == "__main__":
    unittest.main()
