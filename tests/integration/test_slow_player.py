"""A player that stops reading: memory stays bounded, other players keep full rate."""

import threading
import time
import unittest

from harness import FlvPlayer, Server, assert_monotonic, publish, read_for, stop, test_media, wait_live

STALL_SECONDS = 10
RSS_BOUND_KIB = 24 * 1024  # ring (~3 s + one GOP at 2.6 Mbit/s) and framings, with margin


class SlowPlayer(unittest.TestCase):
    def test_stalled_player_is_bounded_and_others_keep_full_rate(self):
        media = test_media()
        with Server() as server:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), media)
            try:
                wait_live(server, "cam-a")
                healthy = FlvPlayer(server.flv_url("cam-a"))
                read_for(healthy, 2.0)
                rss_before = server.rss_kib()

                # A small receive buffer so that the stall reaches the server quickly.
                stalled = FlvPlayer(server.flv_url("cam-a"), rcvbuf=16 * 1024)
                read_for(stalled, 0.5)

                seen, peak = [], [rss_before]

                def sample():
                    while not done.is_set():
                        peak.append(server.rss_kib())
                        done.wait(0.2)

                done = threading.Event()
                sampler = threading.Thread(target=sample)
                sampler.start()
                started = time.monotonic()
                seen = read_for(healthy, STALL_SECONDS)  # `stalled` reads nothing meanwhile
                elapsed = time.monotonic() - started
                done.set()
                sampler.join()

                video = [t for t in seen if t.is_video]
                media_seconds = (video[-1].dts - video[0].dts) / 1000.0
                self.assertGreater(media_seconds, elapsed - 1.0,
                                   f"healthy player got {media_seconds:.1f} s of media in {elapsed:.1f} s")
                growth = max(peak) - rss_before
                self.assertLess(growth, RSS_BOUND_KIB, f"server memory grew {growth} KiB during the stall")

                # The stalled player resumes: it skips ahead to a keyframe rather
                # than replaying the backlog, and its timeline stays monotonic.
                resumed = read_for(stalled, 4.0)
                assert_monotonic(resumed, self)
                self.assertFalse(stalled.closed)
                newest = max(t.dts for t in seen)
                self.assertGreater(max(t.dts for t in resumed), newest, "stalled player caught up")
                info = server.stream_info("cam-a")
                self.assertGreater(info["skipped_packets"], 0, "the skip was counted")
                healthy.close()
                stalled.close()
            finally:
                stop(publisher)


if __name__ == "__main__":
    unittest.main()
