"""A play refusal tells the public nothing about which streams exist: an
unknown stream, a private one without a key and one with a wrong key get the
same answer, over RTMP and HTTP-FLV."""

import unittest
import urllib.error
import urllib.request

from harness import Server
from test_log_values import play


def rtmp_refusal(port, name):
    """Everything the server sends after the play, up to its close."""
    s = play(port, name)
    s.settimeout(5)
    got = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            got += data
    except ConnectionResetError:
        pass
    s.close()
    start = got.find(b"NetStream.Play.")
    assert start >= 0, got[-300:]
    return got[start:]


def flv_refusal(url):
    try:
        urllib.request.urlopen(url, timeout=5).close()
        return 200, b""
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class PlayRefusals(unittest.TestCase):
    def test_unknown_private_and_wrong_key_get_one_answer(self):
        streams = (("cam-a", "test-key-a1", True), ("cam-b", "test-key-b1", False))
        with Server(streams=streams) as server:
            names = {"unknown": "cam-z", "private": "cam-b", "wrong key": "cam-b?key=nope-nope",
                     "unknown with a key": "cam-z?key=test-key-b1"}
            rtmp = {what: rtmp_refusal(server.rtmp_port, name) for what, name in names.items()}
            self.assertEqual(len(set(rtmp.values())), 1, rtmp)
            self.assertIn(b"stream not available", rtmp["unknown"])
            for leak in (b"key", b"cam-b", b"cam-z", b"no stream named"):
                self.assertNotIn(leak, rtmp["private"])

            flv = {what: flv_refusal(server.flv_url(*name.split("?")) if "?" in name
                                     else server.flv_url(name)) for what, name in names.items()}
            self.assertEqual({status for status, _ in flv.values()}, {403}, flv)
            self.assertEqual(len({body for _, body in flv.values()}), 1, flv)
            self.assertIn(b"stream not available", flv["private"][1])

    def test_a_flood_of_refused_plays_logs_ten_lines_and_counts_the_rest(self):
        with Server(streams=(("cam-b", "key-b-123456", False),)) as server:
            url = server.flv_url("cam-b")  # private, asked without its key
            for _ in range(100):
                self.assertEqual(flv_refusal(url)[0], 403)
            lines = [l for l in server.log().splitlines() if "event=http_flv_refused" in l]
            # Ten per 10 s: one window, or two when the flood straddled one.
            self.assertIn(len(lines), (10, 20), lines[-1:])
            self.assertIn("total=1 ", lines[0])
            self.assertIn("total=10 ", lines[9])


if __name__ == "__main__":
    unittest.main()
