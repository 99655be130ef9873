"""A camera that drops and returns: players stay, timestamps never go back."""

import subprocess
import unittest

from harness import (FlvPlayer, Server, assert_monotonic, publish, read_for, stop, test_media,
                     wait_for, wait_live)


class CameraReturn(unittest.TestCase):
    def test_player_stays_connected_and_monotonic_across_drop_and_return(self):
        media = test_media()
        with Server() as server:
            url = server.rtmp_url("cam-a", "key=test-key-a1")
            publisher = publish(url, media)
            rtmp_probe = None
            try:
                wait_live(server, "cam-a")
                player = FlvPlayer(server.flv_url("cam-a"))
                # An FFmpeg RTMP player alongside, reading packets across the gap.
                rtmp_probe = subprocess.Popen(
                    ["ffprobe", "-hide_banner", "-v", "error", "-read_intervals", "%+14",
                     "-show_entries", "packet=stream_index,dts", "-of", "csv",
                     server.rtmp_url("cam-a")],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                before = read_for(player, 3.0)

                publisher.kill()  # the 4G link dies: no FCUnpublish, just gone
                publisher.wait()
                wait_for(lambda: not server.stream_info("cam-a")["live"], 15,
                         "the server to notice the camera is gone")
                gap = read_for(player, 1.0)
                self.assertFalse(player.closed, "player stays connected while the camera is away")

                publisher = publish(url, media)
                wait_for(lambda: server.stream_info("cam-a")["live"], 10, "the camera to return")
                after = read_for(player, 4.0)
                self.assertFalse(player.closed)
                player.close()

                out, err = rtmp_probe.communicate(timeout=30)
            finally:
                stop(publisher)
                stop(rtmp_probe)

        tags = before + gap + after
        assert_monotonic(tags, self)
        returned = [t for t in after if not t.is_sequence_header and t.type != 18]
        self.assertTrue(any(t.is_video for t in returned), "media continues after the return")
        self.assertTrue(any(t.is_video and t.is_sequence_header for t in after),
                        "new sequence headers precede the returned media")
        self.assertGreater(returned[0].dts, max(t.dts for t in before if t.type != 18))

        last, count = {}, 0
        for line in out.splitlines():
            if not line.startswith("packet,"):
                continue
            _, index, dts = line.split(",")[:3]
            count += 1
            if dts != "N/A":
                self.assertGreaterEqual(int(dts), last.get(index, int(dts)),
                                        f"RTMP player: dts went back on stream {index}")
                last[index] = int(dts)
        self.assertEqual(err.strip(), "", "the RTMP player saw no error")
        self.assertGreater(count, 500, "the RTMP player read on after the camera returned")


if __name__ == "__main__":
    unittest.main()
