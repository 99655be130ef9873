"""Shared pieces of the integration tests: a courtcast server on loopback,
FFmpeg publishers and players, test media made by FFmpeg, and small raw
clients (HTTP-FLV reader, RTMP speaker) for what FFmpeg cannot show."""

import contextlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time
import types
import urllib.error
import urllib.request

BIN = os.environ.get("COURTCAST_BIN", "build/courtcast")
MEDIA_DIR = os.environ.get("COURTCAST_TEST_MEDIA", "build/test-media")
# A sanitizer build (make test-asan, test-tsan) writes each process's reports
# to REPORT_PREFIX.PID (the log_path of ASAN_OPTIONS, UBSAN_OPTIONS and
# TSAN_OPTIONS) instead of into the server's log, where no test would look.
REPORT_PREFIX = os.environ.get("COURTCAST_SANITIZER_REPORTS")


def sanitizer_reports(pid=None):
    """The sanitizer reports written so far (by process `pid`, or by any): a
    list of (path, text). Empty when this is no sanitizer build."""
    if not REPORT_PREFIX:
        return []
    folder, base = os.path.split(REPORT_PREFIX)
    if not os.path.isdir(folder):
        return []
    found = []
    for name in sorted(os.listdir(folder)):
        if not name.startswith(base + "."):
            continue
        if pid is not None and name.split(".")[1] != str(pid):
            continue
        path = os.path.join(folder, name)
        with open(path, errors="replace") as f:
            found.append((path, f.read()))
    return found


def assert_no_sanitizer_report(pid=None):
    reports = sanitizer_reports(pid)
    if reports:
        path, text = reports[0]
        raise AssertionError(f"sanitizer report {path} ({len(reports)} in all):\n{text[:20000]}")


# Sanitizer builds run several times slower (ThreadSanitizer most): their
# tests wait that much longer for a condition, never less.
TIME_SCALE = float(os.environ.get("COURTCAST_TEST_TIME_SCALE", "1"))


def rw_timeout(seconds):
    """FFmpeg's `-rw_timeout` option: how long one read may wait, `seconds`
    times TIME_SCALE (a sanitizer build's air comes that much slower)."""
    return ["-rw_timeout", str(int(seconds * TIME_SCALE * 1_000_000))]


