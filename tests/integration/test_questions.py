"""Viewers' questions end to end over HTTP: asked on the watch page's API
(202 with a receipt, an identity cookie, limits per browser and address),
masked by the pipeline, merged when repeated, moderated with reasons kept,
answered into the public feed and the session's count; a platform bridge's
comments with its token, each message id once; the text as asked only by a
deliberate, audited look."""

import http.client
import json
import os
import tempfile
import time
import unittest

from court_api_support import approved_session, case_body, logged_in, make_users, username
from harness import ApiClient, Server, wait_for

PHONE = "13812345678"
ID_NUMBER = "620102199001011233"


class Viewer:
    """A browser on the watch page: keeps its identity cookie, asks from `source`."""

    def __init__(self, server, source=None):
        self.port = server.http_port
        self.source = source
        self.cookie = None

    def ask(self, session, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                          source_address=(self.source, 0) if self.source else None)
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            conn.request("POST", f"/api/v1/public/sessions/{session}/questions",
                         body=json.dumps(body).encode(), headers=headers)
            r = conn.getresponse()
            text = r.read()
            if r.headers.get("Set-Cookie"):
                self.cookie = r.headers["Set-Cookie"].split(";", 1)[0]
            return r.status, (json.loads(text) if text else None), r.headers
        finally:
            conn.close()


