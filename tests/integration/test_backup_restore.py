"""`courtcast backup DIR` while the server runs, then the data folder and
the config wiped, then `courtcast restore DIR`: the restarted server has
the same sessions, cases, steps, audit chain (verified), cameras' publish
keys and platform destinations, the court's emblem, a program's slate
message and graphics switches, and the recording listed in the backup
checks against its manifest. No platform key is readable in the backup."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

from backup_support import assert_court_restored, audit_entries, court_state
from harness import BIN, ApiClient, Server, publish, stop, test_media, wait_for, wait_live

PLATFORM_KEY = "KEYSECRET-backup-7c1e9d"
# Pass-through air: nothing to encode; its director's choices are kept all the same.
PROGRAM = '[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\nair_mode = "passthrough"\n'
SLATE = {"message": "前往第二执行现场途中", "background": "#203040"}


def emblem_png(path):
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=white:size=64x48:rate=1", "-frames:v", "1", path], check=True)
    with open(path, "rb") as f:
        return f.read()


def read_json(path):
    with open(path) as f:
        return json.load(f)


def put_emblem(server, png):
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.http_port}/api/v1/emblem", method="PUT", data=png,
        headers={"Authorization": f"Bearer {server.token()}", "Content-Type": "image/png"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


class BackupRestore(unittest.TestCase):
    def test_backup_wipe_restore_gives_back_the_same_court(self):
        backup = tempfile.mkdtemp(prefix="courtcast-backup-")
        os.rmdir(backup)  # backup makes it
        server = Server(extra=PROGRAM)
        try:
            with server:
                admin = ApiClient(server, server.token())
                # A recording with a closed segment, so its manifest has a line.
                publisher = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
                try:
                    wait_live(server, "cam-a")
                finally:
                    stop(publisher)
                manifests = wait_for(
                    lambda: [m for m in glob.glob(f"{server.dir}/var/recordings/*/cam-a/"
                                                  "manifest.jsonl") if os.path.getsize(m) > 0],
                    15, "the recording's manifest line")
                admin.ok("POST", "/destinations", {
                    "name": "douyin-backup", "stream": "cam-a",
                    "server_url": "rtmp://127.0.0.1:9/live", "stream_key": PLATFORM_KEY})
                # What the court set through the API outside the database.
                emblem = put_emblem(server, emblem_png(os.path.join(server.dir, "emblem.png")))
                admin.ok("POST", "/programs/air1/slate", SLATE, expect=(202,))
                admin.ok("POST", "/programs/air1/graphics", {"clock": False, "live_tag": True},
                         expect=(202,))
                choices = os.path.join(server.dir, "var", "programs", "air1.json")
                # Kept on the program's executor, after the 202.
                wait_for(lambda: os.path.exists(choices) and read_json(choices)["slate"] == SLATE
                         and not read_json(choices)["graphics"]["clock"], 10,
                         "the choices in " + choices)
                air_before = admin.ok("GET", "/programs/air1")["air"]
                before = court_state(admin)
                audit_before = audit_entries(admin)
                self.assertTrue(admin.ok("GET", "/audit/verify")["ok"])

                done = run("backup", backup, "--config", server.config)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn("1 recording manifest(s) listed", done.stdout)
                said = {"first log": server.log(), "backup's output": done.stdout + done.stderr}
                token = server.token()

            with open(os.path.join(backup, "backup.json")) as f:
                index = json.load(f)
            self.assertEqual(index["database"], "sqlite")
            self.assertEqual(len(index["recordings"]), 1)
            self.assertTrue(index["recordings"][0]["dir"].endswith("cam-a"))
            paths = {f["path"] for f in index["files"]}
            for wanted in ("courtcast.db", "courtcast.toml", "keys/store.key", "keys/api-token",
                           "keys/session-publish-secret", "programs/air1.json",
                           f"emblem/emblem-{emblem['sha256'][:16]}.png"):
                self.assertIn(wanted, paths)
            with open(os.path.join(backup, "courtcast.db"), "rb") as f:
                self.assertNotIn(PLATFORM_KEY.encode(), f.read(), "the key is sealed")
            self.assertEqual(os.stat(os.path.join(backup, "keys", "store.key")).st_mode & 0o777,
                             0o600)

            # The machine is lost: data folder (but for the recordings,
            # which live on their own disk) and config.
            recordings = os.path.join(server.dir, "recordings-kept")
            shutil.move(os.path.join(server.dir, "var", "recordings"), recordings)
            shutil.rmtree(os.path.join(server.dir, "var"))
            os.remove(server.config)
            os.makedirs(os.path.join(server.dir, "var"))
            shutil.move(recordings, os.path.join(server.dir, "var", "recordings"))
            # Left on the new machine by something else: not what the backup
            # holds, so gone after the restore (the emblem store would take
            # whichever emblem it lists first).
            stale = [os.path.join(server.dir, "var", "emblem", "emblem-0123456789abcdef.png"),
                     os.path.join(server.dir, "var", "programs", "air1.json.tmp"),
                     os.path.join(server.dir, "var", "programs", "air9.json")]
            for path in stale:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                shutil.copy(os.path.join(server.dir, "emblem.png") if path.endswith(".png")
                            else os.path.join(backup, "programs", "air1.json"), path)

            done = run("restore", backup, "--config", server.config)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("config restored", done.stdout)
            self.assertIn(f"audit chain: {len(audit_before)} entries verified", done.stdout)
            self.assertIn("platform destinations: 1 opened", done.stdout)
            self.assertIn("recordings: 1 of 1 manifest(s) as listed", done.stdout)
            said["restore's output"] = done.stdout + done.stderr
            for path in stale:
                self.assertFalse(os.path.exists(path), path)

            with server:
                admin = ApiClient(server, server.token())
                assert_court_restored(self, admin, before, audit_before)
                self.assertTrue(before["keys"], "there were sessions to compare")
                destinations = json.dumps(admin.ok("GET", "/destinations"))
                self.assertIn("douyin-backup", destinations)
                self.assertIn("event=destination_restored destination=douyin-backup",
                              server.log())
                self.assertNotIn("destinations_restore_failed", server.log())
                self.assertNotIn("event=demo_loaded", server.log())
                self.assertEqual(admin.ok("GET", "/emblem"), emblem)
                air_after = admin.ok("GET", "/programs/air1")["air"]
                self.assertEqual(air_after["slate"], SLATE)
                self.assertEqual(air_after["graphics"], air_before["graphics"])
                self.assertFalse(air_after["graphics"]["clock"])
                self.assertTrue(air_after["graphics"]["live_tag"])
                self.assertTrue(air_after["graphics"]["emblem_set"])
                # Secrets are in neither run's log nor in what the commands printed.
                said["log after the restore"] = server.log()
                secrets = {"platform stream key": PLATFORM_KEY, "API token": token,
                           "cam-a's configured key": "test-key-a1"}
                for session, keys in before["keys"].items():
                    secrets.update({f"session {session} {name}'s publish key": key
                                    for name, key in keys.items()})
                for where, text in said.items():
                    for what, secret in secrets.items():
                        self.assertNotIn(secret, text, f"the {what} in the {where}")
        finally:
            shutil.rmtree(backup, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