def grab(url, path, seconds):
    """The last frame of `seconds` of `url`, as a PNG at `path` (the air
    tests keep it as an artifact)."""
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", *rw_timeout(10), "-i", url,
                    "-t", str(seconds), "-update", "1", "-y", path],
                   check=True, timeout=(60 + seconds) * TIME_SCALE)


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls `predicate` until it returns a true value or `timeout` (times
    TIME_SCALE) passes."""
    timeout *= TIME_SCALE
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def test_media(name="720p", size="1280x720", rate=25, gop=50, seconds=30, tone=440,
               audio_rate=44100, video_bitrate="2500k", audio_bitrate="96k"):
    """An H.264/AAC FLV test pattern with tone, generated once and reused."""
    os.makedirs(MEDIA_DIR, exist_ok=True)
    path = os.path.join(MEDIA_DIR, f"{name}.flv")
    if os.path.exists(path):
        return path
    # Tests running at once may both make a missing file: each writes its own
    # and the last rename wins, never a file two FFmpeg wrote into.
    tmp = f"{path}.{os.getpid()}.part"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
         "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate={audio_rate}",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-profile:v", "high", "-b:v", video_bitrate, "-g", str(gop), "-keyint_min", str(gop),
         "-sc_threshold", "0", "-c:a", "aac", "-b:a", audio_bitrate, "-ac", "2", "-f", "flv", tmp],
        check=True)
    os.replace(tmp, path)
    return path


class Server:
    """courtcast serve on free loopback ports with a generated config."""

    def __init__(self, streams=(("cam-a", "test-key-a1", True),), extra="", rtmp="", srt="",
                 http=""):
        """`rtmp`, `srt`, `http`: more lines for the [rtmp], [srt] and [http]
        sections; a `listen` among them replaces the free loopback port."""
        self.dir = tempfile.mkdtemp(prefix="courtcast-test-")

        def section(name, more):
            own_listen = re.search(r"^\s*listen\s*=", more, re.M)
            return [f"[{name}]", *([] if own_listen else ['listen = "127.0.0.1:0"']),
                    *([more] if more else [])]

        lines = ["[server]", f'data_dir = "{self.dir}/var"',
                 *section("rtmp", rtmp), *section("http", http), *section("srt", srt)]
        for name, key, public in streams:
            lines += ["[[stream]]", f'name = "{name}"', f'key = "{key}"',
                      f"public = {'true' if public else 'false'}"]
        self.config = os.path.join(self.dir, "courtcast.toml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        self.log_path = os.path.join(self.dir, "server.log")
        self.log_start = 0
        self.proc = None
        self.start_timeout = 10  # seconds (times TIME_SCALE) for each listener to be reported

    def __enter__(self):
        # A restart appends: the run before it stays in the file for whoever
        # reads a failure, and log() reads from here on.
        self.log_file = open(self.log_path, "ab")
        self.log_start = self.log_file.tell()
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.config],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        try:
            rtmp = self._listening("rtmp")
            http = self._listening("http")
            srt = self._listening("srt")
        except BaseException:
            # A server that did not come up is not left running behind the
            # failed test (holding its ports, its data folder, a core).
            self.stop()
            raise
        self.rtmp_port = int(rtmp.group(1))
        self.http_port = int(http.group(1))
        self.srt_port = int(srt.group(1))
        https = re.search(r"protocol=https address=[\d.]+:(\d+)", self.log())
        self.https_port = int(https.group(1)) if https else None
        return self

    def _listening(self, protocol):
        """The log's match for `protocol`'s listen address, once it is there;
        fails at once, with the log, when the server exits during start-up."""
        def found():
            m = re.search(rf"protocol={protocol} address=[\d.]+:(\d+)", self.log())
            if not m and self.proc.poll() is not None:
                raise AssertionError(f"courtcast exited with status {self.proc.returncode} "
                                     f"during start-up:\n{self.log()[-4000:]}")
            return m
        return wait_for(found, self.start_timeout, f"the {protocol.upper()} listener")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                # A sanitizer build checks for leaks at exit, which takes a while.
                self.proc.wait(60 if REPORT_PREFIX else 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        if self.proc:
            assert_no_sanitizer_report(self.proc.pid)

    def log(self):
        """What the current run (since the last start) has logged."""
        with open(self.log_path, "rb") as f:
            f.seek(self.log_start)
            return f.read().decode(errors="replace")

    def cpu_seconds(self):
        """User and system CPU time the server has used."""
        return process_cpu_seconds(self.proc.pid)

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def rtmp_url(self, stream, query=""):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{stream}" + (f"?{query}" if query else "")

    def flv_url(self, stream, query=""):
        return f"http://127.0.0.1:{self.http_port}/live/{stream}.flv" + (f"?{query}" if query else "")

    def api(self, path, anonymous=False):
        """A GET as the team (with the API token), or as the public."""
        headers = {} if anonymous else {"Authorization": f"Bearer {self.token()}"}
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}/api/v1{path}",
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def token(self):
        with open(os.path.join(self.dir, "var", "keys", "api-token")) as f:
            return f.read().strip()

    def control(self, method, path, body=None):
        """A control API call with the API token; returns (status, parsed body)."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}/api/v1{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def stream_info(self, name):
        try:
            return self.api(f"/streams/{name}")
        except Exception:
            return None


