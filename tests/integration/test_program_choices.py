"""A director's slate message and graphics switches are the program's, kept
across a restart of the server (data_dir/programs/NAME.json), not reset to
the defaults."""

import json
import os
import unittest

from harness import Server, wait_for

# Pass-through air: nothing to encode, the choices are kept all the same.
PROGRAM = '[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\nair_mode = "passthrough"\n'


def read_json(path):
    with open(path) as f:
        return json.load(f)


class ProgramChoices(unittest.TestCase):
    def setUp(self):
        self.server = Server(streams=(("cam-a", "key-a-123456", False),), extra=PROGRAM).__enter__()
        self.addCleanup(self.server.stop)

    def air(self):
        status, view = self.server.control("GET", "/programs/air1")
        self.assertEqual(status, 200, view)
        return view["air"]

    def test_slate_and_switches_are_as_the_director_left_them_after_a_restart(self):
        defaults = self.air()
        self.assertEqual(defaults["slate"]["message"], "直播暂停 · 请稍候")
        self.assertTrue(defaults["graphics"]["clock"])
        self.assertEqual(self.server.control("POST", "/programs/air1/slate",
                                             {"message": "前往第二执行现场途中",
                                              "background": "#203040"})[0], 202)
        self.assertEqual(self.server.control("POST", "/programs/air1/graphics",
                                             {"clock": False, "live_tag": True})[0], 202)
        kept = os.path.join(self.server.dir, "var", "programs", "air1.json")
        # The change is applied (and kept) on the program's executor, after the 202.
        wait_for(lambda: os.path.exists(kept) and not read_json(kept)["graphics"]["clock"],
                 10, "the choices in " + kept)

        self.server.stop()
        self.server.__enter__()

        after = self.air()
        self.assertEqual(after["slate"], {"message": "前往第二执行现场途中", "background": "#203040"})
        self.assertFalse(after["graphics"]["clock"])
        self.assertTrue(after["graphics"]["live_tag"])
        self.assertTrue(after["graphics"]["caption"])  # untouched: still the default

    def test_a_damaged_choices_file_leaves_the_defaults(self):
        self.server.stop()
        os.makedirs(os.path.join(self.server.dir, "var", "programs"), exist_ok=True)
        with open(os.path.join(self.server.dir, "var", "programs", "air1.json"), "w") as f:
            f.write('{"slate": {"message": "", "background": "red"}, "graphics": {"clock": 1}}')
        self.server.__enter__()
        air = self.air()
        self.assertEqual(air["slate"], {"message": "直播暂停 · 请稍候", "background": "card"})
        self.assertTrue(air["graphics"]["clock"])


if __name__ == "__main__":
    unittest.main()
