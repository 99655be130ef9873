"""The web console's files at /: types, caching, ETag, gzip siblings, HEAD,
the SPA fallback, security headers, no way out of web_dir, and a server
that starts without a built console and says how to build it."""

import gzip
import os
import re
import shutil
import socket
import tempfile
import unittest

from harness import Server

INDEX = b"<!doctype html><html><head><script type=module src=/assets/index-3f9a1c.js></script>" \
        b"</head><body><div id=app></div></body></html>"
WATCH = b"<!doctype html><html><head><script type=module src=/assets/watch-1c2d3e.js></script>" \
        b"</head><body><div id=watch></div></body></html>"
SCRIPT = b"console.log('courtcast console');\n" * 200
SECRET = b"the secret outside web_dir"

FILES = {
    "index.html": INDEX,
    "watch.html": WATCH,
    "assets/index-3f9a1c.js": SCRIPT,
    "assets/vendor-77aa01.mjs": b"export const x = 1;\n",
    "assets/index-9b8c7d.css": b"body { margin: 0 }\n",
    "assets/logo-1a2b3c.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "assets/camera-4d5e6f.png": b"\x89PNG\r\n\x1a\n",
    "assets/font-0a0b0c.woff2": b"wOF2",
    "assets/index-3f9a1c.js.map": b"{\"version\":3}",
    "assets/codec-5e5e5e.wasm": b"\x00asm\x01\x00\x00\x00",
    "favicon.ico": b"\x00\x00\x01\x00",
    "manifest.json": b"{}",
}

TYPES = {
    "/": "text/html; charset=utf-8",
    "/assets/index-3f9a1c.js": "text/javascript; charset=utf-8",
    "/assets/vendor-77aa01.mjs": "text/javascript; charset=utf-8",
    "/assets/index-9b8c7d.css": "text/css; charset=utf-8",
    "/assets/logo-1a2b3c.svg": "image/svg+xml",
    "/assets/camera-4d5e6f.png": "image/png",
    "/assets/font-0a0b0c.woff2": "font/woff2",
    "/assets/index-3f9a1c.js.map": "application/json",
    "/assets/codec-5e5e5e.wasm": "application/wasm",
    "/favicon.ico": "image/x-icon",
    "/manifest.json": "application/json",
}


