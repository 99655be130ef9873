"""Every API route, asked with odd ids, bodies and queries, answers with an HTTP
status below 500 and a message; the server stays up and logs no failed
request. The routes are read from the route table itself
(src/http/routes.cpp), so a new route is probed without editing this test."""

import http.client
import json
import os
import re
import unittest

from harness import Server, publish, stop, test_media, wait_live

ROUTES_CPP = os.path.join(os.path.dirname(__file__), "..", "..", "src", "http", "routes.cpp")

# Ids as a caller might send them by mistake or on purpose: leading zeros,
# too many digits for an int64, negative, zero, a name where a number goes,
# control and bidi characters, a traversal, percent-encoded NUL.
ODD_SEGMENTS = ("02", "9" * 30, "-1", "0", "1e3", "a%0Ab", "%E2%80%AE", "..", "%00", "x" * 300)

# Bodies: not JSON, not an object, and an object whose fields have the
# names the API uses with values of every wrong kind.
FIELDS = ("name", "input", "delay_seconds", "reason", "text", "from", "to", "case_id",
          "session_id", "username", "password", "role", "url", "server", "stream_key", "enabled",
          "seconds", "message", "number", "title", "kind", "type", "at", "started_at", "ended_at",
          "deadline", "officers", "cases", "inputs", "viewers", "count", "platform", "figures",
          "campaign_id", "step", "note", "question_id", "into", "answer", "auto_return_seconds")
# The query parameters the API reads, each with odd values and twice.
QUERY_NAMES = ("after", "limit", "state", "verify", "campaign_id", "case_id", "session_id")
ODD_QUERY_VALUES = ("9" * 30, "-1", "02", "0", "nan", "", "%00", "%E2%80%AE", "x" * 300)
WRONG_VALUES = ("9" * 30, -1, 1e308, "\u0000\u202e\u200b", [], {}, None, True, "x" * 5000)


def odd_bodies():
    """Not JSON, not an object, and then each field name alone with each
    wrong value (a field the route does not know is refused before any
    other is read, so fields are sent one at a time)."""
    yield b"{"
    yield b"[1,2,3]"
    yield b'"just a string"'
    for field in FIELDS:
        for value in WRONG_VALUES:
            yield json.dumps({field: value}).encode()


def odd_queries():
    for name in QUERY_NAMES:
        for value in ODD_QUERY_VALUES:
            yield f"?{name}={value}"
        yield f"?{name}=1&{name}=2"


def routes():
    with open(ROUTES_CPP, encoding="utf-8") as f:
        text = f.read()
    return sorted(set(re.findall(r'\{"(GET|POST|PATCH|PUT|DELETE)", "(/api/v1/[^"]*)"', text)))


class OddInput(unittest.TestCase):
    def test_every_route_answers_odd_ids_and_bodies_below_500(self):
        extra = ('[[program]]\nname = "air1"\ninputs = ["cam-a"]\ndelay_seconds = 0\n'
                 'air_mode = "passthrough"\n')
        with Server(extra=extra) as server:
            camera = publish(server.rtmp_url("cam-a", "key=test-key-a1"), test_media())
            try:
                wait_live(server, "cam-a")
                token = server.token()
                table = routes()
                self.assertGreater(len(table), 80, "the route table was read")
                failures = []
                asked = 0
                for method, pattern in table:
                    if pattern in ("/api/v1/login", "/api/v1/logout", "/api/v1/tokens"):
                        continue  # password hashing and the caller's own credentials
                    has_body = method in ("POST", "PATCH", "PUT")
                    # Odd ids, with an empty object where a body goes; then the
                    # ids of things that exist, with every odd body.
                    odd = {pattern.replace("{name}", s).replace("{id}", s) for s in ODD_SEGMENTS}
                    real = {pattern.replace("{name}", "cam-a").replace("{id}", "1"),
                            pattern.replace("{name}", "air1").replace("{id}", "1")}
                    probes = [(path, b"{}" if has_body else None) for path in sorted(odd - real)]
                    probes += [(path, body) for path in sorted(real)
                               for body in (odd_bodies() if has_body else [None])]
                    if method == "GET":
                        probes += [(path + q, None) for path in sorted(real) for q in odd_queries()]
                    for path, body in probes:
                        status, answer = self.ask(server, token, method, path, body)
                        asked += 1
                        if status is None or status >= 500:
                            failures.append(f"{method} {path} {body[:80] if body else ''!r}: "
                                            f"{status} {answer[:200]!r}")
                self.assertEqual(failures, [], f"of {asked} requests")
                self.assertIsNone(server.proc.poll(), "the server is still running")
                self.assertNotIn("event=request_failed", server.log())
                self.assertEqual(server.control("GET", "/streams")[0], 200)
            finally:
                stop(camera)

    def test_media_and_page_paths_answer_odd_names_below_500(self):
        templates = ("/live/{}.flv", "/live/{}/index.m3u8", "/live/{}/ts.m3u8", "/live/cam-a/{}",
                     "/live/cam-a/{}.ts", "/live/cam-a/{}.m4s", "/{}", "/watch/{}", "/assets/{}")
        with Server() as server:
            failures = []
            for template in templates:
                for segment in ODD_SEGMENTS + ("cam-a%2F..", "cam-a/../../etc/passwd"):
                    path = template.format(segment)
                    status, answer = self.ask(server, None, "GET", path, None)
                    if status is None or status >= 500:
                        failures.append(f"GET {path[:80]}: {status} {answer[:200]!r}")
            self.assertEqual(failures, [])
            self.assertIsNone(server.proc.poll(), "the server is still running")

    @staticmethod
    def ask(server, token, method, path, body):
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            raw = r.read()
            # A refusal says why: the API in JSON's "message", the rest in text.
            said = b'"message"' in raw if path.startswith("/api/") else raw.strip() != b""
            if r.status >= 400 and not said:
                return r.status + 1000, raw.decode(errors="replace")  # an error without a message
            return r.status, raw.decode(errors="replace")
        except (http.client.HTTPException, OSError) as e:
            return None, f"{type(e).__name__}: {e}"
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
