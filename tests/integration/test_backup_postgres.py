"""The PostgreSQL backup of docs/operations.md, its two shell blocks run as
written there, on a PostgreSQL server this test starts on loopback: court
data made through the API, then the backup block (`courtcast backup` and
`pg_dump` into its folder) while the server runs; then the database dropped
and the data folder and config wiped; then the restore block (`createdb`,
`pg_restore`, `courtcast restore`). The restarted server
has the same sessions, cases, steps and audit chain (verified), its
platform destination opens with the restored store key, and a session's
camera publishes with the key it had before."""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

from court_api_support import (PASSWORD, approved_session, logged_in, make_users, step_body,
                               username)
from backup_support import assert_court_restored, audit_entries, court_state
from harness import BIN, ApiClient, Server, free_port, publish, stop, test_media, wait_live

PG_BIN = "/usr/lib/postgresql/15/bin/"
OPERATIONS_MD = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "operations.md")
PLATFORM_KEY = "KEYSECRET-pgbackup-41d0a2"
# The server trusts loopback and asks for no password: libpq sends it only
# when asked, so the URL may carry one, which must never be logged.
DB_PASSWORD = "PGSECRET-5b7e03c9"


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kwargs)


def check(*args):
    done = run(*args)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}")
    return done


def documented(first_line):
    """The ```sh block of docs/operations.md that starts with `first_line`."""
    with open(OPERATIONS_MD, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"```sh\n(" + re.escape(first_line) + r".*?)```", text, re.S)
    if not m:
        raise AssertionError(f"docs/operations.md has no ```sh block starting {first_line!r}")
    return m.group(1)


def run_documented(first_line, cwd, **env):
    """That block run by bash (stopping at the first failing command) in
    `cwd`, with this build's courtcast first on PATH and `env` set."""
    path = os.path.dirname(os.path.abspath(BIN)) + os.pathsep + os.environ["PATH"]
    done = subprocess.run(["bash", "-e", "-c", documented(first_line)], cwd=cwd,
                          env={**os.environ, "PATH": path, **env}, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"{first_line}: exit {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


class Postgres:
    """A throwaway PostgreSQL cluster (Debian's postgresql package) on a free
    loopback port, trust authentication for `postgres`. initdb refuses to run
    as root: as root the cluster runs as the package's `postgres` user."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="courtcast-pg-")
        self.as_owner = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        check(*self.as_owner, PG_BIN + "initdb", "-D", f"{self.dir}/data", "-U", "postgres",
              "--auth=trust", "-E", "UTF8", "--locale=C")
        # A port found free can be taken before the server binds it: try a few.
        for attempt in range(3):
            self.port = free_port()
            started = run(*self.as_owner, PG_BIN + "pg_ctl", "-D", f"{self.dir}/data",
                          "-l", f"{self.dir}/server.log", "-w", "-t", "60", "-o",
                          f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 "
                          "-c fsync=off", "start")
            if started.returncode == 0:
                return
        with open(f"{self.dir}/server.log") as f:
            raise AssertionError(f"PostgreSQL did not start: {started.stderr}\n{f.read()}")

    def url(self, database):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self):
        run(*self.as_owner, PG_BIN + "pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w",
            "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresBackup(unittest.TestCase):
    def setUp(self):
        self.pg = Postgres()
        self.addCleanup(self.pg.stop)
        self.backup = tempfile.mkdtemp(prefix="courtcast-pgbackup-")
        os.rmdir(self.backup)  # courtcast backup makes it
        self.addCleanup(shutil.rmtree, self.backup, True)

    def test_the_documented_procedure_gives_back_the_same_court(self):
        database = self.pg.url("courtcast").replace("postgres@", f"postgres:{DB_PASSWORD}@")
        check("createdb", f"--maintenance-db={self.pg.url('postgres')}", "courtcast")
        server = Server(extra=f'[database]\nurl = "{database}"\n')
        self.addCleanup(server.stop)
        media = test_media()
        with server:
            make_users(server, ("director", "officer"))
            director = logged_in(server, username("director"))
            admin = ApiClient(server, server.token())
            session, case = approved_session(director, admin)
            officer = logged_in(server, username("officer"))
            officer.ok("POST", "/steps", step_body(case, session_id=session))
            admin.ok("POST", "/destinations", {
                "name": "douyin-pg", "stream": "cam-a",
                "server_url": "rtmp://127.0.0.1:9/live", "stream_key": PLATFORM_KEY})
            before = court_state(admin)
            self.assertTrue(before["steps"][case]["steps"], "a step to compare")
            audit_before = audit_entries(admin)
            self.assertTrue(admin.ok("GET", "/audit/verify")["ok"])

            # The backup, as docs/operations.md has it, with the server running.
            backup_out = run_documented("# PostgreSQL backup.", server.dir, BACKUP=self.backup,
                                        DATABASE_URL=database)
            self.assertIn("run pg_dump", backup_out)
            self.assertTrue(os.path.getsize(os.path.join(self.backup, "courtcast.pgdump")))
            token = server.token()
            first_log = server.log()
            self.assertIn("event=database_open backend=postgresql", first_log)

        # The machine is lost: database, data folder and config.
        check("dropdb", f"--maintenance-db={self.pg.url('postgres')}", "courtcast")
        shutil.rmtree(os.path.join(server.dir, "var"))
        os.remove(server.config)

        # The restore, as documented: the database first, then courtcast restore.
        restore_out = run_documented("# PostgreSQL restore.", server.dir, BACKUP=self.backup,
                                     DATABASE_URL=database, ADMIN_URL=self.pg.url("postgres"))
        self.assertIn("config restored", restore_out)
        self.assertIn(f"audit chain: {len(audit_before)} entries verified", restore_out)
        self.assertIn("platform destinations: 1 opened", restore_out)

        with server:
            admin = ApiClient(server, server.token())
            assert_court_restored(self, admin, before, audit_before)
            self.assertNotIn("event=demo_loaded", server.log())
            self.assertIn("event=destination_restored destination=douyin-pg", server.log())
            self.assertNotIn("destinations_restore_failed", server.log())
            # The camera's key from before the loss still publishes.
            camera = f"session-{session}.cam-a"
            publisher = publish(server.rtmp_url(camera, f"key={before['keys'][session]['cam-a']}"),
                                media)
            try:
                wait_live(server, camera)
            finally:
                stop(publisher)
            # Secrets are in neither run's log nor in what the commands printed
            # (the director's cookie and CSRF token: those of the first run).
            said = {"first log": first_log, "log after the restore": server.log(),
                    "backup's output": backup_out, "restore's output": restore_out}
            secrets = {"database password": DB_PASSWORD, "platform stream key": PLATFORM_KEY,
                       "API token": token, "users' password": PASSWORD,
                       "session cookie": director.cookie.split("=", 1)[1],
                       "CSRF token": director.csrf, **{f"{name}'s publish key": key
                                              for name, key in before["keys"][session].items()}}
            for where, text in said.items():
                for what, secret in secrets.items():
                    self.assertNotIn(secret, text, f"the {what} in the {where}")


if __name__ == "__main__":
    unittest.main()