def publish(url, media, extra_input=(), stderr=None):
    """FFmpeg publishing a media file in real time, looping, without re-encoding."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", *extra_input,
         "-i", media, "-c", "copy", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL)


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_live(server, name, timeout=10):
    return wait_for(lambda: (server.stream_info(name) or {}).get("video", {}).get("width"), timeout,
                    f"stream {name} to be live")


@contextlib.contextmanager
def live_stream(stream="cam-a", key="test-key-a1", player=True, **server_options):
    """A Server (`server_options` as Server takes them) with `stream` published
    by FFmpeg and live, and unless player=False an HTTP-FLV player on it:
    what a test that checks "the stream carries on" starts from. Yields
    server, publisher, player and media; stops them all afterwards."""
    media = test_media()
    with Server(**server_options) as server:
        publisher = publish(server.rtmp_url(stream, f"key={key}"), media)
        flv = None
        try:
            wait_live(server, stream)
            if player:
                flv = FlvPlayer(server.flv_url(stream))
            yield types.SimpleNamespace(server=server, publisher=publisher, player=flv, media=media)
        finally:
            if flv:
                flv.close()
            stop(publisher)


class FlvTag:
    __slots__ = ("type", "dts", "body", "arrived")

    def __init__(self, type_, dts, body, arrived):
        self.type, self.dts, self.body, self.arrived = type_, dts, body, arrived

    @property
    def is_video(self):
        return self.type == 9

    @property
    def is_audio(self):
        return self.type == 8

    @property
    def is_sequence_header(self):
        if self.is_video:
            return len(self.body) > 1 and self.body[1] == 0
        if self.is_audio:
            return len(self.body) > 1 and (self.body[0] >> 4) == 10 and self.body[1] == 0
        return False

    @property
    def is_keyframe(self):
        return self.is_video and (self.body[0] >> 4) == 1 and not self.is_sequence_header


class FlvPlayer:
    """A raw HTTP-FLV player that parses tags and remembers when each arrived."""

    def __init__(self, url, rcvbuf=None):
        m = re.match(r"http://([\d.]+):(\d+)(/.*)", url)
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect((m.group(1), int(m.group(2))))
        self.sock.sendall(f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}\r\n\r\n".encode())
        self.buf = b""
        self.status = None
        self.header_done = False
        self.closed = False

    def _fill(self, deadline=None):
        """Reads more bytes; False on close, or when `deadline` passes first."""
        timeout = 10 if deadline is None else max(0.01, deadline - time.monotonic())
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(262144)
        except socket.timeout:
            if deadline is None:
                self.closed = True
            return False
        except ConnectionError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    def read_headers(self):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError("connection closed before HTTP headers")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ")[1])
        return head.decode(errors="replace")

    def tags(self, until, deadline=None):
        """Yields tags until `until(tag)` is true, `deadline` passes or the
        connection closes."""
        if self.status is None:
            self.read_headers()
        if not self.header_done:
            while len(self.buf) < 13:
                if not self._fill(deadline):
                    return
            assert self.buf[:3] == b"FLV", "stream does not start with an FLV header"
            self.buf = self.buf[13:]
            self.header_done = True
        while True:
            while len(self.buf) >= 11:
                size = int.from_bytes(self.buf[1:4], "big")
                if len(self.buf) < 11 + size + 4:
                    break
                dts = int.from_bytes(self.buf[4:7], "big") | (self.buf[7] << 24)
                tag = FlvTag(self.buf[0] & 0x1F, dts, self.buf[11:11 + size], time.monotonic())
                self.buf = self.buf[11 + size + 4:]
                yield tag
                if until(tag):
                    return
            if deadline is not None and time.monotonic() >= deadline:
                return
            if not self._fill(deadline):
                return

    def close(self):
        self.sock.close()


def read_for(player, seconds):
    """Every tag that arrives within `seconds`."""
    return list(player.tags(lambda t: False, deadline=time.monotonic() + seconds))


def assert_monotonic(tags, test):
    last = {}
    for t in tags:
        if t.type == 18:
            continue
        prev = last.get(t.type)
        test.assertTrue(prev is None or t.dts >= prev,
                        f"timestamp went back on track {t.type}: {prev} -> {t.dts}")
        last[t.type] = t.dts


# --- a minimal RTMP speaker for malformed-input tests ------------------------

def rtmp_handshake(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    c1 = bytes(8) + os.urandom(1528)
    s.sendall(b"\x03" + c1)
    need, got = 1 + 1536 * 2, b""
    while len(got) < need:
        chunk = s.recv(need - len(got))
        if not chunk:
            raise AssertionError("server closed during handshake")
        got += chunk
    s.sendall(got[1:1537])  # C2 echoes S1
    return s


def amf_string(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_number(n):
    return b"\x00" + struct.pack(">d", n)


def rtmp_message(csid, type_, stream_id, body, ts=0):
    """One message as a single type-0 chunk (the body must fit 128 bytes)."""
    assert len(body) <= 128
    return (bytes([csid]) + ts.to_bytes(3, "big") + len(body).to_bytes(3, "big") + bytes([type_])
            + struct.pack("<I", stream_id) + body)


def closed_by_peer(sock, timeout=5):
    """True when the server closes the connection within `timeout`."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def rtmp_chunks(csid, type_, stream_id, body, ts=0, chunk_size=4096):
    """A message as a type-0 chunk and type-3 continuations."""
    out = bytearray(bytes([csid]) + min(ts, 0xFFFFFF).to_bytes(3, "big") + len(body).to_bytes(3, "big")
                    + bytes([type_]) + struct.pack("<I", stream_id))
    for i in range(0, max(len(body), 1), chunk_size):
        if i:
            out.append(0xC0 | csid)
        out += body[i:i + chunk_size]
    return bytes(out)