def raw_request(port, target, method="GET", headers=None):
    """(status, headers dict with lower-case names, body) of a request sent
    byte for byte as given: no client-side normalisation of the target."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    out = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        out[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), out, body


def server_with_web_dir(web_dir):
    return Server(http=f'web_dir = "{web_dir}"')


class WebConsoleFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="courtcast-web-")
        cls.web_dir = os.path.join(cls.tmp, "dist")
        for rel, content in FILES.items():
            path = os.path.join(cls.web_dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content)
        with open(os.path.join(cls.web_dir, "assets/index-3f9a1c.js.gz"), "wb") as f:
            f.write(gzip.compress(SCRIPT))
        # What must never be served: a file beside web_dir, and symlinks
        # inside it that point out.
        with open(os.path.join(cls.tmp, "secret.txt"), "wb") as f:
            f.write(SECRET)
        os.symlink(os.path.join(cls.tmp, "secret.txt"), os.path.join(cls.web_dir, "leak.txt"))
        os.symlink("../../secret.txt", os.path.join(cls.web_dir, "assets", "leak-000000.js"))
        os.symlink(cls.tmp, os.path.join(cls.web_dir, "up"))
        cls.server = server_with_web_dir(cls.web_dir)
        cls.server.__enter__()
        cls.port = cls.server.http_port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, target, **headers):
        return raw_request(self.port, target, headers=headers)

    def test_files_are_served_with_their_types(self):
        for target, type_ in TYPES.items():
            status, headers, body = self.get(target)
            self.assertEqual((status, headers["content-type"]), (200, type_), target)
            self.assertEqual(headers["x-content-type-options"], "nosniff", target)
            rel = "index.html" if target == "/" else target[1:]
            self.assertEqual(body, FILES[rel], target)

    def test_index_is_revalidated_and_carries_a_strict_policy(self):
        for target in ("/", "/index.html"):
            status, headers, body = self.get(target)
            self.assertEqual(status, 200)
            self.assertEqual(headers["cache-control"], "no-cache")
            policy = headers["content-security-policy"]
            for directive in ("default-src 'self'", "media-src 'self' blob:",
                              "worker-src 'self' blob:", "connect-src 'self' ws: wss:",
                              "img-src 'self' data: blob:", "frame-ancestors 'none'"):
                self.assertIn(directive, policy)
            self.assertNotIn("unsafe-eval", policy)
            self.assertNotIn("unsafe-inline", policy.split("style-src")[0])
            self.assertEqual(headers["referrer-policy"], "same-origin")
            self.assertEqual(headers["x-frame-options"], "DENY")

    def test_hashed_assets_are_cached_for_a_year_and_others_revalidated(self):
        _, headers, _ = self.get("/assets/index-9b8c7d.css")
        self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
        _, headers, _ = self.get("/favicon.ico")
        self.assertEqual(headers["cache-control"], "no-cache")

    def test_etag_answers_304_when_unchanged(self):
        for target in ("/", "/assets/index-9b8c7d.css", "/login"):
            _, headers, _ = self.get(target, Accept="text/html")
            etag = headers["etag"]
            status, again, body = self.get(target, Accept="text/html", **{"If-None-Match": etag})
            self.assertEqual((status, body), (304, b""), target)
            self.assertEqual(again["etag"], etag)
            status, _, _ = self.get(target, Accept="text/html",
                                    **{"If-None-Match": '"other", ' + etag})
            self.assertEqual(status, 304)
            status, _, body = self.get(target, Accept="text/html", **{"If-None-Match": '"other"'})
            self.assertEqual(status, 200)
            self.assertTrue(body)

    def test_gzip_sibling_is_sent_to_browsers_that_take_it(self):
        status, headers, body = self.get("/assets/index-3f9a1c.js",
                                         **{"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual((status, headers["content-encoding"]), (200, "gzip"))
        self.assertEqual(headers["vary"], "Accept-Encoding")
        self.assertEqual(gzip.decompress(body), SCRIPT)
        self.assertLess(len(body), len(SCRIPT))
        plain_headers = self.get("/assets/index-3f9a1c.js")[1]
        self.assertNotIn("content-encoding", plain_headers)
        self.assertNotEqual(plain_headers["etag"], headers["etag"])
        refused = self.get("/assets/index-3f9a1c.js", **{"Accept-Encoding": "gzip;q=0"})[1]
        self.assertNotIn("content-encoding", refused)
        # No sibling: sent as is.
        self.assertNotIn("content-encoding",
                         self.get("/assets/index-9b8c7d.css", **{"Accept-Encoding": "gzip"})[1])

    def test_head_gives_the_headers_without_the_body(self):
        status, headers, body = raw_request(self.port, "/assets/index-3f9a1c.js", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(int(headers["content-length"]), len(SCRIPT))
        self.assertEqual(headers["content-type"], "text/javascript; charset=utf-8")
        status, headers, body = raw_request(self.port, "/sessions/12/control", method="HEAD",
                                            headers={"Accept": "text/html"})
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(int(headers["content-length"]), len(INDEX))

    def test_console_routes_fall_back_to_index_for_browsers(self):
        accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        for route in ("/login", "/sessions/12/control", "/sessions/12/cameras", "/card",
                      "/login?next=%2Fcard"):
            status, headers, body = self.get(route, Accept=accept)
            self.assertEqual((status, body), (200, INDEX), route)
            self.assertEqual(headers["cache-control"], "no-cache", route)
            self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        # The public watch page is its own small page, apart from the console.
        for route in ("/watch", "/watch/12", "/watch/12?from=wechat"):
            status, headers, body = self.get(route, Accept=accept)
            self.assertEqual((status, body), (200, WATCH), route)
            self.assertEqual(headers["cache-control"], "no-cache", route)
        # Not for a script asking for a file, nor for a missing hashed asset
        # (the browser would run the page as a script).
        self.assertEqual(self.get("/login", Accept="application/json")[0], 404)
        self.assertEqual(self.get("/assets/gone-123456.js", Accept=accept)[0], 404)

    def test_api_and_live_are_not_the_console(self):
        status, headers, body = self.get("/api/v1/nothing-here", Accept="text/html")
        self.assertIn(status, (401, 404))  # the API's own answer, never the page
        self.assertTrue(headers["content-type"].startswith("application/json"))
        status, headers, _ = self.get("/api/v1/streams", Accept="text/html")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        status, headers, _ = self.get("/live/nothing.flv", Accept="text/html")
        self.assertEqual(status, 403)
        self.assertNotEqual(self.get("/live/x.txt", Accept="text/html")[1].get("content-type"),
                            "text/html; charset=utf-8")

    def test_nothing_outside_web_dir_is_reachable(self):
        name = os.path.basename(self.tmp)
        targets = [
            "/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
            "/%2e%2e%2fsecret.txt", "/.%2e/secret.txt", "/assets/..%5c..%5csecret.txt",
            "/assets\\..\\..\\secret.txt", "/..\\secret.txt", "/index.html%00.js",
            "/%00", "/assets/%2", "/assets/%zz", "/./index.html",
            "/leak.txt", "/assets/leak-000000.js", "/up/secret.txt", f"/up/{name}/secret.txt",
            "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd",
        ]
        for target in targets:
            for accept in ("*/*", "text/html"):
                status, _, body = self.get(target, Accept=accept)
                self.assertNotIn(SECRET, body, target)
                self.assertNotIn(b"root:", body, target)
                if accept == "*/*":
                    self.assertIn(status, (400, 404), target)
                else:  # a route the app may draw, or refused: never the file
                    self.assertTrue(status in (400, 404) or body == INDEX, target)
        # A NUL byte sent raw.
        status, _, body = self.get("/index.html\x00.js")
        self.assertNotIn(SECRET, body)
        self.assertIn(status, (400, 404))


class WithoutABuiltConsole(unittest.TestCase):
    def test_server_starts_and_says_how_to_build_the_console(self):
        tmp = tempfile.mkdtemp(prefix="courtcast-web-")
        try:
            server = server_with_web_dir(os.path.join(tmp, "dist"))
            with server:
                self.assertRegex(server.log(), r"event=web_console_missing .*make web")
                self.assertIn("npm ci && npm run build", server.log())
                for target in ("/", "/login"):
                    status, headers, body = raw_request(server.http_port, target,
                                                        headers={"Accept": "text/html"})
                    self.assertEqual(status, 503, target)
                    self.assertTrue(headers["content-type"].startswith("text/plain"))
                    self.assertIn(b"make web", body)
                    self.assertIn(b"npm ci && npm run build", body)
                # The API does not depend on it.
                status, _, _ = raw_request(server.http_port, "/api/v1/streams")
                self.assertEqual(status, 200)
                # Built while the server runs: served at the next reload.
                os.makedirs(os.path.join(tmp, "dist"))
                with open(os.path.join(tmp, "dist", "index.html"), "wb") as f:
                    f.write(INDEX)
                status, _, body = raw_request(server.http_port, "/")
                self.assertEqual((status, body), (200, INDEX))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
