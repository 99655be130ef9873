"""Files in data_dir are the owner's alone (0600, directories 0700), whatever
the umask courtcast was started with: the database with its -wal and -shm,
keys, recordings and the uploaded card."""

import http.client
import os
import stat
import unittest

from harness import Server, publish, stop, test_media, wait_for, wait_live
from test_card_upload import clip, read


def modes(root):
    """{path: mode} of everything under root, root included."""
    out = {root: stat.S_IMODE(os.stat(root).st_mode)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            out[path] = stat.S_IMODE(os.lstat(path).st_mode)
    return out


class DataDirModes(unittest.TestCase):
    def test_files_are_0600_and_directories_0700_under_umask_022(self):
        card = read(clip("card-upload-360p.mp4", "-c:v", "libx264", "-preset", "veryfast"))
        old = os.umask(0o022)
        try:
            server = Server().__enter__()
        finally:
            os.umask(old)
        try:
            publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
            try:
                wait_live(server, "cam-a")
                conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
                conn.request("PUT", "/api/v1/card", body=card,
                             headers={"Content-Type": "video/mp4",
                                      "Authorization": f"Bearer {server.token()}"})
                self.assertEqual(conn.getresponse().status, 200)
                conn.close()
                var = os.path.join(server.dir, "var")
                wait_for(lambda: any(p.endswith(".flv.part") for p in modes(var)), 10,
                         "a recording segment")
            finally:
                stop(publisher)
            found = modes(os.path.join(server.dir, "var"))
            names = {os.path.basename(p) for p in found}
            self.assertIn("courtcast.db", names)
            self.assertTrue(any(n.endswith("-wal") for n in names), sorted(names))
            self.assertIn("api-token", names)
            wrong = {p: oct(m) for p, m in found.items()
                     if m != (0o700 if os.path.isdir(p) else 0o600)}
            self.assertEqual(wrong, {}, "modes other than 0600 / 0700")
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
