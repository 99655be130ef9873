"""`courtcast rotate-store-key`: a new data_dir/keys/store.key, the
platforms' stream keys sealed again with it, and the server that starts
afterwards opens and restores them; the database file never shows them."""

import os
import subprocess
import unittest

from harness import BIN, ApiClient, Server

PLATFORM_KEY = "KEYSECRET-rotate-5b2f80"


class StoreKeyRotation(unittest.TestCase):
    def test_rotation_reseals_the_platform_keys_and_the_server_still_restores_them(self):
        server = Server()
        keys = os.path.join(server.dir, "var", "keys")
        with server:
            ApiClient(server, server.token()).ok("POST", "/destinations", {
                "name": "kuaishou-rot", "stream": "cam-a",
                "server_url": "rtmp://127.0.0.1:9/live", "stream_key": PLATFORM_KEY})
        with open(os.path.join(keys, "store.key")) as f:
            old_key = f.read()

        done = subprocess.run([BIN, "rotate-store-key", "--config", server.config],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("1 platform stream key(s) sealed again", done.stdout)
        with open(os.path.join(keys, "store.key")) as f:
            self.assertNotEqual(f.read(), old_key)
        self.assertFalse(os.path.exists(os.path.join(keys, "store.key.next")))
        self.assertEqual(os.stat(os.path.join(keys, "store.key")).st_mode & 0o777, 0o600)

        with server:
            self.assertIn("event=destination_restored destination=kuaishou-rot", server.log())
            self.assertNotIn("destinations_restore_failed", server.log())
        for name in ("courtcast.db", "courtcast.db-wal"):
            path = os.path.join(server.dir, "var", name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.assertNotIn(PLATFORM_KEY.encode(), f.read(), name)

        # With the old key put back the server does not start, and says why.
        with open(os.path.join(keys, "store.key"), "w") as f:
            f.write(old_key)
        refused = subprocess.run([BIN, "serve", "--config", server.config], capture_output=True,
                                 text=True, timeout=60)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("put back the keys folder the database was backed up with",
                      refused.stdout + refused.stderr)


if __name__ == "__main__":
    unittest.main()
