"""The Python runtime against the real C peers on loopback: the onc C server (onc_testd), the
libtirpc/rpcgen server (tirpc_server), and the onc and libtirpc C clients calling the Python
server. Both directions, TCP, UDP and Unix sockets, every error reply."""

import socket
import subprocess
import time

import pytest

import onc
from conftest import peer_path
from testprog import PROC_ADD, PROC_ECHO, TESTPROG, TestprogClient

WANT_FROM_ONC = "null ok\nadd 42\necho hello from onc\n"
WANT_FROM_TIRPC = "null ok\nadd 42\necho hello from libtirpc\n"


def addr(kind, port):
    return f"{kind}://127.0.0.1:{port}"


# --- Python client -> onc C server ---

@pytest.mark.parametrize("kind", ["tcp", "udp", "unix"])
def test_calls_to_onc_server(onc_testd, kind):
    a = "unix://" + onc_testd.unix if kind == "unix" else addr(kind, getattr(onc_testd, kind))
    with TestprogClient(a, timeout=5) as c:
        assert c.null() is None
        assert c.add(40, 2) == 42
        assert c.add(-2**31, 2**31 - 1) == -1  # the extremes (no overflow: UB in C)
        assert c.echo("hello from python") == "hello from python"
        assert c.echo("x" * 64) == "x" * 64
        assert c.echo("") == ""
        with pytest.raises(onc.XdrError) as e:
            c.echo("x" * 65)  # refused before sending: string<64>
        assert e.value.status == onc.Status.TOO_LONG
        assert c.add(1, 1) == 2


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_every_error_reply_from_onc_server(onc_testd, kind):
    a = addr(kind, getattr(onc_testd, kind))
    with TestprogClient(a, timeout=5) as c:
        with pytest.raises(onc.SystemErr):
            c.fail()
        with pytest.raises(onc.ProcUnavail):
            c.call(9)
        with pytest.raises(onc.GarbageArgs):
            c.call(PROC_ADD, lambda p: p.pack_int(1))  # one int of two
        with pytest.raises(onc.GarbageArgs):
            c.call(PROC_ECHO, lambda p: p.pack_string("y" * 65))  # over string<64>
        assert c.add(2, 3) == 5  # the connection is still good
    with onc.Client(a, TESTPROG, 2, timeout=5) as c:
        with pytest.raises(onc.ProgMismatch) as e:
            c.null()
        assert (e.value.low, e.value.high) == (1, 3)
    with onc.Client(a, TESTPROG + 1, 1, timeout=5) as c:
        with pytest.raises(onc.ProgUnavail):
            c.null()
    with onc.Client(a, TESTPROG, 3, timeout=5) as c:  # version 3 is served too
        assert c.call(PROC_ADD, lambda p: (p.pack_int(3), p.pack_int(4)),
                      onc.Unpacker.unpack_int) == 7


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_timeout_then_late_reply_dropped(onc_testd, kind):
    with TestprogClient(addr(kind, getattr(onc_testd, kind)), timeout=5) as c:
        t0 = time.monotonic()
        with pytest.raises(onc.Timeout):
            c.sleep(400, timeout=0.1)
        assert time.monotonic() - t0 < 0.35  # the per-call timeout, not the client's 5 s
        time.sleep(0.5)  # the late reply to SLEEP has arrived by now...
        assert c.add(20, 22) == 42  # ...and is not taken for this call's
        assert c.echo("after") == "after"


def test_udp_retransmits_and_drops_duplicates(onc_testd):
    # SLEEP 300 ms with a 50 ms retry: the server gets (and answers) the call several times.
    with TestprogClient(addr("udp", onc_testd.udp), timeout=5, retry=0.05) as c:
        t0 = time.monotonic()
        assert c.sleep(300) is None
        assert time.monotonic() - t0 >= 0.29
        for i in range(5):  # the duplicate replies still coming are dropped by xid
            assert c.add(i, 1) == i + 1


def test_auth_sys_accepted_by_onc_server(onc_testd):
    auth = onc.AuthSys(1, "pytest", 1000, 1000, [1, 2, 3])
    with TestprogClient(addr("tcp", onc_testd.tcp), auth=auth, timeout=5) as c:
        assert c.add(1, 2) == 3


def test_many_calls_on_one_connection(onc_testd):
    with TestprogClient(addr("tcp", onc_testd.tcp), timeout=5) as c:
        assert [c.add(i, i) for i in range(300)] == [2 * i for i in range(300)]


def test_client_shared_between_threads(onc_testd):
    import threading
    results, errors = {}, []
    with TestprogClient(addr("tcp", onc_testd.tcp), timeout=5) as c:
        def worker(k):
            try:
                results[k] = [c.add(k, i) for i in range(50)]
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert results == {k: [k + i for i in range(50)] for k in range(4)}


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: nobody answers
    with pytest.raises(onc.ConnectionRefused):
        TestprogClient(addr("tcp", port), timeout=2)
    with pytest.raises(onc.ConnectionRefused):
        TestprogClient("unix:///nonexistent/onc.sock", timeout=2)


def test_udp_to_closed_port_does_not_hang():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with TestprogClient(addr("udp", port), timeout=1, retry=0.1) as c:
        t0 = time.monotonic()
        with pytest.raises((onc.ConnectionRefused, onc.Timeout)):
            c.null()
        assert time.monotonic() - t0 < 2


# --- Python client -> libtirpc (rpcgen) server ---

