"""Exports as records: ids never reused across restarts, clips never
overwritten, downloads with the case number in their name, bounded work
(no thread per export, 429 past the limits), clips expiring apart from the
evidence; and a session's recordings listed and verified from disk."""

import datetime
import hashlib
import http.client
import json
import os
import threading
import time
import unittest
import urllib.parse

from court_api_support import approved_session, case_body, logged_in, make_users, username
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live


def iso(ms):
    return datetime.datetime.fromtimestamp(
        ms / 1000, datetime.timezone(datetime.timedelta(hours=8))).isoformat()


def download(server, path, token=None):
    """(status, headers, body bytes) of a GET under /api/v1."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    try:
        conn.request("GET", "/api/v1" + path,
                     headers={"Authorization": f"Bearer {token or server.token()}"})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


def thread_count(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def recorded_segments(server, session, stream):
    folder = os.path.join(server.dir, "var", "recordings", session, stream)
    if not os.path.isdir(folder):
        return []
    return sorted(f for f in os.listdir(folder) if f.endswith(".flv"))


class ExportRecords(unittest.TestCase):
    def setUp(self):
        self.media = test_media()
        self.server = Server(extra="[record]\nsegment_seconds = 2\nexport_concurrency = 3\n"
                                   "export_per_user = 2\nexport_max_seconds = 60\n").__enter__()
        self.pub = publish(self.server.rtmp_url("cam-a", "key=test-key-a1"), self.media)
        wait_live(self.server, "cam-a")
        self.started_ms = int(time.time() * 1000)
        wait_for(lambda: len(recorded_segments(self.server, "unscheduled", "cam-a")) >= 3, 20,
                 "three closed segments")

    def tearDown(self):
        stop(self.pub)
        self.server.stop()

    def export(self, from_ms, to_ms, expect=202):
        status, job = self.server.control("POST", "/recordings/unscheduled/cam-a/exports",
                                          {"from": iso(from_ms), "to": iso(to_ms)})
        self.assertEqual(status, expect, job)
        return job

    def finished(self, job_id):
        return wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
            self.server.control("GET", f"/recordings/unscheduled/cam-a/exports/{job_id}")[1]),
            30, f"{job_id} to finish")

    def assert_no_server_path(self, answer):
        self.assertNotIn(self.server.dir, json.dumps(answer, ensure_ascii=False))

    def test_a_restart_between_two_exports_keeps_both_clips_and_never_reuses_an_id(self):
        first = self.export(self.started_ms + 500, self.started_ms + 3500)
        done = self.finished(first["id"])
        self.assertEqual(done["state"], "done", done)
        self.assert_no_server_path(done)
        status, headers, clip1 = download(self.server, done["clip_url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertIn("attachment; filename=", headers["Content-Disposition"])
        self.assertIn("cam-a", headers["Content-Disposition"])
        self.assertEqual(hashlib.sha256(clip1).hexdigest(), done["parts"][0]["sha256"])
        status, headers, side = download(self.server, done["sidecar"]["url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        sidecar = json.loads(side)
        self.assertEqual(sidecar["parts"][0]["sha256"], done["parts"][0]["sha256"])
        self.assertNotIn(self.server.dir, side.decode())
        exports = os.path.join(self.server.dir, "var", "exports")
        self.assertEqual(os.stat(exports).st_mode & 0o777, 0o700)

        stop(self.pub)
        self.server.stop()
        self.server.__enter__()  # the same data_dir and database, a new process
        second = self.export(self.started_ms + 500, self.started_ms + 3500)
        self.assertNotEqual(second["id"], first["id"])
        done2 = self.finished(second["id"])
        self.assertEqual(done2["state"], "done", done2)
        again = self.server.control("GET", f"/recordings/unscheduled/cam-a/exports/{first['id']}")[1]
        self.assertEqual(again["state"], "done")
        status, _, clip1_again = download(self.server, done["clip_url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        self.assertEqual(clip1_again, clip1, "the first clip is unchanged")
        status, _, clip2 = download(self.server, done2["clip_url"][len("/api/v1"):])
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(clip2).hexdigest(), done2["parts"][0]["sha256"])
        listed = self.server.control("GET", "/recordings/unscheduled/cam-a/exports")[1]["exports"]
        self.assertEqual([e["id"] for e in listed], [first["id"], second["id"]])
        # Downloads are audited.
        admin = ApiClient(self.server, self.server.token())
        entries = admin.ok("GET", "/audit?limit=1000")["entries"]
        self.assertIn("recording.export.download", [e["action"] for e in entries])

    def test_twenty_exports_at_once_are_bounded_and_leave_no_thread_behind(self):
        pid = self.server.proc.pid
        before = thread_count(pid)
        answers = []
        lock = threading.Lock()

        def ask():
            started = time.monotonic()
            status, body = self.server.control(
                "POST", "/recordings/unscheduled/cam-a/exports",
                {"from": iso(self.started_ms + 500), "to": iso(self.started_ms + 3500)})
            with lock:
                answers.append((status, body, time.monotonic() - started))

        askers = [threading.Thread(target=ask) for _ in range(20)]
        for t in askers:
            t.start()
        for t in askers:
            t.join(30)
        self.assertEqual(len(answers), 20)
        statuses = [s for s, _, _ in answers]
        self.assertTrue(set(statuses) <= {202, 429}, statuses)
        self.assertIn(429, statuses)
        self.assertIn(202, statuses)
        for status, body, took in answers:
            self.assertLess(took, 5, "answered at once, not queued")
            if status == 429:
                self.assertEqual(body["error"]["code"], "export_busy")
                self.assertIn("export_per_user", body["error"]["message"])
        for status, body, _ in answers:
            if status == 202:
                self.assertEqual(self.finished(body["id"])["state"], "done")
        self.assertEqual(thread_count(pid), before, "no thread left behind")
        # A clip longer than the configured maximum is refused.
        status, body = self.server.control(
            "POST", "/recordings/unscheduled/cam-a/exports",
            {"from": iso(self.started_ms), "to": iso(self.started_ms + 61_000)})
        self.assertEqual((status, body["error"]["code"]), (400, "clip_too_long"))

    def test_clips_expire_after_their_retention_and_the_evidence_stays(self):
        job = self.export(self.started_ms + 500, self.started_ms + 3500)
        done = self.finished(job["id"])
        self.assertEqual(done["state"], "done")
        stop(self.pub)
        segments = recorded_segments(self.server, "unscheduled", "cam-a")
        self.server.stop()
        with open(self.server.config, "a") as f:
            f.write("export_retention_days = 0.00001\n")  # under a second
        time.sleep(1)  # lets the clip grow older than that retention
        self.server.__enter__()
        expired = self.server.control("GET", f"/recordings/unscheduled/cam-a/exports/{job['id']}")[1]
        self.assertEqual(expired["state"], "expired")
        self.assertIsNotNone(expired["expired_ms"])
        status, _, body = download(self.server, done["clip_url"][len("/api/v1"):])
        self.assertEqual(status, 410)
        self.assertEqual(json.loads(body)["error"]["code"], "export_expired")
        self.assertEqual(os.listdir(os.path.join(self.server.dir, "var", "exports")), [])
        self.assertEqual(recorded_segments(self.server, "unscheduled", "cam-a")[:len(segments)],
                         segments, "the evidence is untouched")


class SessionRecordings(unittest.TestCase):
    def test_a_sessions_recordings_are_listed_from_disk_after_a_restart_and_verified(self):
        media = test_media()
        server = Server(extra="[record]\nsegment_seconds = 2\n").__enter__()
        pub = None
        try:
            make_users(server, ("director", "officer", "readonly"))
            director = logged_in(server, username("director"))
            officer = logged_in(server, username("officer"))
            reader = logged_in(server, username("readonly"))
            admin = ApiClient(server, server.token())
            case = admin.ok("POST", "/cases", case_body())
            session, _ = approved_session(director, admin, case=case["id"])
            urls = {i["name"]: i["publish_url"]
                    for i in director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}
            pub = publish(urls["cam-a"], media)
            stream = f"session-{session}.cam-a"
            wait_live(server, stream)
            started_ms = int(time.time() * 1000)
            wait_for(lambda: len(recorded_segments(server, str(session), stream)) >= 2, 20,
                     "two closed segments")
            listed = reader.ok("GET", f"/sessions/{session}/recordings")["recordings"]
            rec = next(r for r in listed if r["stream"] == stream)
            self.assertTrue(rec["recording"])
            self.assertTrue(rec["open_segment"])
            self.assertGreaterEqual(rec["segments"], 2)
            on_disk = sum(os.path.getsize(os.path.join(server.dir, "var", "recordings",
                                                       str(session), stream, f))
                          for f in os.listdir(os.path.join(server.dir, "var", "recordings",
                                                           str(session), stream))
                          if ".flv" in f)
            self.assertGreater(rec["bytes_on_disk"], 0)
            self.assertLessEqual(abs(rec["bytes_on_disk"] - on_disk), 4 << 20)
            # The recorder's own count includes the open segment too.
            status, recorders = server.control("GET", "/recordings")
            mine = next(r for r in recorders["recordings"] if r["stream"] == stream)
            self.assertGreater(mine["open_segment_bytes"], 0)
            self.assertGreaterEqual(mine["bytes_written"], mine["open_segment_bytes"])

            # An export for the session's case carries its number in the file name.
            status, job, _ = officer.call("POST", f"/recordings/{session}/{stream}/exports",
                                          {"from": iso(started_ms), "to": iso(started_ms + 2000)})
            self.assertEqual(status, 202, job)
            done = wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
                officer.ok("GET", f"/recordings/{session}/{stream}/exports/{job['id']}")), 30,
                "the export")
            self.assertEqual(done["state"], "done", done)
            status, headers, _ = download(server, done["clip_url"][len("/api/v1"):])
            self.assertEqual(status, 200)
            self.assertIn(urllib.parse.quote(case["number"], safe=""),
                          headers["Content-Disposition"])
            # A read-only user sees recordings, but neither exports nor downloads.
            status, _, _ = reader.call("GET", done["clip_url"][len("/api/v1"):])
            self.assertEqual(status, 403)
            status, _, _ = reader.call("POST", f"/sessions/{session}/recordings/verify")
            self.assertEqual(status, 403)
            status, _, _ = reader.call("GET", f"/sessions/{session}/recordings?verify=1")
            self.assertEqual(status, 403)
            # While it records: the closed segments verify, the open one is a note.
            live = officer.ok("GET", f"/sessions/{session}/recordings?verify=1")
            self.assertTrue(live["ok"], live)
            self.assertTrue(next(r for r in live["recordings"]
                                 if r["stream"] == stream)["verification"]["ok"])

            stop(pub)
            pub = None
            server.stop()
            server.__enter__()
            officer = logged_in(server, username("officer"))
            listed = officer.ok("GET", f"/sessions/{session}/recordings")["recordings"]
            rec = next(r for r in listed if r["stream"] == stream)
            self.assertFalse(rec["recording"])
            self.assertGreaterEqual(rec["segments"], 3)
            self.assertLess(rec["start_utc_ms"], rec["end_utc_ms"])
            verified = officer.ok("POST", f"/sessions/{session}/recordings/verify")
            self.assertTrue(verified["ok"], verified)
            rec = next(r for r in verified["recordings"] if r["stream"] == stream)
            self.assertTrue(rec["verification"]["ok"])
            self.assertNotIn(server.dir, json.dumps(verified, ensure_ascii=False))
            # The GET form answers the same, and without ?verify=1 no verification.
            got = officer.ok("GET", f"/sessions/{session}/recordings?verify=1")
            self.assertTrue(got["ok"], got)
            self.assertEqual(
                next(r for r in got["recordings"] if r["stream"] == stream)["verification"]
                ["manifest_head_sha256"], rec["verification"]["manifest_head_sha256"])
            plain = officer.ok("GET", f"/sessions/{session}/recordings")
            self.assertNotIn("ok", plain)
            self.assertNotIn("verification", plain["recordings"][0])
            status, _, _ = officer.call("GET", f"/sessions/{session}/recordings?verify=yes")
            self.assertEqual(status, 400)
            status, _, _ = officer.call("GET", "/sessions/99999/recordings")
            self.assertEqual(status, 404)
        finally:
            stop(pub)
            server.stop()


if __name__ == "__main__":
    unittest.main()