class RtmpPublisher:
    """A bare RTMP publisher for media FFmpeg cannot send (enhanced RTMP HEVC)."""

    def __init__(self, port, app, stream):
        self.sock = rtmp_handshake(port)
        self.sock.sendall(rtmp_chunks(2, 1, 0, struct.pack(">I", 4096), chunk_size=128))
        connect = (amf_string("connect") + amf_number(1) + b"\x03"
                   + b"\x00\x03app" + amf_string(app) + b"\x00\x00\x09")
        self.sock.sendall(rtmp_chunks(3, 20, 0, connect))
        self.sock.sendall(rtmp_chunks(3, 20, 0, amf_string("createStream") + amf_number(2) + b"\x05"))
        self.sock.sendall(rtmp_chunks(3, 20, 1, amf_string("publish") + amf_number(3) + b"\x05"
                                      + amf_string(stream) + amf_string("live")))
        self._await(b"NetStream.Publish.Start")

    def _await(self, marker, timeout=10):
        self.sock.settimeout(timeout)
        seen = b""
        while marker not in seen:
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError(f"server closed before {marker!r}: {seen[-200:]!r}")
            seen += data

    def send(self, type_, ts, body):
        self.sock.sendall(rtmp_chunks(6 if type_ == 9 else 4, type_, 1, body, ts))

    def close(self):
        self.sock.close()


# --- platform stand-ins, a fault-injecting proxy, a WebSocket reader ----------

def process_cpu_seconds(pid):
    """utime + stime of process `pid` (all its threads), in seconds. The
    command name in /proc/PID/stat may hold spaces and parentheses: the fields
    are counted from its last ')'."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    """A loopback port free now. Tests run at once: another may take it
    before whoever asked binds it, so a peer started on it checks that it is
    the one listening (listens_on) and takes another port when not."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listens_on(pid, port):
    """Whether process `pid` holds the socket listening on 127.0.0.1:PORT
    (not merely: something accepts there, which may be another test's)."""
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            # local_address 0100007F:PORT, state 0A (LISTEN), inode
            if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return False
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                return True
        except OSError:
            continue
    return False


def start_nginx(directory, conf, ports):
    """nginx -p DIRECTORY -c CONF, once it listens on all `ports`; None when
    it does not (a port taken by another test: nginx would retry binding for
    seconds and then exit; it is stopped at once instead)."""
    log = os.path.join(directory, "start.log")
    with open(log, "w") as stderr:
        proc = subprocess.Popen(["nginx", "-p", directory, "-c", conf],
                                stdout=subprocess.DEVNULL, stderr=stderr)

    def settled():
        if proc.poll() is None and all(listens_on(proc.pid, p) for p in ports):
            return "listening"
        if proc.poll() is not None:
            return "exited"
        with open(log, errors="replace") as f:
            return "port taken" if "Address already in use" in f.read() else None

    try:
        if wait_for(settled, 10, f"nginx to listen on {ports}") == "listening":
            return proc
    except AssertionError:
        pass
    stop(proc)
    return None


def start_nginx_on_free_ports(directory, conf, configure, tries=5):
    """nginx as start_nginx starts it, once `configure()` has picked free ports,
    written CONF with them and returned them; when another test took one of
    them first, `configure()` picks again. None after `tries` tries."""
    for _ in range(tries):
        proc = start_nginx(directory, conf, configure())
        if proc:
            return proc
    return None