@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_calls_to_libtirpc_server(tirpc_server, kind):
    with TestprogClient(addr(kind, getattr(tirpc_server, kind)), timeout=5) as c:
        assert c.null() is None
        assert c.add(40, 2) == 42
        assert c.echo("hello from python") == "hello from python"
        assert c.echo("z" * 64) == "z" * 64


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_error_replies_from_libtirpc_server(tirpc_server, kind):
    a = addr(kind, getattr(tirpc_server, kind))
    with TestprogClient(a, timeout=5) as c:
        with pytest.raises(onc.ProcUnavail):
            c.call(3)
        if kind == "tcp":
            # (libtirpc's UDP transport decodes past the end of a short datagram into its
            # buffer, so a truncated call is not GARBAGE_ARGS there.)
            with pytest.raises(onc.GarbageArgs):
                c.call(PROC_ADD, lambda p: p.pack_int(1))
        with pytest.raises(onc.GarbageArgs):
            c.call(PROC_ECHO, lambda p: p.pack_string("y" * 65))
        assert c.add(5, 6) == 11
    with onc.Client(a, TESTPROG, 2, timeout=5) as c:
        with pytest.raises(onc.ProgMismatch) as e:
            c.null()
        assert (e.value.low, e.value.high) == (1, 1)
    with onc.Client(a, TESTPROG + 1, 1, timeout=5) as c:
        with pytest.raises(onc.ProgUnavail):
            c.null()


# --- C clients -> Python server ---

def run_client(name, *args):
    r = subprocess.run([peer_path(name), *args], capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.parametrize("kind", ["tcp", "udp", "unix", "tcp6"])
def test_onc_c_client_calls_python_server(py_server, kind):
    if kind == "tcp6" and py_server.tcp6 is None:
        pytest.skip("no IPv6 loopback on this host")
    a = {"tcp": addr("tcp", py_server.tcp), "udp": addr("udp", py_server.udp),
         "unix": "unix://" + py_server.unix, "tcp6": f"tcp://[::1]:{py_server.tcp6}"}[kind]
    assert run_client("onc_testc", a) == (0, WANT_FROM_ONC, "")
    assert [name for name, _ in py_server.v1.calls] == ["null", "add"]


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_libtirpc_client_calls_python_server(py_server, kind):
    port = py_server.tcp if kind == "tcp" else py_server.udp
    assert run_client("tirpc_client", kind, str(port)) == (0, WANT_FROM_TIRPC, "")


def test_onc_c_client_sees_python_server_errors(py_server):
    # onc_testc asks for version 1; a server without it answers PROG_MISMATCH(3, 3), and the
    # C client reports it in its own words.
    s = onc.Server()
    from testprog import Testprog
    s.register(Testprog(3))
    port = s.listen("tcp://127.0.0.1:0")
    with s:
        code, out, err = run_client("onc_testc", addr("tcp", port))
    assert code == 1
    assert out == ""
    assert "program version mismatch" in err


# --- the Python server answers exactly as the C server does, byte for byte ---

def words(*ws):
    return b"".join(w.to_bytes(4, "big") for w in ws)


def call(xid, prog=TESTPROG, vers=1, proc=0, cred=(0, b""), verf=(0, b""), rpcvers=2, args=b""):
    def auth(a):
        flavor, body = a
        return words(flavor, len(body)) + body + bytes(-len(body) & 3)
    return words(xid, 0, rpcvers, prog, vers, proc) + auth(cred) + auth(verf) + args


AUTH_SYS_BODY = onc.AuthSys(5, "host", 1, 2, [3]).encode()

CRAFTED = {
    "null": call(1),
    "add": call(2, proc=1, args=words(40, 2)),
    "add v3": call(3, vers=3, proc=1, args=words(1, 2)),
    "echo": call(4, proc=2, args=words(5) + b"hello\0\0\0"),
    "echo too long": call(5, proc=2, args=words(65) + bytes(68)),
    "add truncated": call(6, proc=1, args=words(1)),
    "fail": call(7, proc=4),
    "unknown proc": call(8, proc=77),
    "version 2": call(9, vers=2),
    "version 4": call(10, vers=4),
    "unknown program": call(11, prog=0x20000999),
    "rpc version 3": call(12, rpcvers=3),
    "rpc version 1": call(13, rpcvers=1, proc=1),
    "auth_sys": call(14, proc=1, cred=(1, AUTH_SYS_BODY), args=words(1, 1)),
    "auth_sys garbage": call(15, cred=(1, b"\0" * 8)),
    "auth_dh": call(16, cred=(3, b"abcd")),
    "verifier auth_sys": call(17, verf=(1, AUTH_SYS_BODY)),
    "cred over 400": call(18, cred=(1, bytes(404))),
    "verf over 400": call(19, verf=(0, bytes(404))),
    "not a call": words(20, 1, 0, 0, 0, 0),
    "truncated header": words(21, 0, 2, TESTPROG, 1),
    "tiny": b"\0\0",
    "empty": b"",
}


def exchange_udp(port, msg, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(msg, ("127.0.0.1", port))
        try:
            return s.recv(65536)
        except socket.timeout:
            return None


@pytest.mark.parametrize("name", list(CRAFTED))
def test_python_server_replies_like_onc_server(onc_testd, py_server, name):
    msg = CRAFTED[name]
    want = exchange_udp(onc_testd.udp, msg)
    got = exchange_udp(py_server.udp, msg)
    assert got == want
    assert py_server.server.process(msg) == want  # the same without I/O
    # and the cases are what their names say (so that agreeing on nothing cannot pass)
    if name in ("not a call", "truncated header", "tiny", "empty"):
        assert want is None
    else:
        assert want is not None and want[:4] == msg[:4]
