"""What the court API stores: it survives a restart, concurrent step marks
all land, bad input is refused with the field, and domain rules answer with
their own code."""

import threading
import unittest

from court_api_support import (MINUTE, T0, campaign_body, case_body, logged_in, make_users,
                               session_body, step_body, username)
from harness import ApiClient, Server


class Persistence(unittest.TestCase):
    def test_data_and_console_logins_survive_a_restart(self):
        server = Server()
        with server:
            make_users(server, ("officer",))
            officer = logged_in(server, username("officer"))
            admin = ApiClient(server, server.token())
            campaign = admin.ok("POST", "/campaigns", campaign_body("重启测试"))
            case = officer.ok("POST", "/cases", case_body(campaign["id"]))
            step = officer.ok("POST", "/steps", step_body(case["id"], "payment_on_spot",
                                                          amount_fen=123_400))
            demo_campaigns = len(admin.ok("GET", "/campaigns")["campaigns"])
        with server:  # the same data_dir and database, a new process
            admin = ApiClient(server, server.token())
            self.assertEqual(admin.ok("GET", f"/campaigns/{campaign['id']}")["name"], "重启测试")
            self.assertEqual(admin.ok("GET", f"/cases/{case['id']}")["recovered_fen"], 123_400)
            self.assertEqual(admin.ok("GET", f"/steps/{step['id']}")["type"], "payment_on_spot")
            # The demo is loaded once and the first admin made once.
            self.assertEqual(len(admin.ok("GET", "/campaigns")["campaigns"]), demo_campaigns)
            self.assertEqual([u["username"] for u in admin.ok("GET", "/users")["users"]],
                             ["admin", username("officer")])
            # Console logins are kept in the store: the old cookie still works.
            officer.port = server.http_port
            self.assertEqual(officer.ok("GET", "/me")["user"]["role"], "officer")
            self.assertEqual(logged_in(server, username("officer")).ok("GET", "/me")["user"]["role"],
                             "officer")
            self.assertTrue(admin.ok("GET", "/audit/verify")["ok"])

    def test_first_start_loads_the_reports_demo(self):
        with Server() as server:
            admin = ApiClient(server, server.token())
            names = [c["name"] for c in admin.ok("GET", "/campaigns")["campaigns"]]
            self.assertEqual(names, ["陇原风暴"])
            stats = admin.ok("GET", "/campaigns/1/stats/2024-08")
            self.assertEqual(stats["sessions_held"], 1)


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        make_users(cls.server, ("officer", "director"))
        make_users(cls.server, ("officer",), suffix="-b")
        cls.admin = ApiClient(cls.server, cls.server.token())
        cls.campaign = cls.admin.ok("POST", "/campaigns", campaign_body("接口测试"))["id"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_two_clients_marking_steps_at_once_lose_nothing(self):
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        clients = [logged_in(self.server, username("officer")),
                   logged_in(self.server, username("officer", "-b"))]
        per_client, errors = 40, []

        def mark(client, offset):
            for i in range(per_client):
                status, out, _ = client.call("POST", "/steps", step_body(
                    case, "payment_on_spot", minute=offset + i, amount_fen=100 + i))
                if status != 201:
                    errors.append((status, out))

        threads = [threading.Thread(target=mark, args=(c, n * 1000)) for n, c in
                   enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        steps = self.admin.ok("GET", f"/steps?case_id={case}")["steps"]
        self.assertEqual(len(steps), 2 * per_client)
        expected = 2 * sum(100 + i for i in range(per_client))
        self.assertEqual(self.admin.ok("GET", f"/cases/{case}")["recovered_fen"], expected)
        entries = self.admin.ok("GET", "/audit?limit=1000")["entries"]
        marks = [e for e in entries if e["action"] == "step.mark"
                 and e["actor"] in (username("officer"), username("officer", "-b"))]
        self.assertEqual(len(marks), 2 * per_client)
        self.assertTrue(self.admin.ok("GET", "/audit/verify")["ok"])

    def test_bad_input_is_400_naming_the_field_and_the_reason(self):
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        bad = [
            ("POST", "/campaigns", {**campaign_body(), "colour": "red"}, "colour: unknown field"),
            ("POST", "/campaigns", {**campaign_body(), "start_ms": "today"},
             "start_ms: must be an integer"),
            ("POST", "/campaigns", {"start_ms": 1, "end_ms": 2}, "name: required"),
            ("POST", "/sessions", {**session_body(), "plan": {"officers": [{"name": "王某",
                                                                            "role": "boss"}]}},
             "plan.officers[0].role: one of"),
            ("POST", "/steps", {**step_body(case), "type": "teleport"}, "type: one of arrival, summon"),
            ("POST", "/steps", {**step_body(case), "witnesses": "procuratorate"},
             "witnesses: must be an array"),
            ("POST", "/cases", {**case_body(), "claimed_fen": -5}, "claimed_fen: must be at least 0"),
            ("POST", f"/cases/{case}/close", {"closure_mode": "finished"}, "closure_mode: one of"),
            ("POST", f"/sessions/1/reject", {}, "reason: required"),
            ("GET", "/steps", None, "query: give exactly one of"),
        ]
        for method, path, body, message in bad:
            with self.subTest(path=path, message=message):
                status, out, _ = self.admin.call(method, path, body)
                self.assertEqual(status, 400, out)
                self.assertEqual(out["error"]["code"], "invalid_field")
                self.assertTrue(out["error"]["message"].startswith(message), out)
        status, out, _ = self.admin.call("POST", "/campaigns", raw=b"[1, 2")
        self.assertEqual((status, out["error"]["code"]), (400, "invalid_json"))
        status, out, _ = self.admin.call("POST", "/cases", {**case_body(), "number": "2024执1号"})
        self.assertEqual((status, out["error"]["code"]), (400, "invalid_case_number"))

    def test_figures_past_their_documented_maximum_are_400(self):
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        session = self.admin.ok("POST", "/sessions", session_body(self.campaign))["id"]
        big = 2 ** 63 - 1
        for method, path, body, message in [
                ("POST", f"/sessions/{session}/audience",
                 {"platform": "抖音", "kind": "watch_count", "count": big},
                 "count: must be at most 1000000000000"),
                ("POST", "/cases", {**case_body(), "claimed_fen": big},
                 "claimed_fen: must be at most"),
                ("POST", "/steps", {**step_body(case), "type": "payment_on_spot",
                                    "amount_fen": big}, "amount_fen: must be at most"),
                ("PATCH", f"/sessions/{session}", {"vehicles": 2 ** 31}, "vehicles: must be at most")]:
            with self.subTest(path=path, message=message):
                status, out, _ = self.admin.call(method, path, body)
                self.assertEqual(status, 400, out)
                self.assertTrue(out["error"]["message"].startswith(message), out)
        self.admin.ok("POST", f"/sessions/{session}/audience",
                      {"platform": "抖音", "kind": "watch_count", "count": 10 ** 12})
        stats = self.admin.ok("GET", f"/campaigns/{self.campaign}/stats")
        self.assertGreaterEqual(stats["total"]["audience"]["watch_count"], 0, stats["total"])

    def test_domain_rules_answer_with_their_code(self):
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        status, out, _ = self.admin.call("POST", "/steps", step_body(
            case, "search", witnesses=[{"name": "赵某", "organisation": "检察院"}]))
        self.assertEqual((status, out["error"]["code"]), (422, "coercive_step_needs_prior_notice"))
        status, out, _ = self.admin.call("POST", "/steps", step_body(case, "payout",
                                                                     amount_fen=1))
        self.assertEqual((status, out["error"]["code"]), (422, "payout_exceeds_recovered"))
        summon = self.admin.ok("POST", "/steps", step_body(
            case, "summon", deadline={"due_ms": T0 + 20 * MINUTE}))
        status, out, _ = self.admin.call("POST", f"/cases/{case}/close",
                                         {"closure_mode": "fully_enforced"})
        self.assertEqual((status, out["error"]["code"]), (409, "case_has_open_deadline"))
        # "open" is a deadline's state, not an outcome an officer records.
        status, out, _ = self.admin.call("POST", f"/steps/{summon['id']}/deadline",
                                         {"outcome": "open"})
        self.assertEqual(status, 400, out)
        self.assertIn("one of met, missed", out["error"]["message"])
        met = self.admin.ok("POST", f"/steps/{summon['id']}/deadline",
                            {"outcome": "met", "at_ms": T0 + 15 * MINUTE})
        self.assertEqual(met["deadline"]["state"], "met")
        # 强制开锁 while the summon's 20 minutes still ran is refused; once the
        # deadline was marked met (the respondent came at minute 15) it is not.
        status, out, _ = self.admin.call("POST", "/steps", step_body(
            case, "forced_unlock", minute=10, witnesses=[{"name": "赵某", "organisation": "检察院"}]))
        self.assertEqual((status, out["error"]["code"]),
                         (422, "coercive_step_before_notice_deadline"), out)
        unlock = self.admin.ok("POST", "/steps", step_body(
            case, "forced_unlock", minute=16, witnesses=[{"name": "赵某", "organisation": "检察院"}],
            recording={"start_ms": T0 + 16 * MINUTE, "end_ms": T0 + 17 * MINUTE,
                       "inputs": ["执法记录仪-1", "执法记录仪-2"]}))
        self.assertEqual(unlock["type"], "forced_unlock")
        status, out, _ = self.admin.call("POST", f"/steps/{summon['id']}/deadline",
                                         {"outcome": "missed"})
        self.assertEqual((status, out["error"]["code"]), (409, "deadline_already_resolved"))
        self.assertEqual(self.admin.call("GET", "/cases/999999")[0], 404)

    def test_numbers_are_written_as_people_read_them(self):
        import urllib.request

        def text(path):
            req = urllib.request.Request(
                f"http://127.0.0.1:{self.server.http_port}/api/v1{path}",
                headers={"Authorization": f"Bearer {self.server.token()}"})
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.read().decode()
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        step = self.admin.ok("POST", "/steps", step_body(case, "arrival"))["id"]
        self.assertIn('"area_m2":0,', text(f"/steps/{step}"))  # was 0E0
        for path in (f"/steps/{step}", f"/campaigns/{self.campaign}/stats"):
            self.assertNotRegex(text(path), r"\d[eE][+-]?\d", path)

    def test_a_session_is_created_with_its_cases_in_one_call(self):
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        body = {**session_body(self.campaign), "case_ids": [case]}
        del body["scheduled_end_ms"]
        body["plan"] = {**body["plan"], "case_order": [case]}
        created = self.admin.ok("POST", "/sessions", body)
        self.assertEqual((created["case_ids"], created["plan"]["case_order"]), ([case], [case]))
        self.assertIsNone(created["scheduled_end_ms"])
        self.assertIsNone(self.admin.ok("GET", f"/sessions/{created['id']}")["scheduled_end_ms"])
        self.assertEqual(self.admin.ok("POST", f"/sessions/{created['id']}/submit")["state"],
                         "submitted")
        status, out, _ = self.admin.call("PATCH", f"/sessions/{created['id']}",
                                         {"case_ids": [case]})
        self.assertEqual((status, out["error"]["code"]), (400, "invalid_field"), out)

    def test_what_was_approved_stays_locked_until_withdrawn_and_approved_again(self):
        director = logged_in(self.server, username("director"))
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        other_case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        body = {**session_body(self.campaign), "case_ids": [case], "destinations": ["douyin"]}
        body["plan"] = {**body["plan"], "case_order": [case]}
        session = director.ok("POST", "/sessions", body)["id"]
        path = f"/sessions/{session}"
        locked = [("plan", {"plan": {"route": "另一条路线"}}),
                  ("plan", {"plan": {"officers": [{"name": "新某", "role": "clerk"}]}}),
                  ("contingency", {"contingency": [{"risk": "下雨", "response": "撑伞"}]}),
                  ("site", {"site": "另一处"}),
                  ("scheduled_start_ms", {"scheduled_start_ms": T0 + MINUTE}),
                  ("scheduled_end_ms", {"scheduled_end_ms": None}),
                  ("inputs", {"inputs": ["cam-a", "cam-b", "cam-c"]}),
                  ("destinations", {"destinations": ["weibo"]})]

        def assert_locked():
            for field, change in locked:
                with self.subTest(field=field, change=change):
                    status, out, _ = director.call("PATCH", path, change)
                    self.assertEqual((status, out["error"]["code"]),
                                     (409, "session_locked_after_submission"), out)
                    self.assertIn(field, out["error"]["message"])
            status, out, _ = director.call("POST", f"{path}/cases", {"case_id": other_case})
            self.assertEqual((status, out["error"]["code"]),
                             (409, "session_locked_after_submission"), out)

        director.ok("POST", f"{path}/submit")
        assert_locked()
        # The same values sent back are no change.
        director.ok("PATCH", path, {"site": body["site"], "inputs": body["inputs"]})
        self.admin.ok("POST", f"{path}/approve")
        assert_locked()
        # Withdrawn to draft, edited, approved again.
        withdrawn = director.ok("POST", f"{path}/withdraw")
        self.assertEqual((withdrawn["state"], withdrawn["approved_by"]), ("draft", ""))
        self.assertEqual(director.ok("PATCH", path, {"site": "别处"})["site"], "别处")
        director.ok("POST", f"{path}/submit")
        status, out, _ = director.call("POST", f"{path}/start")
        self.assertEqual((status, out["error"]["code"]), (409, "session_needs_approval_to_go_live"))
        # Rejected, edited, approved.
        self.admin.ok("POST", f"{path}/reject", {"reason": "路线不清"})
        director.ok("PATCH", path, {"plan": {"route": "清楚的路线"}})
        director.ok("POST", f"{path}/submit")
        self.assertEqual(self.admin.ok("POST", f"{path}/approve")["state"], "approved")
        self.assertEqual(director.ok("POST", f"{path}/start")["state"], "live")
        assert_locked()
        # What the day decides stays open while live.
        day = director.ok("PATCH", path, {"delay_ms": 15000, "vehicles": 3, "questions_answered": 4,
                                          "officers": [{"name": "王某", "role": "judge"}]})
        self.assertEqual((day["delay_ms"], day["vehicles"]), (15000, 3))
        status, out, _ = director.call("POST", f"{path}/withdraw")
        self.assertEqual((status, out["error"]["code"]), (409, "session_transition_not_allowed"))
        director.ok("POST", f"{path}/end")
        actions = [e["action"] for e in self.admin.ok("GET", "/audit?limit=1000")["entries"]]
        self.assertIn("session.withdraw", actions)

    def test_a_session_goes_from_draft_to_ended_with_two_people(self):
        director = logged_in(self.server, username("director"))
        case = self.admin.ok("POST", "/cases", case_body(self.campaign))["id"]
        session = director.ok("POST", "/sessions", session_body(self.campaign))["id"]
        director.ok("POST", f"/sessions/{session}/cases", {"case_id": case})
        director.ok("PATCH", f"/sessions/{session}", {"plan": {"case_order": [case]}})
        status, out, _ = director.call("POST", f"/sessions/{session}/start")
        self.assertEqual((status, out["error"]["code"]), (409, "session_needs_approval_to_go_live"))
        self.assertEqual(director.ok("POST", f"/sessions/{session}/submit")["state"], "submitted")
        approved = self.admin.ok("POST", f"/sessions/{session}/approve")
        self.assertEqual((approved["state"], approved["approved_by"]), ("approved", "api-token"))
        self.assertEqual(director.ok("POST", f"/sessions/{session}/start")["state"], "live")
        director.ok("POST", f"/sessions/{session}/audience",
                    {"platform": "快手", "kind": "watch_count", "count": 5000})
        self.assertEqual(director.ok("POST", f"/sessions/{session}/end")["state"], "ended")
        status, out, _ = director.call("POST", f"/sessions/{session}/end")
        self.assertEqual(status, 409, out)
        stats = director.ok("GET", f"/sessions/{session}/stats")
        self.assertEqual(stats["audience"]["watch_count"], 5000)
        actions = [e["action"] for e in self.admin.ok("GET", "/audit?limit=1000")["entries"]]
        for action in ("session.submit", "session.approve", "session.go_live", "session.end"):
            self.assertIn(action, actions)


if __name__ == "__main__":
    unittest.main()
