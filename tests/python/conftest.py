"""Fixtures: the real C peers (onc_testd, tirpc_server, the C clients) from the CMake build
directory ($ONC_BUILD_DIR, default build/), a Python TESTPROG server, and a fake server that
answers with crafted bytes. Everything listens on loopback, on ports the test picks."""

import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))  # the runtime from the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import onc  # noqa: E402
from testprog import Testprog  # noqa: E402


def build_dir():
    d = Path(os.environ.get("ONC_BUILD_DIR", ROOT / "build"))
    return d if d.is_absolute() else ROOT / d


def peer_path(name):
    """The path of a peer program; the test fails (not skips) when it was not built."""
    p = build_dir() / "tests" / "peers" / name
    if not os.access(p, os.X_OK):
        pytest.fail(f"{p} is missing: build it (cmake --build {build_dir()} --target {name}) "
                    f"or point ONC_BUILD_DIR at a build directory", pytrace=False)
    return str(p)


class Peer:
    """A C server process that prints "tcp PORT udp PORT" and serves until SIGTERM."""

    def __init__(self, name, *args):
        self.proc = subprocess.Popen([peer_path(name), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().split() if ready else []
        if len(line) != 4 or line[0] != "tcp" or line[2] != "udp":
            self.stop()
            pytest.fail(f"{name} did not start (printed {line!r})", pytrace=False)
        self.tcp, self.udp = int(line[1]), int(line[3])
        self.unix = f"/tmp/onc-test-{self.proc.pid}.sock"  # onc_testd also listens here

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


@pytest.fixture(scope="module")
def onc_testd():
    p = Peer("onc_testd")
    yield p
    err = p.stop()
    assert p.proc.returncode == 0, f"onc_testd did not exit cleanly on SIGTERM:\n{err}"


@pytest.fixture(scope="module")
def tirpc_server():
    p = Peer("tirpc_server")
    yield p
    p.stop()


class PyServer:
    """The Python TESTPROG server (versions 1 and 3, like onc_testd) on TCP, UDP, a Unix
    socket and, when the host has it, IPv6 loopback."""

    def __init__(self, tmp, **opts):
        self.server = onc.Server(**opts)
        self.v1, self.v3 = Testprog(1), Testprog(3)
        self.server.register(self.v1)
        self.server.register(self.v3)
        self.tcp = self.server.listen("tcp://127.0.0.1:0")
        self.udp = self.server.listen("udp://127.0.0.1:0")
        self.unix = str(tmp / "py.sock")
        self.server.listen("unix://" + self.unix)
        self.tcp6 = self.server.listen("tcp://[::1]:0") if socket.has_ipv6 and _have_ipv6() else None
        self.server.start()

    def stop(self):
        self.server.stop()


def _have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def py_server(tmp_path):
    s = PyServer(tmp_path)
    yield s
    s.stop()


class FakeServer:
    """Listens on a loopback TCP or UDP port and answers every message with what respond()
    returns, given the request (a whole record's body for TCP, read naively, or the
    datagram): bytes sent as they are, a list of them sent one by one (separate datagrams on
    UDP), or None for no answer. `close_after` closes the connection after answering."""

    def __init__(self, kind, respond, close_after=False):
        self.kind, self.respond, self.close_after = kind, respond, close_after
        t = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
        self.sock = socket.socket(socket.AF_INET, t)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.addr = f"{kind}://127.0.0.1:{self.port}"
        self.requests = []
        self.conns = []
        if kind == "tcp":
            self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                if self.kind == "udp":
                    msg, peer = self.sock.recvfrom(65536)
                    self.requests.append(msg)
                    for out in _answers(self.respond(msg)):
                        self.sock.sendto(out, peer)
                    continue
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(10)
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            while self.running:
                hdr = _recv_exact(conn, 4)
                if hdr is None:
                    return
                n = int.from_bytes(hdr, "big") & 0x7FFFFFFF
                body = _recv_exact(conn, n)
                if body is None:
                    return
                self.requests.append(body)
                for out in _answers(self.respond(body)):
                    conn.sendall(out)
                if self.close_after:
                    conn.close()
                    return
        except OSError:
            pass

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def _answers(out):
    if out is None:
        return []
    return out if isinstance(out, list) else [out]


def _recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


@pytest.fixture
def fake_server():
    made = []

    def make(kind, respond, **kw):
        s = FakeServer(kind, respond, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()
