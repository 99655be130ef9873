"""A player that joins mid-GOP gets the headers and the cached keyframe at once."""

import time
import unittest

from harness import FlvPlayer, Server, publish, stop, test_media, wait_live


class LateJoiner(unittest.TestCase):
    def test_mid_gop_joiner_gets_headers_then_keyframe_at_once(self):
        media = test_media()  # 2 s GOP
        with Server() as server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            try:
                wait_live(server, "cam-a")
                # Find where a keyframe passes live, then join a second of media
                # later: mid-GOP, with about half the 2 s GOP still to come.
                watcher = FlvPlayer(server.flv_url("cam-a"))
                keyframes, target = 0, None
                for tag in watcher.tags(lambda t: target is not None and t.dts >= target):
                    if tag.is_keyframe:
                        keyframes += 1
                        if keyframes == 2:  # the first came from the cache
                            target = tag.dts + 1000
                joined_at = time.monotonic()
                player = FlvPlayer(server.flv_url("cam-a"))
                first = []
                for tag in player.tags(lambda t: len(first) >= 60):
                    first.append(tag)
                watcher.close()
                player.close()
            finally:
                stop(publisher)

        kinds = [(t.type, t.is_sequence_header) for t in first[:3]]
        self.assertEqual(kinds[0], (18, False), "metadata first")
        self.assertIn((9, True), kinds, "video sequence header before media")
        self.assertIn((8, True), kinds, "audio sequence header before media")
        media_tags = [t for t in first if not t.is_sequence_header and t.type != 18]
        first_video = next(t for t in media_tags if t.is_video)
        self.assertTrue(first_video.is_keyframe, "the first video frame is a keyframe")
        # The cached GOP (about a second of it) arrives as one burst rather than
        # in real time: without the cache the first frame would be ~1 s away.
        video = [t for t in first if t.is_video and not t.is_sequence_header]
        span_ms = video[-1].dts - video[0].dts
        arrival_s = video[-1].arrived - joined_at
        self.assertGreaterEqual(span_ms, 500, "about a second of GOP was cached")
        self.assertLess(arrival_s, span_ms / 1000.0 / 2,
                        "cached frames came as a burst, not in real time")


if __name__ == "__main__":
    unittest.main()
