"""Roles × endpoints: every role is let through or refused as the endpoint
table says, credentials are needed, and cookie-authenticated changes need
the CSRF token."""

import unittest

from court_api_support import (ROLES, T0, campaign_body, case_body, logged_in, make_users,
                               planned_session, session_body, step_body, username)
from harness import ApiClient, Server

ALL = set(ROLES)
A, D, O = "admin", "director", "officer"


def table(f):
    """(method, path, body or body factory, roles allowed). Bodies are valid
    where that matters, so an allowed call passes the gate and does its work
    (or meets a domain rule: 409/422), and a refused one must get 403."""
    return [
        ("GET", "/me", None, ALL),
        ("GET", "/campaigns", None, ALL),
        ("POST", "/campaigns", lambda: campaign_body("新行动"), {A, D}),
        ("GET", f"/campaigns/{f['campaign']}", None, ALL),
        ("PATCH", f"/campaigns/{f['campaign']}", {"target_sessions_per_month": 3}, {A, D}),
        ("GET", f"/campaigns/{f['campaign']}/stats", None, ALL),
        ("GET", f"/campaigns/{f['campaign']}/stats/2024-08", None, ALL),
        ("GET", "/sessions", None, ALL),
        ("POST", "/sessions", lambda: session_body(f["campaign"]), {A, D}),
        ("PATCH", f"/sessions/{f['session']}", {"site": "凉州区某村"}, {A, D}),
        ("POST", f"/sessions/{f['session']}/cases", {"case_id": f["case"]}, {A, D, O}),
        ("POST", f"/sessions/{f['other_session']}/submit", {}, {A, D, O}),
        ("POST", f"/sessions/{f['other_session']}/approve", {}, {A}),
        ("POST", f"/sessions/{f['session']}/reject", {"reason": "预案不全"}, {A}),
        ("POST", f"/sessions/{f['session']}/start", {}, {A, D}),
        ("POST", f"/sessions/{f['session']}/end", {}, {A, D}),
        ("POST", f"/sessions/{f['session']}/audience",
         {"platform": "抖音", "kind": "watch_count", "count": 1000}, {A, D}),
        ("GET", f"/sessions/{f['session']}/stats", None, ALL),
        ("GET", f"/sessions/{f['session']}/steps", None, ALL),
        ("GET", f"/sessions/{f['session']}/broadcast", None, ALL),
        ("POST", f"/sessions/{f['session']}/publish-urls", {}, {A, D}),
        ("GET", "/cases", None, ALL),
        ("POST", "/cases", lambda: case_body(f["campaign"]), {A, O}),
        ("GET", f"/cases/{f['case']}", None, ALL),
        ("PATCH", f"/cases/{f['case']}", {"handler": "刘某"}, {A, O}),
        ("POST", f"/cases/{f['closable_case']}/close",
         {"closure_mode": "fully_enforced", "outcome": "voluntary"}, {A, O}),
        ("GET", f"/steps?case_id={f['case']}", None, ALL),
        ("POST", "/steps", lambda: step_body(f["case"]), {A, O}),
        ("GET", f"/steps/{f['step']}", None, ALL),
        ("PATCH", f"/steps/{f['step']}", {"notes": "已到场"}, {A, O}),
        ("POST", f"/steps/{f['deadline_step']}/deadline", {"outcome": "met", "at_ms": T0 + 15 * 60_000},
         {A, O}),
        ("GET", "/step-types", None, ALL),
        ("GET", "/users", None, {A}),
        ("POST", "/users", lambda: {"username": f"new{next(f['n'])}", "role": "readonly",
                                    "password": "another-long-pass"}, {A}),
        ("PATCH", f"/users/{f['spare_user']}", {"role": "moderator"}, {A}),
        ("GET", "/audit", None, {A}),
        ("GET", "/audit/verify", None, {A}),
        ("GET", "/tokens", None, {A}),
        ("POST", "/tokens", lambda: {"name": f"script{next(f['n'])}", "role": "readonly"}, {A}),
        ("GET", "/destinations", None, ALL),
        # An invalid destination: allowed roles get the 400 of the relay's check.
        ("POST", "/destinations", {"name": "x"}, {A, D}),
    ]


class RolesAndEndpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        admin = ApiClient(cls.server, cls.server.token())
        make_users(cls.server)
        cls.clients = {role: logged_in(cls.server, username(role)) for role in ROLES}
        f = {"n": iter(range(1, 1000))}
        f["campaign"] = admin.ok("POST", "/campaigns", campaign_body())["id"]
        f["case"] = admin.ok("POST", "/cases", case_body(f["campaign"]))["id"]
        f["closable_case"] = admin.ok("POST", "/cases", case_body(f["campaign"]))["id"]
        f["session"] = admin.ok("POST", "/sessions", session_body(f["campaign"]))["id"]
        f["other_session"], _ = planned_session(admin, admin, session_body(f["campaign"]),
                                                f["case"])
        f["step"] = admin.ok("POST", "/steps", step_body(f["case"]))["id"]
        f["deadline_step"] = admin.ok("POST", "/steps", step_body(
            f["case"], "summon", minute=5, deadline={"due_ms": T0 + 25 * 60_000}))["id"]
        f["spare_user"] = admin.ok("POST", "/users", {"username": "spare", "role": "readonly",
                                                      "password": "ample-keeper-77"})["id"]
        cls.f = f
        cls.rows = table(f)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_each_role_is_allowed_or_refused_as_the_endpoint_table_says(self):
        for method, path, body, allowed in self.rows:
            for role in ROLES:
                with self.subTest(role=role, method=method, path=path):
                    status, out, _ = self.clients[role].call(
                        method, path, body() if callable(body) else body)
                    if role in allowed:
                        self.assertNotIn(status, (401, 403), f"{role} refused: {out}")
                        self.assertLess(status, 500, out)
                    else:
                        self.assertEqual(status, 403, f"{role} let through: {out}")
                        self.assertEqual(out["error"]["code"], "forbidden")

    def test_an_id_spelt_another_way_is_refused_as_its_row_says_then_404(self):
        """Every {id} route × every role × each other spelling of an id: a
        role the row refuses gets 403 as for the plain id, a role it allows
        gets 404 — never the handler's answer for the id it would parse."""
        admin = ApiClient(self.server, self.server.token())
        token_id = admin.ok("POST", "/tokens", {"name": "spelling", "role": "readonly"})["id"]
        rows = [r for r in self.rows if any(p.isdigit() for p in r[1].split("?")[0].split("/"))]
        rows += [("GET", f"/users/{self.f['spare_user']}", None, {A}),
                 ("DELETE", f"/tokens/{token_id}", None, {A})]
        clients = dict(self.clients, bootstrap=ApiClient(self.server, self.server.token()))
        for method, path, body, allowed in rows:
            parts = path.split("/")
            at = next(i for i, p in enumerate(parts) if p.isdigit())
            n = parts[at]
            for spelling in (f"0{n}", f"00{n}", f"+{n}", f"%20{n}", f"{n}%20", f"{n}.0", f"{n}e0",
                             "-1", "0", "9" * 19, "18446744073709551617", f"0x{n}"):
                bad = "/".join(parts[:at] + [spelling] + parts[at + 1:])
                for role, client in clients.items():
                    with self.subTest(method=method, path=bad, role=role):
                        status, out, _ = client.call(method, bad,
                                                     body() if callable(body) else body)
                        if role in allowed or role == "bootstrap":
                            self.assertEqual(status, 404, out)
                            self.assertEqual(out["error"]["code"], "not_found")
                        else:
                            self.assertEqual(status, 403, out)
                            self.assertEqual(out["error"]["code"], "forbidden")
        listed = {t["id"]: t for t in admin.ok("GET", "/tokens")["tokens"]}
        self.assertFalse(listed[token_id]["revoked"], "a token was revoked through '+ID'")

    def test_director_cannot_approve_through_a_leading_zero(self):
        admin = ApiClient(self.server, self.server.token())
        director = self.clients["director"]
        session, _ = planned_session(admin, admin, session_body(self.f["campaign"]), self.f["case"])
        submitted = director.ok("POST", f"/sessions/{session}/submit")["state"]
        for action, body in (("approve", {}), ("reject", {"reason": "预案不全"})):
            for spelling in (f"0{session}", f"00{session}"):
                with self.subTest(action=action, spelling=spelling):
                    status, out, _ = director.call("POST", f"/sessions/{spelling}/{action}", body)
                    self.assertEqual(status, 403, out)
                    self.assertEqual(out["error"]["code"], "forbidden")
        self.assertEqual(admin.ok("GET", f"/sessions/{session}")["state"], submitted)
        entries = admin.ok("GET", "/audit?limit=1000")["entries"]
        self.assertFalse([e for e in entries if e["actor"] == username("director")
                          and e["action"] in ("session.approve", "session.reject")])

    def test_a_path_no_row_matches_is_refused_for_every_role(self):
        for role, client in self.clients.items():
            for method, path, want in (("DELETE", f"/campaigns/{self.f['campaign']}", 405),
                                       ("PUT", f"/sessions/{self.f['session']}", 405),
                                       ("POST", "/login/x", 404),
                                       ("GET", "/nothing-here", 404)):
                with self.subTest(role=role, method=method, path=path):
                    status, out, _ = client.call(method, path, {})
                    self.assertEqual(status, want, out)

    def test_bootstrap_token_is_an_admin_everywhere(self):
        token = ApiClient(self.server, self.server.token())
        for method, path, body, _ in self.rows:
            with self.subTest(method=method, path=path):
                status, out, _ = token.call(method, path, body() if callable(body) else body)
                self.assertNotIn(status, (401, 403), out)

    def test_no_credentials_get_401_and_wrong_token_too(self):
        for client in (ApiClient(self.server), ApiClient(self.server, "not-a-token")):
            for method, path, body, _ in self.rows:
                with self.subTest(method=method, path=path, token=client.token):
                    status, out, _ = client.call(method, path, body() if callable(body) else body)
                    self.assertEqual(status, 401, out)

    def test_stream_state_stays_public(self):
        status, out, _ = ApiClient(self.server).call("GET", "/streams")
        self.assertEqual(status, 200, out)

    def test_change_without_csrf_token_is_refused_403(self):
        director = self.clients["director"]
        for token in ("", "0" * 64):
            with self.subTest(csrf=token or "missing"):
                status, out, _ = director.call("POST", "/campaigns", campaign_body("无令牌"),
                                               csrf=token)
                self.assertEqual(status, 403, out)
                self.assertEqual(out["error"]["code"], "csrf_token_invalid")
        status, out, _ = director.call("POST", "/campaigns", campaign_body("有令牌"))
        self.assertEqual(status, 201, out)

    def test_another_sessions_csrf_token_does_not_open_this_one(self):
        officer, admin = self.clients["officer"], self.clients["admin"]
        status, out, _ = officer.call("PATCH", f"/cases/{self.f['case']}", {"handler": "陈某"},
                                      csrf=admin.csrf)
        self.assertEqual(status, 403, out)

    def test_reads_need_no_csrf_token(self):
        status, out, _ = self.clients["readonly"].call("GET", "/campaigns", csrf="")
        self.assertEqual(status, 200, out)

    def test_scripts_token_carries_its_role_and_revoking_ends_it(self):
        admin = ApiClient(self.server, self.server.token())
        created = admin.ok("POST", "/tokens", {"name": "officer-script", "role": "officer"})
        self.assertTrue(created["token"].startswith("cct_"))
        listed = admin.ok("GET", "/tokens")["tokens"]
        self.assertNotIn(created["token"], str(listed), "a token came back after creation")
        script = ApiClient(self.server, created["token"])
        case_id = admin.ok("POST", "/cases", case_body())["id"]
        status, out, _ = script.call("POST", "/steps", step_body(case_id), csrf="")
        self.assertEqual(status, 201, out)
        status, out, _ = script.call("POST", "/campaigns", campaign_body())
        self.assertEqual(status, 403, out)
        admin.ok("DELETE", f"/tokens/{created['id']}")
        status, out, _ = script.call("GET", "/campaigns")
        self.assertEqual(status, 401, out)
        self.assertEqual(out["error"]["code"], "invalid_token")
        actions = [(e["actor"], e["action"]) for e in admin.ok("GET", "/audit?limit=1000")["entries"]]
        self.assertIn(("token:officer-script", "step.mark"), actions)

    def test_every_change_names_its_author_in_the_audit_log(self):
        director = self.clients["director"]
        created = director.ok("POST", "/campaigns", campaign_body("审计测试"))
        entries = ApiClient(self.server, self.server.token()).ok(
            "GET", "/audit?limit=1000")["entries"]
        mine = [e for e in entries if e["action"] == "campaign.create"
                and e["details"].get("campaign_id") == created["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["actor"], username("director"))
        verify = ApiClient(self.server, self.server.token()).ok("GET", "/audit/verify")
        self.assertTrue(verify["ok"], verify)


if __name__ == "__main__":
    unittest.main()
