"""kill -9 while officers mark steps: every step the server answered 201
for is still there after the restart, with its audit entry, and the audit
chain verifies. Step marks share commits on SQLite (store/group_commit.cpp)
and are pipelined on PostgreSQL (store/postgres_database.cpp); an answer
must never be sent before the commit that holds its step, and concurrent
marks must neither fork nor break the chain."""

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import unittest

from court_api_support import T0, case_body
from harness import Server, wait_for

CLIENTS = 8
PG_TEST_SERVER = os.environ.get("COURTCAST_PG_TEST_SERVER", "build/tests/store/pg_test_server")


class KillWhileMarkingSteps(unittest.TestCase):
    def test_every_answered_step_survives_kill_9(self):
        self.kill_while_marking(Server())

    def test_every_answered_step_survives_kill_9_on_postgresql(self):
        state = os.path.join(tempfile.mkdtemp(prefix="courtcast-pg-state-"), "state")
        started = subprocess.run([PG_TEST_SERVER, "start", state], capture_output=True, text=True)
        self.assertEqual(started.returncode, 0, started.stderr)
        self.addCleanup(subprocess.run, [PG_TEST_SERVER, "stop", state], capture_output=True)
        port = re.search(r"127\.0\.0\.1:(\d+)", started.stdout).group(1)
        self.kill_while_marking(Server(
            extra=f'[database]\nurl = "postgresql://postgres@127.0.0.1:{port}/postgres"\n'))

    def kill_while_marking(self, server):
        with server:
            status, case = server.control("POST", "/cases", case_body())
            self.assertEqual(status, 201, case)
            status, verified = server.control("GET", "/audit/verify")
            entries_before = verified["entries"]
            headers = {"Authorization": f"Bearer {server.token()}",
                       "Content-Type": "application/json"}
            answered = [[] for _ in range(CLIENTS)]

            def mark(k):
                conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
                for i in range(100_000):
                    body = {"case_id": case["id"], "type": "payment_on_spot", "amount_fen": 100,
                            "start_ms": T0 + k * 1_000_000 + i,
                            "officers": [{"name": "王某", "role": "judge"}]}
                    try:
                        conn.request("POST", "/api/v1/steps", json.dumps(body), headers)
                        r = conn.getresponse()
                        raw = r.read()
                    except (OSError, http.client.HTTPException):
                        return  # the server is gone
                    if r.status != 201:
                        return
                    answered[k].append(json.loads(raw)["id"])

            threads = [threading.Thread(target=mark, args=(k,)) for k in range(CLIENTS)]
            for t in threads:
                t.start()
            # Killed while every client still has a mark in flight.
            wait_for(lambda: all(len(a) >= 20 for a in answered), 20, "20 marks per client")
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            for t in threads:
                t.join(10)
            ids = sorted(i for a in answered for i in a)
            self.assertGreaterEqual(len(ids), 20 * CLIENTS)

            server.log_file.close()
            server.__enter__()  # the same config and data_dir: the next start
            status, listed = server.control("GET", f"/steps?case_id={case['id']}")
            self.assertEqual(status, 200, listed)
            stored = {s["id"] for s in listed["steps"]}
            lost = [i for i in ids if i not in stored]
            self.assertEqual(lost, [], f"{len(lost)} answered steps lost of {len(ids)}")
            status, got = server.control("GET", f"/cases/{case['id']}")
            self.assertEqual(got["recovered_fen"], 100 * len(stored))
            status, verified = server.control("GET", "/audit/verify")
            self.assertEqual(status, 200, verified)
            self.assertTrue(verified["ok"], verified)
            # One entry per stored step, none without the other.
            marks = []
            after = entries_before
            while True:
                status, page = server.control("GET", f"/audit?after={after}&limit=1000")
                if not page["entries"]:
                    break
                marks += [e for e in page["entries"] if e["action"] == "step.mark"]
                after = page["entries"][-1]["seq"]
            self.assertEqual(sorted(json.loads(e["details"])["step_id"] if isinstance(e["details"], str)
                                    else e["details"]["step_id"] for e in marks), sorted(stored))


if __name__ == "__main__":
    unittest.main()
