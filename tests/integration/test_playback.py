"""FFmpeg publishes into courtcast; FFmpeg reads it back over RTMP and HTTP-FLV."""

import json
import subprocess
import threading
import unittest

from harness import Server, publish, stop, test_media, wait_live


def probe_streams(url):
    out = subprocess.run(
        ["ffprobe", "-hide_banner", "-v", "error", "-show_entries",
         "stream=codec_type,codec_name,width,height,r_frame_rate,sample_rate", "-of", "json", url],
        capture_output=True, text=True, timeout=30)
    return {s["codec_type"]: s for s in json.loads(out.stdout or "{}").get("streams", [])}


class Playback(unittest.TestCase):
    def setUp(self):
        self.media = test_media()
        self.server = Server().__enter__()
        self.publisher = publish(self.server.rtmp_url("cam-a", "key=test-key-a1"), self.media)
        wait_live(self.server, "cam-a")

    def tearDown(self):
        stop(self.publisher)
        self.server.stop()

    def test_ffprobe_reads_codecs_size_and_rate_over_rtmp_and_http_flv(self):
        for url in (self.server.rtmp_url("cam-a"), self.server.flv_url("cam-a")):
            streams = probe_streams(url)
            self.assertIn("video", streams, url)
            self.assertIn("audio", streams, url)
            v, a = streams["video"], streams["audio"]
            self.assertEqual((v["codec_name"], v["width"], v["height"], v["r_frame_rate"]),
                             ("h264", 1280, 720, "25/1"), url)
            self.assertEqual((a["codec_name"], a["sample_rate"]), ("aac", "44100"), url)

    def test_twenty_seconds_decode_cleanly_with_monotonic_timestamps(self):
        results = {}

        def decode(url):
            # -xerror turns a decoding error into a failure, not just a message.
            p = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-xerror", "-i", url,
                                "-t", "20", "-f", "null", "-"],
                               capture_output=True, text=True, timeout=60)
            results["decode " + url] = (p.returncode, p.stderr.strip())

        def packets(url):
            p = subprocess.run(["ffprobe", "-hide_banner", "-v", "error", "-read_intervals", "%+20",
                                "-show_entries", "packet=stream_index,dts", "-of", "csv", url],
                               capture_output=True, text=True, timeout=60)
            results["packets " + url] = p.stdout

        urls = (self.server.rtmp_url("cam-a"), self.server.flv_url("cam-a"))
        threads = [threading.Thread(target=f, args=(u,)) for u in urls for f in (decode, packets)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for url in urls:
            code, err = results["decode " + url]
            self.assertEqual((code, err), (0, ""), f"decoding {url}")
            last, counts = {}, {}
            for line in results["packets " + url].splitlines():
                _, index, dts = line.split(",")[:3]
                if dts == "N/A":
                    continue
                dts = int(dts)
                self.assertGreaterEqual(dts, last.get(index, dts), f"dts went back on stream {index} of {url}")
                last[index] = dts
                counts[index] = counts.get(index, 0) + 1
            # 20 s of 25 fps video and 44.1 kHz AAC (1024 samples a frame).
            self.assertGreaterEqual(min(counts.values(), default=0), 450, f"{url}: {counts}")


if __name__ == "__main__":
    unittest.main()
