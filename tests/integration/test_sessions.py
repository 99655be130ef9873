"""Live sessions on the wire: a session created through the API gets its own
inputs with publish keys, runs its program and air while live, sends its air
to the destinations it names, comes back after a restart, and shuts it all
when it ends."""

import json
import os
import subprocess
import time
import unittest

from court_api_support import (logged_in, make_users, planned_session, session_body, step_body,
                               username)
from harness import (TIME_SCALE, ApiClient, FlvPlayer, NginxRtmp, Server, WebSocketReader, publish,
                     rw_timeout, stop, test_media, wait_for, wait_live)


AIR_SIZE = (1280, 720)  # a session's default air format


def probe_size(url, timeout=15):
    """(width, height) of the first video frame ffprobe reads from `url`, or
    None when it has none within `timeout` seconds (times TIME_SCALE): a
    miss that wait_for polls again, as when ffprobe finds no stream. On a
    busy machine air runs behind real time, and ffprobe's 5 s of analysis
    then take longer than that."""
    try:
        out = subprocess.run(["ffprobe", "-v", "error", *rw_timeout(5), "-select_streams",
                              "v:0", "-show_entries", "stream=width,height", "-of", "json", url],
                             capture_output=True, text=True, timeout=timeout * TIME_SCALE)
    except subprocess.TimeoutExpired:
        return None
    streams = json.loads(out.stdout or "{}").get("streams", [])
    return (streams[0]["width"], streams[0]["height"]) if streams else None


def play_status(url):
    """The HTTP status an HTTP-FLV play of `url` is answered with."""
    player = FlvPlayer(url)
    try:
        player.read_headers()
        return player.status
    finally:
        player.close()


def publish_refused(url, media):
    """Whether FFmpeg's publish to `url` is refused (it exits with an error)."""
    proc = publish(url, media)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        stop(proc)
        return False
    return proc.returncode != 0


class LiveSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.media_a = test_media("720p", "1280x720")
        cls.media_b = test_media("540p", "960x540", tone=660)
        cls.platform = NginxRtmp(plain=2)
        port = cls.platform.plain_ports[0]
        # A platform configured once, idle until a session names it.
        cls.server = Server(extra=f'[[destination]]\nstream = "cam-a"\nname = "douyin"\n'
                                  f'preset = "douyin"\nurl = "rtmp://127.0.0.1:{port}/live/dy-key"\n'
                                  f"enabled = false\n")
        cls.server.__enter__()
        cls.procs = []
        make_users(cls.server, ("director",))
        cls.director = logged_in(cls.server, username("director"))
        cls.admin = ApiClient(cls.server, cls.server.token())
        cls.started_ms = int(time.time() * 1000)
        body = session_body()
        body.update({"destinations": ["douyin"], "delay_ms": 2000})
        cls.session, cls.case = planned_session(cls.director, cls.admin, body)
        cls.air = f"session-{cls.session}"

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            stop(p)
        cls.server.stop()
        cls.platform.stop()

    def input_url(self, name, key):
        return self.server.rtmp_url(f"{self.air}.{name}", f"key={key}")

    def sending(self, name):
        """The destination `name` once the server says it is live and has sent
        its platform something: what the platform can be probed for then."""
        for d in self.admin.ok("GET", "/destinations")["destinations"]:
            if d["name"] == name and d["health"]["state"] == "live" and d["health"]["bytes_sent"]:
                return d
        return None

    def publish_urls(self):
        out = self.director.ok("POST", f"/sessions/{self.session}/publish-urls")
        return {i["name"]: i["publish_url"] for i in out["inputs"]}

    def test_1_inputs_open_at_approval_with_their_own_keys(self):
        urls = self.publish_urls()
        self.assertEqual(set(urls), {"cam-a", "cam-b"})
        self.assertIn(f"/live/{self.air}.cam-a?key=", urls["cam-a"])
        self.assertIn(f":{self.server.rtmp_port}/", urls["cam-a"])
        key_a = urls["cam-a"].split("key=")[1]
        key_b = urls["cam-b"].split("key=")[1]
        self.assertNotEqual(key_a, key_b)
        # A draft session's inputs take nothing, even with the right key.
        self.assertTrue(publish_refused(self.input_url("cam-a", key_a), self.media_a))
        self.assertEqual(self.director.ok("POST", f"/sessions/{self.session}/submit")["state"],
                         "submitted")
        self.assertEqual(self.admin.ok("POST", f"/sessions/{self.session}/approve")["state"],
                         "approved")
        # Approved: each input takes its own key only.
        self.assertTrue(publish_refused(self.input_url("cam-a", key_b), self.media_a))
        self.procs.append(publish(self.input_url("cam-a", key_a), self.media_a))
        wait_live(self.server, f"{self.air}.cam-a")
        self.procs.append(publish(self.input_url("cam-b", key_b), self.media_b))
        wait_live(self.server, f"{self.air}.cam-b")
        # The public does not learn of the cameras, nor where they publish from.
        public = [s["name"] for s in self.server.api("/streams", anonymous=True)["streams"]]
        self.assertNotIn(f"{self.air}.cam-a", public)
        team = {s["name"]: s for s in self.server.api("/streams")["streams"]}
        self.assertEqual(team[f"{self.air}.cam-a"]["publisher"].split(":")[0], "127.0.0.1")
        # Not live yet: no air, nothing goes to the platform.
        self.assertIsNone(self.server.stream_info(self.air))
        self.assertEqual(play_status(self.server.flv_url(self.air)), 403)
        broadcast = self.director.ok("GET", f"/sessions/{self.session}/broadcast")
        self.assertEqual(broadcast["inputs_open"], True)
        self.assertEqual(broadcast["on_air"], False)
        self.assertEqual({i["name"]: i["state"] for i in broadcast["inputs"]},
                         {"cam-a": "live", "cam-b": "live"})
        # The answer never holds a key; the log neither.
        text = json.dumps(broadcast)
        for key in (key_a, key_b):
            self.assertNotIn(key, text)
            self.assertNotIn(key, self.server.log())

    def test_2_live_session_airs_and_feeds_its_destination(self):
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        try:
            self.assertEqual(self.director.ok("POST", f"/sessions/{self.session}/start")["state"],
                             "live")
            wait_for(lambda: self.server.stream_info(self.air), 10, "the session's air")
            public = {s["name"]: s for s in self.server.api("/streams", anonymous=True)["streams"]}
            self.assertEqual(sorted(public), [self.air])
            self.assertIsNone(public[self.air]["publisher"])
            # Air is public; program is the director's preview.
            self.director.ok("POST", f"/programs/{self.air}/take", {"input": "cam-b"},
                             expect=(202,))
            wait_for(lambda: probe_size(self.server.flv_url(f"{self.air}.program",
                                                            f"token={self.server.token()}"))
                     == (960, 540), 20, "cam-b on program")
            self.assertEqual(play_status(self.server.flv_url(f"{self.air}.program")), 403)
            self.assertEqual(play_status(self.server.flv_url(f"{self.air}.cam-a")), 403)
            # Air is conformed (the default): the air format's size, whatever the camera's.
            wait_for(lambda: self.server.control("GET", f"/programs/{self.air}")[1]["on_air"]
                     == "program", 20, "program on air after the delay")
            self.assertEqual(probe_size(self.server.flv_url(self.air)), AIR_SIZE)
            # The destination the session names carries its air.
            wait_for(lambda: self.sending("douyin"), 10, "douyin sending the session's air")
            wait_for(lambda: probe_size(f"rtmp://127.0.0.1:{self.platform.plain_ports[0]}"
                                        f"/live/dy-key") == AIR_SIZE, 30,
                     "the session's air on the platform")
            # A platform added through the API for this session's air.
            self.director.ok("POST", "/destinations", {
                "name": "kuaishou", "preset": "kuaishou", "stream": self.air,
                "url": f"rtmp://127.0.0.1:{self.platform.plain_ports[1]}/live/ks-key"})
            wait_for(lambda: self.sending("kuaishou"), 10, "kuaishou sending the session's air")
            wait_for(lambda: probe_size(f"rtmp://127.0.0.1:{self.platform.plain_ports[1]}"
                                        f"/live/ks-key") == AIR_SIZE, 30,
                     "the session's air on the API-added platform")
            broadcast = self.director.ok("GET", f"/sessions/{self.session}/broadcast")
            self.assertEqual(broadcast["on_air"], True)
            self.assertEqual(sorted((d["name"], d["carries_air"])
                                    for d in broadcast["destinations"]),
                             [("douyin", True), ("kuaishou", True)])
            self.assertEqual(broadcast["program"]["state"]["on_program"], "cam-b")
            # A coercive step needs two cameras live for all of it: the inputs'
            # publishes are what the rule reads.
            now = int(time.time() * 1000)
            self.admin.ok("POST", "/steps", step_body(self.case, "summon", session_id=self.session,
                                                      start_ms=self.started_ms - 120_000,
                                                      end_ms=self.started_ms - 119_000,
                                                      deadline={"due_ms": self.started_ms - 90_000}))
            search = {"session_id": self.session, "end_ms": now,
                      "witnesses": [{"name": "赵某", "organisation": "检察院"}]}
            status, out, _ = self.admin.call("POST", "/steps", step_body(
                self.case, "search", **search, start_ms=self.started_ms - 60_000))
            self.assertEqual((status, out["error"]["code"]),
                             (422, "coercive_step_needs_two_recording_inputs"))
            self.admin.ok("POST", "/steps", step_body(self.case, "search", **search,
                                                      start_ms=now - 1000))
            # Inputs' state reaches the console as events.
            seen = set()
            deadline = time.time() + 10
            while time.time() < deadline and not {"program.inputs"} <= seen:
                seen.add(json.loads(events.next_text())["type"])
            self.assertIn("program.inputs", seen)
        finally:
            events.close()

    def test_3_a_restart_brings_the_live_session_back(self):
        for p in self.procs:
            stop(p)
        self.procs.clear()
        self.server.stop()
        self.server.__enter__()  # the same data_dir and database, a new process
        cls = type(self)
        cls.director = logged_in(self.server, username("director"))
        cls.admin = ApiClient(self.server, self.server.token())
        urls = self.publish_urls()  # the same keys after a restart
        self.procs.append(publish(urls["cam-a"], self.media_a))
        wait_live(self.server, f"{self.air}.cam-a")
        wait_for(lambda: self.server.stream_info(self.air), 10, "air back after the restart")
        self.director.ok("POST", f"/programs/{self.air}/take", {"input": "cam-a"}, expect=(202,))
        wait_for(lambda: probe_size(self.server.flv_url(self.air)) == (1280, 720), 20,
                 "cam-a on air after the restart")
        # Both platforms get it again: the config's and the one the API added.
        # They reconnect as the server starts; air reaches them as fast as the
        # air encoder makes it, which on a busy machine is behind real time
        # (it queues up to about 10 s of program before it drops).
        for name, port, key in (("douyin", self.platform.plain_ports[0], "dy-key"),
                                ("kuaishou", self.platform.plain_ports[1], "ks-key")):
            wait_for(lambda: self.sending(name), 10, f"{name} sending air after the restart")
            wait_for(lambda: probe_size(f"rtmp://127.0.0.1:{port}/live/{key}") == AIR_SIZE,
                     30, f"air on {key} after the restart")
        # Turned off, a platform gets no more air. The restored destination,
        # started and then taken up by the live session as the server came
        # up, once connected twice and kept the push the platform had taken
        # out of reach of any stop.
        ks_url = f"rtmp://127.0.0.1:{self.platform.plain_ports[1]}/live/ks-key"
        kuaishou = self.sending("kuaishou")["id"]
        self.director.ok("POST", f"/destinations/{kuaishou}/stop")
        wait_for(lambda: probe_size(ks_url, timeout=8) is None, 20,
                 "ks-key without air once kuaishou is stopped")
        self.director.ok("POST", f"/destinations/{kuaishou}/start")

    def test_4_ending_the_session_ends_its_cameras_players_and_recording(self):
        # Both cameras publish (cam-a since the restart; cam-b again), with
        # their FFmpeg messages kept; an HTTP-FLV and an RTMP player on air.
        urls = self.publish_urls()
        for p in self.procs:
            stop(p)
        self.procs.clear()
        wait_for(lambda: not (self.server.stream_info(f"{self.air}.cam-a") or {}).get("live"), 10,
                 "cam-a's old publish to end")
        logs = {name: open(os.path.join(self.server.dir, f"ffmpeg-{name}.log"), "w+")
                for name in ("cam-a", "cam-b", "again")}
        try:
            cams = {name: publish(urls[name], media, stderr=logs[name])
                    for name, media in (("cam-a", self.media_a), ("cam-b", self.media_b))}
            self.procs.extend(cams.values())
            for name in cams:
                wait_live(self.server, f"{self.air}.{name}")
            air_flv = FlvPlayer(self.server.flv_url(self.air))
            next(air_flv.tags(lambda t: t.is_video(), deadline=time.monotonic() + 10))
            players = self.server.stream_info(self.air)["players"]  # with the platforms
            air_rtmp = subprocess.Popen(["ffmpeg", "-v", "error", "-i",
                                         self.server.rtmp_url(self.air), "-c", "copy", "-f",
                                         "null", "-"], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.procs.append(air_rtmp)
            wait_for(lambda: self.server.stream_info(self.air)["players"] > players, 10,
                     "the RTMP player on air")

            ended = self.director.ok("POST", f"/sessions/{self.session}/end")
            self.assertEqual(ended["state"], "ended")
            end_ms = ended["actual_end_ms"]
            asked = time.monotonic()
            # Within 2 s both publishers are gone.
            wait_for(lambda: not any((self.server.stream_info(f"{self.air}.{n}") or {}).get("live")
                                     for n in cams), 2, "both cameras disconnected")
            self.assertLess(time.monotonic() - asked, 2.0)
            for name, proc in cams.items():
                proc.wait(10)
                logs[name].seek(0)
                self.assertIn("session ended", logs[name].read(), name)
            # Players of air get the end of the stream: the FLV response ends,
            # the RTMP player finishes as at the end of a file.
            for _ in air_flv.tags(lambda t: False, deadline=time.monotonic() + 5):
                pass
            self.assertTrue(air_flv.closed, "the HTTP-FLV response did not end")
            air_flv.close()
            self.assertEqual(air_rtmp.wait(5), 0, air_rtmp.stderr.read())
            status, body, _ = self.director.call("GET", f"/programs/{self.air}")
            self.assertEqual(status, 404, body)
            # The same key is refused from now on, with the reason.
            again = publish(urls["cam-b"], self.media_b, stderr=logs["again"])
            self.procs.append(again)
            self.assertNotEqual(again.wait(10), 0)
            logs["again"].seek(0)
            self.assertIn("session ended", logs["again"].read())
            self.assertRegex(self.server.log(),
                             rf"event=rtmp_refused stream={self.air}.cam-b .*session ended")
        finally:
            for f in logs.values():
                f.close()

        def stopped(name):
            for d in self.admin.ok("GET", "/destinations")["destinations"]:
                if d["name"] == name and d["health"]["state"] in ("stopped", "idle"):
                    return d
            return None
        for name in ("douyin", "kuaishou"):
            self.assertFalse(wait_for(lambda: stopped(name), 10, f"{name} to stop")["enabled"])
        # The evidence of its inputs and of what aired is filed under the
        # session, and nothing of its inputs was recorded after the end.
        filed = os.path.join(self.server.dir, "var", "recordings", str(self.session))
        for stream in (f"{self.air}.cam-a", f"{self.air}.cam-b", self.air):
            folder = os.path.join(filed, stream)
            self.assertTrue(os.path.exists(os.path.join(folder, "manifest.jsonl")), stream)
            wait_for(lambda: not [f for f in os.listdir(folder) if f.endswith(".part")], 5,
                     f"{stream}'s last segment to close")
            with open(os.path.join(folder, "manifest.jsonl")) as f:
                lines = [json.loads(line) for line in f]
            late = [line["file"] for line in lines
                    if line["kind"] == "segment" and line["end_utc_ms"] > end_ms + 1000]
            self.assertEqual(late, [], f"{stream}: segments recorded after the end")

if __name__ == "__main__":
    unittest.main()