class NginxRtmp:
    """nginx with Debian's RTMP module on loopback: one `live` application on
    each of `plain` ports, plus `tls` ports terminating TLS (stream module,
    self-signed certificate for localhost) in front of an RTMP port of their own.

    `plain_ports`/`tls_ports` fix the ports instead (a benchmark that restarts
    a platform keeps its URL); `record` keeps every stream received in
    DIR/record/PORT/, one file per connection; `directory` is where nginx runs."""

    def __init__(self, plain=1, tls=0, plain_ports=None, tls_ports=None, record=False,
                 directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="courtcast-nginx-")
        os.makedirs(self.dir, exist_ok=True)
        self.record = record
        self.plain_ports = list(plain_ports) if plain_ports is not None else [0] * plain
        self.tls_ports = list(tls_ports) if tls_ports is not None else [0] * tls
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        if self.tls_ports and not os.path.exists(self.cert):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                            "-keyout", self.key, "-out", self.cert],
                           check=True, capture_output=True)
        self.conf = os.path.join(self.dir, "nginx.conf")
        fixed = plain_ports is not None or tls_ports is not None

        def configure():
            if not fixed:
                self.plain_ports = [free_port() for _ in self.plain_ports]
                self.tls_ports = [free_port() for _ in self.tls_ports]
            self.behind_tls_ports = [free_port() for _ in self.tls_ports]
            self._write_conf()
            return self._ports()

        self.proc = None
        if not fixed:
            self.proc = start_nginx_on_free_ports(self.dir, self.conf, configure, tries=4)
        if not self.proc:
            configure()
            self.start()  # the last (or only) try, which says why it fails

    def _write_conf(self):
        def app(listen, label):
            if not self.record:
                return f"  server {{ listen 127.0.0.1:{listen}; application live {{ live on; }} }}\n"
            folder = os.path.join(self.dir, "record", str(label))
            os.makedirs(folder, exist_ok=True)
            return (f"  server {{ listen 127.0.0.1:{listen}; application live {{ live on; "
                    f"record all; record_path {folder}; record_unique on; }} }}\n")

        behind_tls = self.behind_tls_ports  # where each TLS port's plain RTMP is played
        servers = "".join(app(p, p) for p in self.plain_ports)
        servers += "".join(app(b, p) for p, b in zip(self.tls_ports, behind_tls))
        stream = "".join(f"  server {{ listen 127.0.0.1:{p} ssl; ssl_certificate {self.cert}; "
                         f"ssl_certificate_key {self.key}; proxy_pass 127.0.0.1:{b}; }}\n"
                         for p, b in zip(self.tls_ports, behind_tls))
        tls = bool(self.tls_ports)
        with open(self.conf, "w") as f:
            f.write("load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n"
                    + ("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n" if tls else "")
                    + f"daemon off;\nmaster_process off;\npid {self.dir}/nginx.pid;\n"
                    f"error_log {self.dir}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
                    f"rtmp {{\n{servers}}}\n" + (f"stream {{\n{stream}}}\n" if tls else ""))

    def _ports(self):
        return self.plain_ports + self.tls_ports + self.behind_tls_ports

    def start(self):
        """(Re)starts nginx on the same ports: a platform that comes back."""
        self.proc = start_nginx(self.dir, self.conf, self._ports())
        if not self.proc:
            with open(os.path.join(self.dir, "start.log"), errors="replace") as f:
                raise AssertionError(f"nginx did not listen on {self._ports()}: {f.read()[-2000:]}")

    def kill(self):
        """As a platform that crashes: no goodbye to the connections."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        stop(self.proc)


def accepts(port):
    """Whether something accepts TCP connections on 127.0.0.1:PORT now."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class TcpProxy:
    """Forwards a loopback port to another, and can cut or stall on demand."""

    def __init__(self, target_port, rcvbuf=32 * 1024):
        import threading
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Small buffers, inherited by accepted sockets, so a stall is felt soon.
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []
        self.stalled = threading.Event()
        self.running = True
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                upstream.settimeout(None)  # a quiet direction is not an error
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src, dst, from_client):
        try:
            while True:
                while from_client and self.stalled.is_set():
                    time.sleep(0.05)  # holding the data is the point: the sender must feel it
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def stall(self, on):
        (self.stalled.set if on else self.stalled.clear)()

    def close(self):
        self.running = False
        self.listener.close()
        self.cut()


