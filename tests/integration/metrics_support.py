"""Reading courtcast's /metrics in tests: fetch, parse the text format into
{(name, labels): value}, and run Debian's promtool on it."""

import re
import subprocess
import urllib.error
import urllib.request

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def fetch(port, headers=None, path="/metrics"):
    """(status, body text, headers) of a GET on the server's loopback port."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), e.headers


def parse(text):
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a sample line: {line!r}")
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    """The sample of `name` whose labels include `labels`; None when none."""
    want = set(labels.items())
    for (n, have), v in samples.items():
        if n == name and want <= set(have):
            return v
    return None


def total(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and want <= set(have))


def promtool_check(text):
    """promtool's verdict on the exposition: (ok, its output)."""
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    return r.returncode == 0, (r.stdout + r.stderr).decode()
