"""Configuration errors name their line; port 0 picks a port; SIGTERM stops cleanly."""

import os
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import BIN, Server, wait_for


def check_config(text):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(text)
    try:
        p = subprocess.run([BIN, "check-config", f.name], capture_output=True, text=True, timeout=10)
        return p.returncode, p.stderr.replace(f.name, "FILE")
    finally:
        os.unlink(f.name)


class Config(unittest.TestCase):
    def test_unknown_key_is_refused_with_its_line(self):
        code, err = check_config('[rtmp]\nlisten = "127.0.0.1:0"\nlisen = "x"\n')
        self.assertEqual(code, 2)
        self.assertIn("FILE:3", err)
        self.assertIn("unknown key 'lisen' in [rtmp]", err)

    def test_bad_values_name_the_line_and_what_is_allowed(self):
        cases = {
            '[live]\nmax_lag_ms = "lots"\n': ("FILE:2", "integer from 500 to 60000"),
            '[[stream]]\nname = "cam a"\nkey = "long-enough"\n': ("FILE:1", "letters, digits"),
            '[[stream]]\nname = "cam-a"\nkey = "short"\n': ("FILE:1", "at least 8 characters"),
            '[[destination]]\nstream = "cam-a"\nname = "douyin"\nurl = "http://x"\n': ("FILE:1", "rtmp:// or rtmps://"),
            '[rtmp]\nlisten = "127.0.0.1:99999"\n': ("FILE", "bad port"),
            '[rtmp\n': ("FILE:1", ""),
            '[log]\nlevel = "loud"\n': ("FILE:2", "one of trace"),
        }
        for text, (where, what) in cases.items():
            code, err = check_config(text)
            self.assertEqual(code, 2, text)
            self.assertIn(where, err, text)
            self.assertIn(what, err, text)

    def test_a_full_config_with_every_fixed_key_is_accepted(self):
        code, err = check_config(
            '[server]\ndata_dir = "var"\n[rtmp]\nlisten = "0.0.0.0:1935"\n[http]\nlisten = "0.0.0.0:8080"\n'
            '[srt]\nlisten = "0.0.0.0:10080"\n[database]\nurl = "sqlite:var/courtcast.db"\n'
            '[[stream]]\nname = "cam-a"\nkey = "change-me"\n'
            '[[destination]]\nstream = "cam-a"\nname = "douyin"\nurl = "rtmp://push.example/live/KEY"\n')
        self.assertEqual((code, err), (0, ""))


class Lifecycle(unittest.TestCase):
    def test_port_zero_is_logged_and_sigterm_stops_cleanly(self):
        server = Server().__enter__()
        self.assertGreater(server.rtmp_port, 0)
        self.assertGreater(server.http_port, 0)
        self.assertEqual(server.api("/streams"), {"streams": []})
        server.proc.send_signal(signal.SIGTERM)
        self.assertEqual(server.proc.wait(10), 0)
        self.assertIn("event=stopped", server.log())
        server.stop()

    def test_default_stream_key_is_made_once_and_kept_private(self):
        server = Server(streams=()).__enter__()
        try:
            key_file = os.path.join(server.dir, "var", "keys", "cam-a.publish-key")
            wait_for(lambda: os.path.exists(key_file), 5, "the default key file")
            self.assertEqual(os.stat(key_file).st_mode & 0o777, 0o600)
            with open(key_file) as f:
                key = f.read().strip()
            self.assertGreaterEqual(len(key), 16)
            self.assertNotIn(key, server.log(), "the key is not written to the log")
        finally:
            server.stop()

    def test_a_server_stuck_in_start_up_is_not_left_running_by_the_harness(self):
        # A database that takes the connection and never answers: courtcast
        # waits on it and never reports its listeners.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            server = Server(extra=f'[database]\nurl = "postgresql://postgres@127.0.0.1:'
                                  f'{silent.getsockname()[1]}/courtcast"\n')
            server.start_timeout = 2
            with self.assertRaisesRegex(AssertionError, "the RTMP listener"):
                server.__enter__()
            self.assertIsNotNone(server.proc.poll(), "stopped before the harness gave up")

    def test_a_server_that_exits_in_start_up_is_reported_at_once_with_its_log(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            server = Server(srt=f'listen = "127.0.0.1:{taken.getsockname()[1]}"')
            with self.assertRaisesRegex(AssertionError, "exited with status 1 during start-up"):
                server.__enter__()


if __name__ == "__main__":
    unittest.main()
