"""One camera's publish key rotated alone (POST
/api/v1/sessions/ID/inputs/NAME/publish-key): its old key is refused, its
publisher on the old key is cut, the other camera's key and publish go on,
the change is audited (without the key), and the new key survives a
restart."""

import json
import unittest

from court_api_support import approved_session, logged_in, make_users, username
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live
from test_sessions import publish_refused


class PublishKeyRotation(unittest.TestCase):
    def test_one_cameras_key_is_rotated_without_touching_the_others(self):
        media_a = test_media("720p", "1280x720")
        media_b = test_media("540p", "960x540", tone=660)
        server = Server()
        procs = []
        with server:
            admin = ApiClient(server, server.token())
            make_users(server, ("director",))
            director = logged_in(server, username("director"))
            session, _ = approved_session(director, admin)
            air = f"session-{session}"

            def urls():
                out = admin.ok("POST", f"/sessions/{session}/publish-urls")
                return {i["name"]: i["publish_url"] for i in out["inputs"]}

            def rtmp(url):  # the publish URL names the public host; the test's is loopback
                return server.rtmp_url(url.split("/live/", 1)[1].split("?")[0],
                                       url.split("?", 1)[1])

            before = urls()
            try:
                procs.append(publish(rtmp(before["cam-a"]), media_a))
                procs.append(publish(rtmp(before["cam-b"]), media_b))
                wait_live(server, f"{air}.cam-a")
                wait_live(server, f"{air}.cam-b")

                rotated = admin.ok("POST", f"/sessions/{session}/inputs/cam-a/publish-key")
                self.assertEqual(rotated["input"]["name"], "cam-a")
                after = urls()
                self.assertEqual(rotated["input"]["publish_url"], after["cam-a"])
                self.assertNotEqual(after["cam-a"], before["cam-a"])
                self.assertEqual(after["cam-b"], before["cam-b"], "cam-b keeps its key")

                # The publisher on the old key is cut; cam-b's goes on.
                wait_for(lambda: "was changed: publish again with the new key" in server.log(),
                         10, "the old key's publish to be cut")
                wait_for(lambda: procs[0].poll() is not None or
                         server.stream_info(f"{air}.cam-a") is None, 10, "cam-a to go off")
                self.assertIsNone(procs[1].poll(), "cam-b still publishes")
                self.assertTrue(server.stream_info(f"{air}.cam-b"))
                stop(procs[0])
                self.assertTrue(publish_refused(rtmp(before["cam-a"]), media_a))
                procs[0] = publish(rtmp(after["cam-a"]), media_a)
                wait_live(server, f"{air}.cam-a")

                # Audited, by whom and which input; the key is nowhere in it.
                entries = admin.ok("GET", "/audit?limit=1000")["entries"]
                rotations = [e for e in entries if e["action"] == "session.publish_key_rotate"]
                self.assertEqual(len(rotations), 1)
                text = json.dumps(rotations[0])
                self.assertIn("cam-a", text)
                self.assertNotIn(after["cam-a"].split("key=")[1], text)
                self.assertNotIn(after["cam-a"].split("key=")[1], server.log())

                # An input the session does not have.
                status, _, _ = admin.call("POST", f"/sessions/{session}/inputs/cam-z/publish-key")
                self.assertEqual(status, 404)
            finally:
                for p in procs:
                    stop(p)

        with server:  # a restart keeps the new keys (on another port)
            admin = ApiClient(server, server.token())
            keys = {name: url.split("?", 1)[1] for name, url in urls().items()}
            self.assertEqual(keys, {name: url.split("?", 1)[1] for name, url in after.items()})


if __name__ == "__main__":
    unittest.main()
