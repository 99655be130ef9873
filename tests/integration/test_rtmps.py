"""RTMPS ingest ([rtmp] tls_listen): FFmpeg publishes over rtmps:// with a
test certificate made by openssl here, and the stream plays back over
plain RTMP, HTTP-FLV and RTMPS (the player write loop over TLS) and
decodes clean. A peer that speaks plain RTMP to the TLS port gets nothing
and the server carries on."""

import re
import shutil
import socket
import subprocess
import tempfile
import unittest

from court_api_support import approved_session, logged_in, make_users, username
from harness import ApiClient, Server, publish, stop, test_media, wait_for, wait_live
from test_https import make_certificate


def decode(url, seconds=2):
    """(return code, video frames decoded, stderr) of FFmpeg reading `url`."""
    played = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-i", url, "-t",
         str(seconds), "-map", "0:v", "-f", "framemd5", "-"], capture_output=True, timeout=30)
    frames = [line for line in played.stdout.decode().splitlines()
              if line and not line.startswith("#")]
    return played.returncode, len(frames), played.stderr.decode(errors="replace")


class Rtmps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="courtcast-rtmps-")
        cls.cert, cls.key = make_certificate(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def server(self):
        return Server(rtmp="\n".join(['tls_listen = "127.0.0.1:0"', f'tls_cert = "{self.cert}"',
                                      f'tls_key = "{self.key}"']))

    def rtmps_port(self, server):
        return int(wait_for(lambda: re.search(r"protocol=rtmps address=[\d.]+:(\d+)", server.log()),
                            5, "the RTMPS listener").group(1))

    def test_ffmpeg_publishes_over_rtmps_and_the_stream_plays_back_clean(self):
        media = test_media()
        with self.server() as server:
            port = self.rtmps_port(server)
            publisher = publish(f"rtmps://127.0.0.1:{port}/live/cam-a?key=test-key-a1", media)
            try:
                wait_live(server, "cam-a")
                self.assertIn("event=publish_start stream=cam-a", server.log())
                for url in (server.rtmp_url("cam-a"), server.flv_url("cam-a"),
                            f"rtmps://127.0.0.1:{port}/live/cam-a"):
                    code, frames, errors = decode(url)
                    self.assertEqual(code, 0, errors)
                    self.assertGreaterEqual(frames, 25, f"two seconds of video from {url}")
                    self.assertEqual(errors.strip(), "", f"{url} decoded clean")
            finally:
                stop(publisher)

    def test_a_wrong_key_over_rtmps_is_refused_like_over_rtmp(self):
        media = test_media()
        with self.server() as server:
            port = self.rtmps_port(server)
            publisher = publish(f"rtmps://127.0.0.1:{port}/live/cam-a?key=wrong", media)
            try:
                wait_for(lambda: "event=rtmp_refused" in server.log(), 10, "the refusal")
                self.assertIsNone(server.stream_info("cam-a"))
            finally:
                stop(publisher)

    def test_plain_rtmp_to_the_tls_port_gets_nothing_and_the_server_carries_on(self):
        with self.server() as server:
            port = self.rtmps_port(server)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"\x03" + bytes(1536))  # an RTMP C0C1
                try:
                    data = s.recv(4096)
                except (ConnectionError, socket.timeout):
                    data = b""
                self.assertFalse(data.startswith(b"\x03"), "no RTMP handshake answered")
            media = test_media()
            publisher = publish(f"rtmps://127.0.0.1:{port}/live/cam-a?key=test-key-a1", media)
            try:
                wait_live(server, "cam-a")
            finally:
                stop(publisher)

    def test_a_session_camera_gets_its_rtmps_and_srt_urls_and_publishes_with_the_rtmps_one(self):
        with self.server() as server:
            port = self.rtmps_port(server)
            make_users(server, ("director",))
            director = logged_in(server, username("director"))
            session, _ = approved_session(director, ApiClient(server, server.token()))
            stream = f"session-{session}.cam-a"
            urls = {i["name"]: i for i in
                    director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"]}["cam-a"]
            key = urls["publish_url"].split("key=")[1]
            self.assertEqual(urls["rtmps_server"], f"rtmps://127.0.0.1:{port}/live")
            self.assertEqual(urls["rtmps_url"], f"rtmps://127.0.0.1:{port}/live/{stream}?key={key}")
            self.assertEqual(urls["srt_url"], f"srt://127.0.0.1:{server.srt_port}"
                             f"?streamid=#!::r=live/{stream},m=publish,s={key}")
            self.assertFalse(urls["srt_passphrase_required"])
            # The broadcast's answer names them too, without the key.
            shown = {i["name"]: i for i in
                     director.ok("GET", f"/sessions/{session}/broadcast")["inputs"]}["cam-a"]
            self.assertEqual(shown["rtmps_url"], f"rtmps://127.0.0.1:{port}/live/{stream}?key=****")
            self.assertTrue(shown["srt_url"].endswith(",s=****"))
            self.assertNotIn(key, str(shown))
            publisher = publish(urls["rtmps_url"], test_media())
            try:
                wait_live(server, stream)
            finally:
                stop(publisher)

    def test_without_tls_listen_a_session_camera_gets_no_rtmps_url(self):
        with Server() as server:
            make_users(server, ("director",))
            director = logged_in(server, username("director"))
            session, _ = approved_session(director, ApiClient(server, server.token()))
            urls = director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"][0]
            self.assertNotIn("rtmps_url", urls)
            self.assertIn("srt_url", urls)


if __name__ == "__main__":
    unittest.main()
