"""nginx as the caching edge of docs/deploy.md, on loopback in front of a
test's courtcast: the configuration is the one the document shows, taken
out of docs/deploy.md, with its placeholders filled in."""

import os
import re
import tempfile

from court_api_support import approved_session, logged_in, make_users, username
from harness import ApiClient, free_port, start_nginx_on_free_ports, stop

DEPLOY_MD = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "deploy.md")


def edge_template():
    """The nginx block of docs/deploy.md that starts with '# courtcast edge:'."""
    with open(DEPLOY_MD, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"```nginx\n(# courtcast edge:.*?)```", text, re.S)
    if not m:
        raise AssertionError("docs/deploy.md has no ```nginx block starting '# courtcast edge:'")
    return m.group(1)


class NginxEdge:
    """nginx caching `origin_port` on a free loopback port (self.port)."""

    def __init__(self, origin_port, workers=0):
        """`workers` > 0: nginx's master and that many worker processes (as an
        edge runs); 0: one process, enough for a test."""
        self.dir = tempfile.mkdtemp(prefix="courtcast-edge-")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            # Workers as root too: the cache is under this (private) directory.
            processes = (f"worker_processes {workers};\n" + ("user root;\n" if os.geteuid() == 0 else "")
                         if workers else "master_process off;\n")
            f.write(f"daemon off;\n{processes}pid {self.dir}/nginx.pid;\n"
                    f"error_log {self.dir}/error.log warn;\n"
                    "worker_rlimit_nofile 8192;\nevents { worker_connections 4096; }\n"
                    f"http {{\naccess_log off;\ninclude {self.dir}/edge.conf;\n}}\n")

        def configure():
            self.port = free_port()
            edge = (edge_template().replace("@ORIGIN@", f"127.0.0.1:{origin_port}")
                    .replace("@LISTEN@", f"127.0.0.1:{self.port}")
                    .replace("@CACHE_DIR@", os.path.join(self.dir, "cache")))
            with open(os.path.join(self.dir, "edge.conf"), "w") as f:
                f.write(edge)
            return [self.port]

        self.proc = start_nginx_on_free_ports(self.dir, conf, configure)
        if not self.proc:
            raise AssertionError(f"nginx edge did not start: {self.error_log()[-2000:]}")

    def error_log(self):
        with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
            return f.read()

    def stop(self):
        stop(self.proc)


def live_session(server):
    """A live session on `server` (planned and submitted by a director,
    approved and started with the admin token); its id."""
    make_users(server, ("director",))
    admin = ApiClient(server, server.token())
    session, _ = approved_session(logged_in(server, username("director")), admin)
    admin.ok("POST", f"/sessions/{session}/start")
    return session
