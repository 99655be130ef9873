"""`courtcast backup DIR` while the server runs, then the data folder and
the config wiped, then `courtcast restore DIR`: the restarted server has
the same sessions, cases, steps, audit chain (verified), cameras' publish
keys and platform destinations, and the recording listed in the backup
checks against its manifest. No platform key is readable in the backup."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, ApiClient, Server, publish, stop, test_media, wait_for, wait_live

PLATFORM_KEY = "KEYSECRET-backup-7c1e9d"


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def court_state(admin):
    """What must come back: sessions, cases, each session's steps and
    cameras' publish URLs, the audit log as it stands."""
    sessions = admin.ok("GET", "/sessions")
    state = {"sessions": sessions, "cases": admin.ok("GET", "/cases"), "steps": {},
             "publish_urls": {}}
    for s in sessions["sessions"] if isinstance(sessions, dict) else sessions:
        state["steps"][s["id"]] = admin.ok("GET", f"/sessions/{s['id']}/steps")
        urls = admin.ok("POST", f"/sessions/{s['id']}/publish-urls", {})
        # The keys, not the port: a restarted server listens on another.
        state["publish_urls"][s["id"]] = {i["name"]: i["stream_key"] for i in urls["inputs"]}
    return state


class BackupRestore(unittest.TestCase):
    def test_backup_wipe_restore_gives_back_the_same_court(self):
        backup = tempfile.mkdtemp(prefix="courtcast-backup-")
        os.rmdir(backup)  # backup makes it
        server = Server()
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
                before = court_state(admin)
                audit_before = admin.ok("GET", "/audit?limit=1000")["entries"]
                self.assertTrue(admin.ok("GET", "/audit/verify")["ok"])

                done = run("backup", backup, "--config", server.config)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn("1 recording manifest(s) listed", done.stdout)

            with open(os.path.join(backup, "backup.json")) as f:
                index = json.load(f)
            self.assertEqual(index["database"], "sqlite")
            self.assertEqual(len(index["recordings"]), 1)
            self.assertTrue(index["recordings"][0]["dir"].endswith("cam-a"))
            paths = {f["path"] for f in index["files"]}
            for wanted in ("courtcast.db", "courtcast.toml", "keys/store.key", "keys/api-token",
                           "keys/session-publish-secret"):
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

            done = run("restore", backup, "--config", server.config)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("config restored", done.stdout)
            self.assertIn(f"audit chain: {len(audit_before)} entries verified", done.stdout)
            self.assertIn("platform destinations: 1 opened", done.stdout)
            self.assertIn("recordings: 1 of 1 manifest(s) as listed", done.stdout)

            with server:
                admin = ApiClient(server, server.token())
                verified = admin.ok("GET", "/audit/verify")
                self.assertTrue(verified["ok"], verified)
                audit_after = admin.ok("GET", "/audit?limit=1000")["entries"]
                self.assertEqual(audit_after[:len(audit_before)], audit_before)
                after = court_state(admin)
                self.assertEqual(after["sessions"], before["sessions"])
                self.assertEqual(after["cases"], before["cases"])
                self.assertEqual(after["steps"], before["steps"])
                self.assertEqual(after["publish_urls"], before["publish_urls"])
                self.assertTrue(after["publish_urls"], "there were sessions to compare")
                destinations = json.dumps(admin.ok("GET", "/destinations"))
                self.assertIn("douyin-backup", destinations)
                self.assertIn("event=destination_restored destination=douyin-backup",
                              server.log())
                self.assertNotIn("destinations_restore_failed", server.log())
                self.assertNotIn("event=demo_loaded", server.log())
        finally:
            shutil.rmtree(backup, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
