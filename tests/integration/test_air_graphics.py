"""The air encoder's graphics (issue 15): the lower-third caption shows the
case and the step once an officer marks it."""

import os
import subprocess
import tempfile
import time
import unittest

from court_api_support import (approved_session, logged_in, make_users, session_body, step_body,
                               username)
from harness import ApiClient, Server, grab, publish, stop, test_media, wait_for, wait_live

OUT = os.path.join(os.environ.get("COURTCAST_TEST_OUTPUT", tempfile.gettempdir()), "air")


def bright_pixels(path, x, y, w, h):
    """How many pixels of the region are near white (drawn text; the band
    under the caption is dark blue)."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", path,
                          "-vf", f"crop={w}:{h}:{x}:{y},format=gray", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    return sum(1 for b in raw if b > 180)


class CaptionFromStepMarking(unittest.TestCase):
    def test_caption_shows_case_and_step_after_an_officer_marks_it(self):
        os.makedirs(OUT, exist_ok=True)
        with Server() as server:
            make_users(server, ("director",))
            director = logged_in(server, username("director"))
            admin = ApiClient(server, server.token())
            body = session_body()
            # A small air keeps x264 cheap on a loaded test machine.
            body.update({"inputs": ["cam-a"], "delay_ms": 0,
                         "air": {"width": 640, "height": 360, "preset": "ultrafast",
                                 "video_bitrate_kbps": 800}})
            session, case = approved_session(director, admin, body)
            url = director.ok("POST", f"/sessions/{session}/publish-urls")["inputs"][0]["publish_url"]
            air = f"session-{session}"
            pub = publish(url, test_media())
            try:
                wait_live(server, f"{air}.cam-a")
                director.ok("POST", f"/sessions/{session}/start")
                director.ok("POST", f"/programs/{air}/take", {"input": "cam-a"}, expect=(202,))
                wait_for(lambda: admin.ok("GET", f"/programs/{air}")["on_air"] == "program"
                         and admin.ok("GET", f"/programs/{air}")["on_program"] == "cam-a",
                         30, "cam-a on air")
                before = os.path.join(OUT, "caption-before-step.png")
                after = os.path.join(OUT, "caption-after-step.png")
                grab(server.flv_url(air), before, 2)
                marked_at = time.time()
                step = step_body(case, "arrival", session_id=session,
                                 start_ms=int(marked_at * 1000))
                del step["end_ms"]  # under way
                admin.ok("POST", "/steps", step)
                # Frames encoded after the mark: a player starts at the newest
                # keyframe (at most 2 s old), so read past it.
                grab(server.flv_url(air), after, 4)
            finally:
                stop(pub)
                log = "\n".join(line for line in server.log().splitlines()
                                if "event=program" in line or "event=air" in line)
        # 640x360 air: the caption line is drawn from y = 320, the title above it.
        region = (24, 318, 450, 24)
        self.assertLess(bright_pixels(before, *region), 20, "no caption before the step\n" + log)
        self.assertGreater(bright_pixels(after, *region), 150, "the caption after the step\n" + log)


if __name__ == "__main__":
    unittest.main()
