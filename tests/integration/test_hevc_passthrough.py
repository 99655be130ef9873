"""HEVC over enhanced RTMP passes through untouched, and the API reports it."""

import os
import subprocess
import unittest

from harness import MEDIA_DIR, FlvPlayer, RtmpPublisher, Server, wait_for


def hevc_config_record(size="960x540"):
    """The hvcC box of a short x265 encode: a real HEVCDecoderConfigurationRecord."""
    os.makedirs(MEDIA_DIR, exist_ok=True)
    path = os.path.join(MEDIA_DIR, f"hevc-{size}.mp4")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                        "-i", f"testsrc2=size={size}:rate=25", "-t", "0.2", "-c:v", "libx265",
                        "-x265-params", "log-level=error", "-tag:v", "hvc1", "-f", "mp4", path],
                       check=True)
    with open(path, "rb") as f:
        data = f.read()
    at = data.find(b"hvcC")
    size_bytes = int.from_bytes(data[at - 4:at], "big")
    return data[at + 4:at - 4 + size_bytes]


def ex_video(frame_type, packet_type, payload):
    """An enhanced RTMP video tag body: ExHeader, frame type, packet type, 'hvc1'."""
    return bytes([0x80 | frame_type << 4 | packet_type]) + b"hvc1" + payload


class HevcPassthrough(unittest.TestCase):
    def test_enhanced_rtmp_hevc_reaches_players_byte_for_byte(self):
        record = hevc_config_record()
        with Server() as server:
            pub = RtmpPublisher(server.rtmp_port, "live", "cam-a?key=test-key-a1")
            sent = [ex_video(1, 0, record)]  # SequenceStart
            for i in range(50):
                key = i % 25 == 0
                # CodedFrames: 24-bit composition time, then NAL units (opaque here).
                sent.append(ex_video(1 if key else 2, 1, b"\x00\x00\x28" + os.urandom(200 + i)))
            pub.send(9, 0, sent[0])
            for i, body in enumerate(sent[1:26]):
                pub.send(9, i * 40, body)
            info = wait_for(lambda: (server.stream_info("cam-a") or {}).get("video", {}).get("width") and
                            server.stream_info("cam-a"), 5, "the stream's video description")
            self.assertEqual(info["video"]["codec"], "hevc")
            self.assertEqual((info["video"]["width"], info["video"]["height"]), (960, 540))

            player = FlvPlayer(server.flv_url("cam-a"))
            got = []
            # The late joiner first gets the header and the cached GOP...
            for tag in player.tags(lambda t: t.is_video and len(got) >= 26):
                if tag.is_video:
                    got.append(tag)
                    if len(got) == 26:
                        # ...then the live frames that follow.
                        for i, body in enumerate(sent[26:]):
                            pub.send(9, (25 + i) * 40, body)
            for tag in player.tags(lambda t: len(got) >= 51):
                if tag.is_video:
                    got.append(tag)
            pub.close()
            player.close()

        self.assertEqual(got[0].body, sent[0], "sequence start first, unchanged")
        self.assertEqual([t.body for t in got[1:]], sent[1:], "every frame, byte for byte")
        self.assertEqual([t.dts for t in got[1:]], [i * 40 for i in range(50)])


if __name__ == "__main__":
    unittest.main()