class WebSocketReader:
    """Reads text frames from a WebSocket endpoint (enough for server events)."""

    def __init__(self, port, path, headers=None):
        import base64
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        host = "" if "Host" in (headers or {}) else "Host: 127.0.0.1\r\n"
        self.sock.sendall((f"GET {path} HTTP/1.1\r\n{host}{extra}Upgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.head = head.decode(errors="replace")
        self.status = int(head.split(b" ")[1])

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("websocket closed")
            self.buf += data

    def next_text(self, timeout=10):
        return self.next_frame(timeout)[1].decode()

    def next_frame(self, timeout=10):
        """(opcode, payload) of the next frame."""
        self.sock.settimeout(timeout)
        self._need(2)
        opcode = self.buf[0] & 0x0F
        length = self.buf[1] & 0x7F
        offset = 2
        if length == 126:
            self._need(4)
            length, offset = int.from_bytes(self.buf[2:4], "big"), 4
        elif length == 127:
            self._need(10)
            length, offset = int.from_bytes(self.buf[2:10], "big"), 10
        self._need(offset + length)
        payload = self.buf[offset:offset + length]
        self.buf = self.buf[offset + length:]
        return opcode, payload

    def send_text(self, payload):
        """One masked text frame, as a browser sends it."""
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else
                                bytes([0x80 | 127]) + n.to_bytes(8, "big"))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def wait_closed(self, timeout):
        """Seconds until the server closed the socket (a close frame or the
        end of the stream), skipping events; None if it stayed open."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                opcode, _ = self.next_frame(timeout=left)
            except (EOFError, ConnectionResetError):
                return time.monotonic() - start
            except (socket.timeout, TimeoutError):
                return None
            if opcode == 0x8:
                return time.monotonic() - start

    def close(self):
        self.sock.close()


# --- the control API with users and roles -------------------------------------

class ApiClient:
    """Calls /api/v1 as a console user (session cookie and CSRF token, like the
    browser), with a Bearer token, or with no credentials at all."""

    def __init__(self, server, token=None, source=None, tls=None):
        """`tls`: an ssl.SSLContext to call the server's HTTPS port with."""
        self.tls = tls
        self.port = server.https_port if tls else server.http_port
        self.token = token
        self.cookie = None
        self.csrf = None
        self.source = source  # the client's own loopback address, e.g. "127.0.0.2"

    def login(self, username, password):
        status, body, headers = self.call("POST", "/login",
                                          {"username": username, "password": password})
        if status == 200:
            self.cookie = headers["Set-Cookie"].split(";", 1)[0]
            self.csrf = body["csrf_token"]
        return status, body

    def call(self, method, path, body=None, csrf=None, raw=None):
        """Returns (status, parsed body or None, response headers). `csrf`
        overrides the X-CSRF-Token sent ("" sends none); `raw` is sent as is."""
        import http.client
        source = (self.source, 0) if self.source else None
        if self.tls:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                               source_address=source, context=self.tls)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                              source_address=source)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            headers["Cookie"] = self.cookie
        token = self.csrf if csrf is None else csrf
        if token:
            headers["X-CSRF-Token"] = token
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            conn.request(method, "/api/v1" + path, body=data, headers=headers)
            r = conn.getresponse()
            text = r.read()
            return r.status, (json.loads(text) if text else None), r.headers
        finally:
            conn.close()

    def ok(self, method, path, body=None, expect=(200, 201, 204)):
        """A call that must succeed; returns its body."""
        status, out, _ = self.call(method, path, body)
        if status not in expect:
            raise AssertionError(f"{method} {path} -> {status} {out}")
        return out


def initial_admin_password(server):
    with open(os.path.join(server.dir, "var", "keys", "admin-initial-password")) as f:
        return f.read().strip()
