"""A court's own standby card: uploaded as MP4, checked, shown on every
program at once, kept across a restart, and dropped again."""

import http.client
import json
import os
import socket
import subprocess
import unittest

from harness import MEDIA_DIR, Server, WebSocketReader, wait_for


def clip(name, *args):
    """A clip made by FFmpeg from a test pattern and silence, once."""
    os.makedirs(MEDIA_DIR, exist_ok=True)
    path = os.path.join(MEDIA_DIR, name)
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                        "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=44100",
                        "-t", "3", *args, "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac",
                        "-shortest", "-f", "mp4", path + ".part"], check=True)
        os.replace(path + ".part", path)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


class CardUpload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.card = read(clip("card-upload-360p.mp4", "-c:v", "libx264", "-preset", "veryfast"))
        cls.hevc = read(clip("card-upload-hevc.mp4", "-c:v", "libx265", "-preset", "ultrafast",
                             "-x265-params", "log-level=error"))
        # No camera ever publishes: the program and air show the card throughout.
        # Pass-through: air shows the uploaded card at its own size.
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-a"]\n'
                 'delay_seconds = 0\nair_mode = "passthrough"\n')
        cls.server = Server(streams=(("cam-a", "key-a-123456", False),), extra=extra).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def api_token(self, role):
        status, body = self.server.control("POST", "/tokens", {"name": f"card-{role}", "role": role})
        self.assertEqual(status, 201, body)
        return body["token"]

    def put_card(self, body, content_type="video/mp4", token=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=30)
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {self.server.token() if token is True else token}"
        try:
            conn.request("PUT", "/api/v1/card", body=body, headers=headers)
            r = conn.getresponse()
            return r.status, json.loads(r.read())
        finally:
            conn.close()

    def frame_size(self, stream):
        """The size of the frames ffprobe decodes from a stream now."""
        token = f"token={self.server.token()}" if stream.endswith(".program") else ""
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "frame=width,height", "-read_intervals", "%+#3", "-of", "csv=p=0",
             self.server.flv_url(stream, token)],
            capture_output=True, text=True, timeout=20)
        sizes = {tuple(int(x) for x in line.split(",")[:2])
                 for line in out.stdout.split() if line.count(",") >= 1}
        return sizes.pop() if len(sizes) == 1 else None

    def wait_size(self, stream, size, timeout=8):
        wait_for(lambda: self.frame_size(stream) == size, timeout,
                 f"{stream} to show {size[0]}x{size[1]} frames")

    def test_1_an_uploaded_mp4_is_on_program_and_air_within_seconds(self):
        status, card = self.server.control("GET", "/card")
        self.assertEqual(status, 200)
        self.assertEqual((card["source"], card["width"], card["height"]), ("built-in", 1280, 720))
        self.assertIsNone(card["uploaded_by"])
        self.wait_size("air1.program", (1280, 720))
        events = WebSocketReader(self.server.http_port, f"/api/v1/events?token={self.server.token()}")
        try:
            status, card = self.put_card(self.card)
            self.assertEqual(status, 200, card)
            self.assertEqual((card["source"], card["width"], card["height"]), ("uploaded", 640, 360))
            self.assertEqual((card["format"], card["uploaded_by"]), ("mp4", "api-token"))
            self.assertEqual(card["size_bytes"], len(self.card))
            self.assertAlmostEqual(card["duration_ms"], 3000, delta=100)
            event = wait_for(lambda: (lambda e: e if e["type"] == "card" else None)(
                json.loads(events.next_text())), 5, "the card event")
            self.assertEqual((event["action"], event["card"]["sha256"]), ("upload", card["sha256"]))
        finally:
            events.close()
        self.wait_size("air1.program", (640, 360), timeout=5)
        self.wait_size("air1", (640, 360), timeout=5)
        self.assertEqual(self.server.control("GET", "/card")[1], card)
        stored = os.path.join(self.server.dir, "var", "cards")
        self.assertEqual(read(os.path.join(stored, "standby.flv"))[:3], b"FLV")
        with open(os.path.join(stored, "standby.json")) as f:
            self.assertEqual(json.load(f)["sha256"], card["sha256"])
        status, audit = self.server.control("GET", "/audit?limit=1000")
        self.assertEqual(status, 200, audit)
        uploads = [e for e in audit["entries"] if e["action"] == "card.upload"]
        self.assertEqual(len(uploads), 1)
        self.assertEqual(uploads[0]["details"]["sha256"], card["sha256"])

    def test_2_a_bad_upload_is_refused_and_the_card_stays(self):
        before = self.server.control("GET", "/card")[1]
        status, answer = self.put_card(self.hevc)
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error"]["code"], "invalid_card")
        self.assertEqual(answer["error"]["message"],
                         "standby card: video must be H.264 (the file has hevc)")
        # Damage in the middle of the media: the file still parses, and
        # decoding every frame is what finds it.
        mdat = self.card.index(b"mdat") + 4
        middle = mdat + (len(self.card) - mdat) // 2
        damaged = (self.card[:middle] + bytes(b ^ 0xFF for b in self.card[middle:middle + 64])
                   + self.card[middle + 64:])
        status, answer = self.put_card(damaged)
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error"]["code"], "invalid_card")
        self.assertIn("cannot be decoded", answer["error"]["message"])
        status, answer = self.put_card(os.urandom(64 * 1024), "application/octet-stream")
        self.assertEqual(status, 400, answer)
        self.assertIn("neither FLV nor MP4", answer["error"]["message"])
        status, answer = self.put_card(self.card, token=False)
        self.assertEqual(status, 401, answer)
        officer = self.api_token("officer")
        status, answer = self.put_card(self.card, token=officer)
        self.assertEqual(status, 403, answer)
        self.assertIn("allowed: admin, director", answer["error"]["message"])
        status, answer = self.put_card(self.card, content_type="application/json")
        self.assertEqual(status, 415, answer)
        self.assertEqual(self.server.control("GET", "/card")[1], before)
        self.assertEqual(self.frame_size("air1.program"), (640, 360))

    def test_3_a_body_past_the_cap_is_refused_before_it_is_sent(self):
        with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10) as s:
            s.sendall((f"PUT /api/v1/card HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Authorization: Bearer {self.server.token()}\r\n"
                       "Content-Type: video/mp4\r\nContent-Length: 40000000\r\n"
                       "Expect: 100-continue\r\n\r\n").encode())
            answer = b""
            while True:  # the server answers at once and closes: the body is never read
                data = s.recv(4096)
                if not data:
                    break
                answer += data
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
        self.assertIn(b"standby card: more than the 32 MiB allowed", answer)

    def test_4_the_uploaded_card_is_still_the_card_after_a_restart(self):
        before = self.server.control("GET", "/card")[1]
        self.server.stop()
        self.server.__enter__()
        self.assertIn("event=standby_card source=uploaded", self.server.log())
        self.assertEqual(self.server.control("GET", "/card")[1], before)
        self.wait_size("air1.program", (640, 360))

    def test_5_a_director_deletes_it_and_the_built_in_card_is_back(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        conn.request("DELETE", "/api/v1/card",
                     headers={"Authorization": f"Bearer {self.api_token('director')}"})
        r = conn.getresponse()
        status, card = r.status, json.loads(r.read())
        conn.close()
        self.assertEqual(status, 200, card)
        self.assertEqual((card["source"], card["width"], card["height"]), ("built-in", 1280, 720))
        self.assertIsNone(card["sha256"])
        self.wait_size("air1.program", (1280, 720), timeout=5)
        self.assertFalse(os.path.exists(os.path.join(self.server.dir, "var", "cards", "standby.flv")))


if __name__ == "__main__":
    unittest.main()