class Questions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The court's list, in a file of its own: a test edits and reloads it.
        fd, cls.words = tempfile.mkstemp(prefix="courtcast-words-", suffix=".txt")
        with os.fdopen(fd, "w") as out, open(os.path.join(os.path.dirname(__file__),
                                                          "qa_words.txt")) as words:
            out.write(words.read())
        cls.server = Server(extra="[watch]\nquestions_per_minute_per_browser = 3\n"
                                  "questions_per_minute_per_address = 6\n"
                                  f'words_file = "{cls.words}"\n')
        cls.server.__enter__()
        make_users(cls.server, ("director", "moderator", "officer", "readonly"))
        cls.director = logged_in(cls.server, username("director"))
        cls.moderator = logged_in(cls.server, username("moderator"))
        cls.officer = logged_in(cls.server, username("officer"))
        cls.readonly = logged_in(cls.server, username("readonly"))
        cls.admin = ApiClient(cls.server, cls.server.token())
        body = case_body()
        body["respondents"] = [{"name": "李建国", "kind": "person"}]
        case = cls.admin.ok("POST", "/cases", body)["id"]
        cls.session, _ = approved_session(cls.director, cls.admin, case=case,
                                          plan={"host": "孙某"})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        os.unlink(cls.words)

    def queue(self, client=None):
        return (client or self.moderator).ok("GET", f"/sessions/{self.session}/questions")[
            "questions"]

    def feed(self):
        return ApiClient(self.server).ok("GET", f"/public/sessions/{self.session}/questions")[
            "questions"]

    def test_1_questions_wait_for_the_broadcast(self):
        status, body, _ = Viewer(self.server).ask(self.session, {"text": "什么时候开始？"})
        self.assertEqual((status, body["error"]["code"]), (409, "session_not_live"))
        self.director.ok("POST", f"/sessions/{self.session}/start")

    def test_2_a_question_is_masked_and_answered_into_the_feed(self):
        viewer = Viewer(self.server)
        status, body, headers = viewer.ask(self.session, {
            "text": f"我的电话+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}，身份证{ID_NUMBER}，被执行人没钱怎么办？",
            "nickname": "凉州网友", "contact": "wx-123"})
        self.assertEqual(status, 202, body)
        self.assertEqual(body["receipt"], f"Q{body['id']}")
        self.assertIn("courtcast_viewer=", headers["Set-Cookie"])
        self.assertIn("HttpOnly", headers["Set-Cookie"])
        qid = body["id"]
        q = {x["id"]: x for x in self.queue()}[qid]
        self.assertEqual(q["state"], "pending")
        # Masked in its shape: the first and last digits stay.
        self.assertIn("138 **** 5678", q["masked_text"])
        self.assertIn("620102********1233", q["masked_text"])
        text = json.dumps(q, ensure_ascii=False)
        for secret in (PHONE, ID_NUMBER, "wx-123"):
            self.assertNotIn(secret, text)
        self.assertTrue(q["findings"])
        self.assertTrue(q["has_contact"])
        # Not public until approved.
        self.assertEqual(self.feed(), [])
        # Answering comes after approval; a rejection needs its reason.
        status, body, _ = self.officer.call("POST", f"/questions/{qid}/answer", {"answer": "x"})
        self.assertEqual(status, 422, body)
        status, body, _ = self.moderator.call("POST", f"/questions/{qid}/reject", {})
        self.assertEqual(status, 400, body)
        # Officers do not moderate; moderators do not answer.
        self.assertEqual(self.officer.call("POST", f"/questions/{qid}/approve")[0], 403)
        self.assertEqual(self.moderator.call("POST", f"/questions/{qid}/answer",
                                             {"answer": "x"})[0], 403)
        self.moderator.ok("POST", f"/questions/{qid}/approve")
        self.moderator.ok("POST", f"/questions/{qid}/to_answer")
        self.moderator.ok("POST", f"/questions/{qid}/pin")
        before = self.director.ok("GET", f"/sessions/{self.session}")["questions_answered"]
        self.officer.ok("POST", f"/questions/{qid}/answer", {"answer": "法院将依法查控其财产。"})
        wait_for(lambda: [x["answer"] for x in self.feed() if x["id"] == qid]
                 == ["法院将依法查控其财产。"], 5, "the answer in the public feed")
        shown = [x for x in self.feed() if x["id"] == qid][0]
        self.assertEqual((shown["state"], shown["pinned"]), ("answered", True))
        feed_text = json.dumps(self.feed(), ensure_ascii=False)
        for secret in (PHONE, ID_NUMBER, "wx-123", "officer1", "moderator1"):
            self.assertNotIn(secret, feed_text)
        self.assertEqual(self.director.ok("GET", f"/sessions/{self.session}")["questions_answered"],
                         before + 1)
        # Every decision with who and why.
        decisions = self.moderator.ok("GET", f"/questions/{qid}/decisions")["decisions"]
        self.assertEqual([d["action"] for d in decisions],
                         ["received", "approve", "to_answer", "pin", "answer"])
        self.assertEqual(decisions[-1]["actor"], "officer1")

    def test_3_the_text_as_asked_is_a_deliberate_audited_look(self):
        qid = Viewer(self.server).ask(self.session, {"text": f"打{PHONE}问问", "contact": "qq-9"})[1]["id"]
        self.assertEqual(self.readonly.call("POST", f"/questions/{qid}/reveal")[0], 403)
        self.assertEqual(self.officer.call("POST", f"/questions/{qid}/reveal")[0], 403)
        revealed = self.moderator.ok("POST", f"/questions/{qid}/reveal")
        self.assertEqual((revealed["text"], revealed["contact"]), (f"打{PHONE}问问", "qq-9"))
        audit = self.admin.ok("GET", "/audit")
        entries = audit.get("entries", audit.get("audit", []))
        self.assertTrue(any(e["action"] == "question.reveal" and e["actor"] == "moderator1"
                            for e in entries), entries[-3:])

    def test_4_repeats_merge_into_one_question_with_a_count(self):
        ids = []
        for i, text in enumerate(["限高怎么解除？", "限高 怎么解除", "限高怎么解除？？"]):
            status, body, _ = Viewer(self.server, f"127.0.0.{20 + i}").ask(self.session,
                                                                          {"text": text})
            self.assertEqual(status, 202, body)
            ids.append(body["id"])
        by_id = {x["id"]: x for x in self.queue()}
        self.assertEqual(by_id[ids[0]]["repeats"], 2)
        self.assertEqual([by_id[i]["state"] for i in ids[1:]], ["merged", "merged"])
        self.assertEqual([by_id[i]["merged_into"] for i in ids[1:]], [ids[0], ids[0]])
        # A merge by hand adds to the count too.
        other = Viewer(self.server, "127.0.0.30").ask(self.session, {"text": "失信被执行人的子女能考公务员吗"})[1]["id"]
        self.moderator.ok("POST", f"/questions/{other}/merge", {"into": ids[0]})
        self.assertEqual({x["id"]: x for x in self.queue()}[ids[0]]["repeats"], 3)

    def test_5_a_listed_word_is_rejected_with_its_reason(self):
        status, body, _ = Viewer(self.server, "127.0.0.40").ask(self.session,
                                                                 {"text": "法官都是垃圾人"})
        self.assertEqual(status, 202)
        q = {x["id"]: x for x in self.queue()}[body["id"]]
        self.assertEqual((q["state"], q["verdict"]), ("rejected", "reject"))
        self.assertIn("垃圾人", q["reason"])

    def test_6_limits_per_browser_and_per_address(self):
        browser = Viewer(self.server, "127.0.0.50")
        codes = [browser.ask(self.session, {"text": f"第{i}个不同的问题关于执行"})[0] for i in range(5)]
        self.assertEqual(codes, [202, 202, 202, 429, 429])
        status, body, headers = browser.ask(self.session, {"text": "再问一个"})
        self.assertEqual(status, 429)
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # New browsers from one address: the address's limit (6) holds.
        codes = [Viewer(self.server, "127.0.0.60").ask(self.session, {"text": f"地址{i}的问题关于执行"})[0]
                 for i in range(8)]
        self.assertEqual(codes.count(202), 6)
        self.assertEqual(codes[-1], 429)

    def test_7_bad_questions_are_refused(self):
        v = Viewer(self.server, "127.0.0.70")
        self.assertEqual(v.ask(self.session, {"text": "问" * 301})[1]["error"]["code"],
                         "text_too_long")
        self.assertEqual(v.ask(self.session, {"text": "  "})[0], 400)
        self.assertEqual(v.ask(self.session, {"text": "问", "extra": 1})[0], 400)
        self.assertEqual(v.ask(999999, {"text": "问"})[0], 404)

    def test_8_the_bridge_needs_its_token_and_skips_seen_messages(self):
        comment = {"platform": "douyin", "message_id": "dy-1", "user": "抖音用户",
                   "text": "拒执罪怎么认定？", "time_ms": int(time.time() * 1000)}
        status, _, _ = ApiClient(self.server).call("POST", f"/sessions/{self.session}/comments",
                                                   comment)
        self.assertEqual(status, 401)
        token = self.admin.ok("POST", "/tokens", {"name": "douyin-bridge", "role": "moderator"})
        bridge = ApiClient(self.server, token["token"])
        self.assertEqual(bridge.ok("POST", f"/sessions/{self.session}/comments", comment,
                                   expect=(202,)),
                         {"accepted": 1, "duplicates": 0, "refused": 0})
        self.assertEqual(bridge.ok("POST", f"/sessions/{self.session}/comments", comment,
                                   expect=(202,)),
                         {"accepted": 0, "duplicates": 1, "refused": 0})
        queued = [x for x in self.queue() if x["source"] == "douyin"]
        self.assertEqual(len(queued), 1)
        self.assertEqual(queued[0]["masked_text"], "拒执罪怎么认定？")
        # A CSV export of a platform's comments, with quoting.
        csv = ('platform,message_id,user,text,time\n'
               'kuaishou,ks-1,快手用户,"借款合同纠纷，怎么申请执行？",1723075200000\n'
               'kuaishou,ks-2,快手用户,"他说""没钱"",怎么办",1723075200000\n'
               'douyin,dy-1,抖音用户,拒执罪怎么认定？,1723075200000\n')
        status, body, _ = bridge.call("POST", f"/sessions/{self.session}/comments/import",
                                      raw=csv.encode())
        self.assertEqual((status, body), (202, {"accepted": 2, "duplicates": 1, "refused": 0}))
        texts = [x["masked_text"] for x in self.queue() if x["source"] == "kuaishou"]
        self.assertIn('他说"没钱",怎么办', texts)

    def test_9_the_sessions_parties_are_masked_but_their_surname(self):
        status, body, _ = Viewer(self.server, "127.0.0.90").ask(
            self.session, {"text": "李建国欠钱不还，法院会怎么处理？"})
        self.assertEqual(status, 202, body)
        q = {x["id"]: x for x in self.queue()}[body["id"]]
        self.assertNotIn("李建国", q["masked_text"])
        self.assertTrue(q["masked_text"].startswith("李"), q["masked_text"])

    def test_95_the_word_list_reloads_and_a_broken_file_keeps_the_old(self):
        with open(self.words, "a") as f:
            f.write("老赖\tabuse\treject\n")
        self.assertEqual(self.officer.call("POST", "/words/reload")[0], 403)
        self.assertEqual(self.moderator.ok("POST", "/words/reload")["words"], 3)
        status, body, _ = Viewer(self.server, "127.0.0.100").ask(self.session, {"text": "这个老赖怎么办"})
        self.assertEqual(status, 202, body)
        self.assertEqual({x["id"]: x for x in self.queue()}[body["id"]]["state"], "rejected")
        with open(self.words, "a") as f:
            f.write("坏行\tabuse\tmaybe\n")
        status, body, _ = self.moderator.call("POST", "/words/reload")
        self.assertEqual((status, body["error"]["code"]), (422, "words_file_invalid"))
        self.assertIn("5", body["error"]["message"])  # the line
        body = Viewer(self.server, "127.0.0.101").ask(self.session, {"text": "又一个老赖问题"})[1]
        self.assertEqual({x["id"]: x for x in self.queue()}[body["id"]]["state"], "rejected")


if __name__ == "__main__":
    unittest.main()
