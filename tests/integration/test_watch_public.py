"""The watch page's public session JSON: anonymous, cached (ETag, 304,
Cache-Control), only what a viewer may see, and a state that follows air —
upcoming, live, 直播暂停 (paused) under a cut or the standby card, ended."""

import json
import time
import unittest

from court_api_support import logged_in, make_users, planned_session, session_body, username
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live

DESCRIPTION = "凉州区法院执行干警现场执行，以案说法，在线答疑。"


class PublicSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media = test_media("720p", "1280x720")
        cls.server = Server(extra='[watch]\ncourt = "武威市凉州区人民法院"\n')
        cls.server.__enter__()
        cls.procs = []
        make_users(cls.server, ("director",))
        cls.director = logged_in(cls.server, username("director"))
        cls.admin = ApiClient(cls.server, cls.server.token())
        cls.public = ApiClient(cls.server)
        body = session_body()
        body.update({"public_description": DESCRIPTION, "delay_ms": 0,
                     "scheduled_start_ms": int(time.time() * 1000) + 3600_000,
                     "scheduled_end_ms": int(time.time() * 1000) + 4 * 3600_000,
                     "plan": {"route": "凉州区某小区", "host": "孙某",
                              "officers": [{"name": "王某", "role": "judge"}]}})
        cls.session, _ = planned_session(cls.director, cls.admin, body)
        cls.draft = cls.director.ok("POST", "/sessions", session_body())["id"]
        cls.air = f"session-{cls.session}"

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            stop(p)
        cls.server.stop()

    def public_state(self):
        status, body, _ = self.public.call("GET", f"/public/sessions/{self.session}")
        return body["state"] if status == 200 else status

    def test_1_a_draft_is_not_public_and_an_approved_one_is_upcoming(self):
        self.assertEqual(self.public.call("GET", f"/public/sessions/{self.draft}")[0], 404)
        self.assertEqual(self.public.call("GET", f"/public/sessions/{self.session}")[0], 404)
        self.director.ok("POST", f"/sessions/{self.session}/submit")
        self.admin.ok("POST", f"/sessions/{self.session}/approve")
        wait_for(lambda: self.public_state() == "upcoming", 5, "the approved session in public")
        status, body, headers = self.public.call("GET", f"/public/sessions/{self.session}")
        self.assertEqual(status, 200)
        self.assertEqual(body["title"], "直击执行现场")
        self.assertEqual(body["court"], "武威市凉州区人民法院")
        self.assertEqual(body["description"], DESCRIPTION)
        self.assertEqual(body["site"], "武威市凉州区")
        self.assertIsNone(body["play"])
        listed = self.public.ok("GET", "/public/sessions")["sessions"]
        self.assertEqual([s["id"] for s in listed], [self.session])
        # A plain GET a cache may keep for a moment.
        self.assertIn("max-age=", headers["Cache-Control"])
        self.assertIn("public", headers["Cache-Control"])
        self.assertTrue(headers["ETag"].startswith('"'))

    def test_2_an_unchanged_answer_is_304_on_its_etag(self):
        import http.client
        status, _, headers = self.public.call("GET", f"/public/sessions/{self.session}")
        etag = headers["ETag"]
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=5)
        try:
            conn.request("GET", f"/api/v1/public/sessions/{self.session}",
                         headers={"If-None-Match": etag})
            r = conn.getresponse()
            self.assertEqual((r.status, r.read()), (304, b""))
            self.assertEqual(r.headers["ETag"], etag)
            conn.request("GET", f"/api/v1/public/sessions/{self.session}",
                         headers={"If-None-Match": '"something-else"'})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
        finally:
            conn.close()

    def test_3_nothing_private_is_in_the_public_answer(self):
        text = json.dumps(self.public.ok("GET", f"/public/sessions/{self.session}"),
                          ensure_ascii=False)
        for secret in ("王某", "孙某", "凉州区某小区", "cam-a", "cam-b", "key", "officers",
                       "approved_by", "director1", "inputs"):
            self.assertNotIn(secret, text)

    def test_4_live_follows_air_paused_on_card_and_cut(self):
        urls = {i["name"]: i["publish_url"] for i in
                self.director.ok("POST", f"/sessions/{self.session}/publish-urls")["inputs"]}
        self.procs.append(publish(urls["cam-a"], self.media))
        wait_live(self.server, f"{self.air}.cam-a")
        self.director.ok("POST", f"/sessions/{self.session}/start")
        self.director.ok("POST", f"/programs/{self.air}/take", {"input": "cam-a"}, expect=(202,))
        wait_for(lambda: self.public_state() == "live", 10, "live once a camera is on air")
        body = self.public.ok("GET", f"/public/sessions/{self.session}")
        self.assertEqual(body["play"], {"flv": f"/live/{self.air}.flv",
                                        "hls": f"/live/{self.air}/index.m3u8"})
        # The standby card on air is 直播暂停.
        self.director.ok("POST", f"/programs/{self.air}/card", expect=(200, 202))
        wait_for(lambda: self.public_state() == "paused", 10, "paused on the card")
        self.director.ok("POST", f"/programs/{self.air}/take", {"input": "cam-a"}, expect=(202,))
        wait_for(lambda: self.public_state() == "live", 10, "live again on the camera")
        listed = self.public.ok("GET", "/public/sessions")["sessions"]
        self.assertEqual([(s["id"], s["state"]) for s in listed], [(self.session, "live")])
        self.director.ok("POST", f"/programs/{self.air}/cut", {"reason": "未成年人入镜"},
                         expect=(200, 202))
        wait_for(lambda: self.public_state() == "paused", 5, "paused under the cut")
        self.director.ok("POST", f"/programs/{self.air}/resume", expect=(200, 202))
        wait_for(lambda: self.public_state() == "live", 10, "live after resume")

    def test_5_an_ended_session_says_so_and_leaves_the_list(self):
        self.director.ok("POST", f"/sessions/{self.session}/end")
        wait_for(lambda: self.public_state() == "ended", 5, "ended")
        body = self.public.ok("GET", f"/public/sessions/{self.session}")
        self.assertIsNone(body["play"])
        wait_for(lambda: self.public.ok("GET", "/public/sessions")["sessions"] == [], 5,
                 "the ended session off the list")

    def test_6_public_answers_refuse_changes(self):
        status, body, _ = self.admin.call("POST", f"/public/sessions/{self.session}", {})
        self.assertEqual(status, 405)
        status, body, _ = self.public.call("POST", f"/public/sessions/{self.session}", {})
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main()
