"""The Python server: Python clients over TCP, UDP and Unix sockets, RFC 5531 answers, handler
errors, credentials, limits (record size, connections, idle time), pipelining, stopping."""

import logging
import socket
import struct
import threading
import time
import tracemalloc

import pytest

import onc
from onc.record import frame, RecordReader
from onc.transport import Channel
from testprog import PROC_ADD, PROC_SLEEP, TESTPROG, Testprog, TestprogClient


def words(*ws):
    return b"".join(struct.pack(">I", w) for w in ws)


def call_msg(xid, proc=0, args=b"", prog=TESTPROG, vers=1):
    return words(xid, 0, 2, prog, vers, proc, 0, 0, 0, 0) + args


def tcp_exchange(port, data, records=1, timeout=2):
    """Sends raw bytes on a new connection and reads `records` records back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        reader, got = RecordReader(), []
        while len(got) < records:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += reader.feed(chunk)
        return got


@pytest.mark.parametrize("kind", ["tcp", "udp", "unix"])
def test_python_client_and_server(py_server, kind):
    a = {"tcp": f"tcp://127.0.0.1:{py_server.tcp}", "udp": f"udp://127.0.0.1:{py_server.udp}",
         "unix": "unix://" + py_server.unix}[kind]
    with TestprogClient(a, timeout=5) as c:
        assert c.null() is None
        assert c.add(2**31 - 1, 1) == -2**31
        assert c.echo("h\u00e9llo") == "h\u00e9llo"
        with pytest.raises(onc.SystemErr):
            c.fail()
        with pytest.raises(onc.ProcUnavail):
            c.call(42)
        with pytest.raises(onc.GarbageArgs):
            c.call(PROC_ADD, lambda p: p.pack_int(1))
        with pytest.raises(onc.Timeout):
            c.sleep(300, timeout=0.05)
        assert c.add(1, 1) == 2  # the late SLEEP reply is dropped
    with onc.Client(a, TESTPROG, 7, timeout=5) as c:
        with pytest.raises(onc.ProgMismatch) as e:
            c.null()
        assert (e.value.low, e.value.high) == (1, 3)


def test_ipv6(py_server):
    if py_server.tcp6 is None:
        pytest.skip("no IPv6 loopback on this host")
    with TestprogClient(f"tcp://[::1]:{py_server.tcp6}", timeout=5) as c:
        assert c.add(1, 2) == 3


def test_auth_sys_reaches_the_handler(py_server):
    auth = onc.AuthSys(3, "client-host", 1001, 1002, [5, 6])
    with TestprogClient(f"udp://127.0.0.1:{py_server.udp}", auth=auth, timeout=5) as c:
        assert c.add(1, 2) == 3
        assert c.null() is None
    assert py_server.v1.calls == [("add", auth), ("null", auth)]


def test_handler_signals(tmp_path):
    class P(onc.Program):
        PROGRAM, VERSION = 0x30000000, 1
        PROCEDURES = {1: onc.Procedure("boom"), 2: onc.Procedure("weak"),
                      3: onc.Procedure("bad_result", None, lambda p, v: p.pack_int(v)),
                      4: onc.Procedure("garbage"), 5: onc.Procedure("local")}

        def boom(self):
            raise ValueError("a bug in the handler")

        def weak(self):
            raise onc.AuthError(onc.AuthStat.AUTH_TOOWEAK)

        def bad_result(self):
            return 2**40  # does not fit an int

        def garbage(self):
            raise onc.GarbageArgs()

        def local(self):
            c = onc.current_call()
            return c.is_local() and c.transport

    P.PROCEDURES[5] = onc.Procedure("local", None, lambda p, v: p.pack_string(v))
    s = onc.Server()
    s.register(P())
    port = s.listen("tcp://127.0.0.1:0")
    with s, onc.Client(f"tcp://127.0.0.1:{port}", 0x30000000, 1, timeout=5) as c:
        with pytest.raises(onc.SystemErr):
            c.call(1)
        with pytest.raises(onc.AuthError) as e:
            c.call(2)
        assert e.value.stat == onc.AuthStat.AUTH_TOOWEAK
        with pytest.raises(onc.SystemErr):
            c.call(3)
        with pytest.raises(onc.GarbageArgs):
            c.call(4)
        assert c.call(5, None, lambda u: u.unpack_string()) == "tcp"
        assert c.null() is None  # NULL without a table entry
    assert onc.current_call() is None


def test_pipelined_calls_answered_in_order(py_server):
    msgs = b"".join(frame(call_msg(100 + i, PROC_ADD, words(i, 1))) for i in range(20))
    got = tcp_exchange(py_server.tcp, msgs, records=20)
    assert [struct.unpack(">I", r[:4])[0] for r in got] == list(range(100, 120))
    assert [struct.unpack(">i", r[24:28])[0] for r in got] == list(range(1, 21))


class _Big(onc.Program):
    PROGRAM, VERSION = 0x20000199, 1
    PROCEDURES = {1: onc.Procedure("big", None, lambda p, v: p.pack_fopaque(len(v), v))}

    def big(self):
        return bytes(1 << 20)


def test_replies_not_built_faster_than_read(tmp_path):
    """64 calls with 1 MiB results in one write, replies unread: the server holds about one
    batch of replies, not all 64 MiB (issue 18, item 1, as the C server)."""
    s = onc.Server()
    s.register(_Big())
    port = s.listen("tcp://127.0.0.1:0")
    with s, socket.create_connection(("127.0.0.1", port)) as c:
        tracemalloc.start()
        try:
            c.sendall(b"".join(frame(call_msg(i, 1, prog=_Big.PROGRAM)) for i in range(64)))
            time.sleep(1.0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 << 20, f"{peak >> 20} MiB built for a peer that does not read"
        got = 0
        while got < 64 * (1 << 20):  # every reply still arrives once the peer reads
            got += len(c.recv(1 << 20))


class _Echo(onc.Program):
    PROGRAM, VERSION = 0x20000128, 1
    PROCEDURES = {1: onc.Procedure("echo", lambda u: (u.unpack_opaque(),), onc.Packer.pack_opaque)}

    def echo(self, data):
        return data


def test_default_limit_fits_nfs_transfers():
    """1 MiB of data plus 4 KiB (an NFS READ or WRITE and its headers) goes both ways with the
    default limits of client and server, as in C (test_server_limits)."""
    s = onc.Server()
    s.register(_Echo())
    port = s.listen("tcp://127.0.0.1:0")
    data = bytes(i * 7 & 255 for i in range((1 << 20) + 4096))
    with s, Channel(f"tcp://127.0.0.1:{port}", _Echo.PROGRAM, 1, timeout=10) as c:
        assert c.call(1, lambda p: p.pack_opaque(data), onc.Unpacker.unpack_opaque) == data


def test_call_sent_one_byte_at_a_time(py_server):
    data = frame(call_msg(7, PROC_ADD, words(2, 3)), max_frag=5)
    with socket.create_connection(("127.0.0.1", py_server.tcp), timeout=2) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
        reader, got = RecordReader(), []
        while not got:
            got = reader.feed(s.recv(100))
    assert got == [words(7, 1, 0, 0, 0, 0, 5)]


def test_record_limit_closes_the_connection(tmp_path):
    s = onc.Server(max_record=100)
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    with s:
        # an oversized header alone: the server closes without waiting for the data
        t0 = time.monotonic()
        assert tcp_exchange(port, words(0x80000000 | 101)) == []
        assert time.monotonic() - t0 < 1
        msg = call_msg(1, 2, words(60) + b"x" * 60)  # 40 + 64 = 104 > 100
        assert tcp_exchange(port, frame(msg)) == []
        msg = call_msg(2, 2, words(56) + b"x" * 56)  # 40 + 60 = 100: exactly the limit
        assert len(msg) == 100
        assert tcp_exchange(port, frame(msg)) == [words(2, 1, 0, 0, 0, 0, 56) + b"x" * 56]


def test_idle_connection_closed(tmp_path):
    s = onc.Server(idle_timeout=0.3)
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    with s, socket.create_connection(("127.0.0.1", port), timeout=3) as c:
        t0 = time.monotonic()
        assert c.recv(10) == b""  # closed by the server
        assert 0.25 < time.monotonic() - t0 < 2


def _null_served(sock, xid):
    """A NULL call on a raw connection: True when answered, False when closed."""
    try:
        sock.sendall(frame(call_msg(xid)))
        return len(sock.recv(100)) > 0
    except (ConnectionResetError, BrokenPipeError):
        return False


def test_connection_limit(tmp_path):
    """At the limit a newcomer is refused while every connection is active, and takes the
    place of the one idle the longest once it has been idle for EVICT_AFTER (as in C: the
    attack test's flood)."""
    s = onc.Server(max_connections=2)
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    addr = ("127.0.0.1", port)
    with s, socket.create_connection(addr, timeout=2) as a, \
            socket.create_connection(addr, timeout=2) as b:
        assert _null_served(a, 1) and _null_served(b, 2)
        with socket.create_connection(addr, timeout=2) as third:
            assert not _null_served(third, 3)  # closed, not served
        time.sleep(onc.server.EVICT_AFTER + 0.2)
        assert _null_served(b, 4)  # b is active again: a is the one idle the longest
        with socket.create_connection(addr, timeout=2) as c:
            assert _null_served(c, 5)
            assert not _null_served(a, 6)  # a made room
            assert _null_served(b, 7)


def test_connection_limit_spares_calls_in_progress(tmp_path):
    s = onc.Server(max_connections=1)
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    addr = ("127.0.0.1", port)
    with s, socket.create_connection(addr, timeout=5) as a:
        a.sendall(frame(call_msg(1, proc=PROC_SLEEP, args=struct.pack(">i", 2000))))
        time.sleep(onc.server.EVICT_AFTER + 0.2)
        with socket.create_connection(addr, timeout=2) as late:
            assert not _null_served(late, 2)  # a's call is still running: not idle
        assert len(a.recv(100)) > 0


def test_connection_refused_when_no_thread_starts(tmp_path, monkeypatch):
    """A pids cgroup or address-space limit: "can't start new thread" for some connections.
    Those are closed; the server goes on serving TCP and UDP."""
    s = onc.Server()
    s.register(Testprog(1))
    tcp = s.listen("tcp://127.0.0.1:0")
    udp = s.listen("udp://127.0.0.1:0")
    real_start, refused = threading.Thread.start, []

    def start(t):
        if t.name == "onc-conn" and len(refused) < 3:
            refused.append(t)
            raise RuntimeError("can't start new thread")
        return real_start(t)

    with s:
        monkeypatch.setattr(threading.Thread, "start", start)
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", tcp), timeout=2) as c:
                c.sendall(frame(call_msg(1)))
                try:
                    data = c.recv(100)
                except ConnectionResetError:
                    data = b""
                assert data == b""  # closed, not served
        assert len(refused) == 3
        for kind, port in (("tcp", tcp), ("udp", udp)):
            with TestprogClient(f"{kind}://127.0.0.1:{port}", timeout=2) as c:
                assert c.add(1, 1) == 2
        monkeypatch.undo()


def test_stop_after_a_start_that_had_no_thread(monkeypatch):
    """start() raises when its listening thread cannot start; stop() then still closes the
    listeners and runs the stop hook (it joined the thread that never was: AttributeError on
    None, found by mypy)."""
    s = onc.Server()
    s.register(Testprog(1))
    s.listen("tcp://127.0.0.1:0")
    stopped = []
    s.set_hooks(stop=stopped.append)
    real_start = threading.Thread.start

    def start(t):
        if t.name == "onc-listen":
            raise RuntimeError("can't start new thread")
        return real_start(t)

    monkeypatch.setattr(threading.Thread, "start", start)
    with pytest.raises(RuntimeError):
        s.start()
    monkeypatch.undo()
    s.stop()
    assert s.listening() == [] and stopped == [s]


def test_concurrent_clients(py_server):
    errors = []

    def worker(k):
        try:
            kind = "tcp" if k % 2 else "udp"
            port = py_server.tcp if kind == "tcp" else py_server.udp
            with TestprogClient(f"{kind}://127.0.0.1:{port}", timeout=5) as c:
                for i in range(30):
                    assert c.add(k, i) == k + i
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_slow_call_does_not_block_other_connections(py_server):
    with TestprogClient(f"tcp://127.0.0.1:{py_server.tcp}", timeout=5) as slow, \
            TestprogClient(f"tcp://127.0.0.1:{py_server.tcp}", timeout=5) as fast:
        t = threading.Thread(target=slow.sleep, args=(500,))
        t.start()
        time.sleep(0.05)
        t0 = time.monotonic()
        assert fast.add(1, 2) == 3
        assert time.monotonic() - t0 < 0.3
        t.join()


def test_stop_closes_connections_and_listeners(tmp_path):
    s = onc.Server()
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    path = tmp_path / "s.sock"
    s.listen(f"unix://{path}")
    s.start()
    c = TestprogClient(f"tcp://127.0.0.1:{port}", timeout=2)
    assert c.null() is None
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 2
    assert not path.exists()
    with pytest.raises(onc.TransportError):
        c.null()
    with pytest.raises(onc.ConnectionRefused):
        TestprogClient(f"tcp://127.0.0.1:{port}", timeout=2)
    c.close()


def test_setup_errors():
    s = onc.Server()
    s.register(Testprog(1))
    with pytest.raises(ValueError):
        s.register(Testprog(1))
    with pytest.raises(onc.AddressError):
        s.listen("tcp://127.0.0.1")  # no port
    with pytest.raises(onc.AddressError):
        s.listen("sctp://127.0.0.1:0")
    with pytest.raises(onc.AddressError):
        onc.Client("tcp://no.such.host.invalid:1", 1, 1)
    with pytest.raises(onc.AddressError):
        onc.Client("tcp://127.0.0.1:70000", 1, 1)
    with pytest.raises(TypeError):
        onc.Client("tcp://127.0.0.1:1")  # no program


@pytest.mark.parametrize("msg,want", [
    (call_msg(1, prog=5), words(1, 1, 0, 0, 0, 1)),  # PROG_UNAVAIL
    (call_msg(2, vers=9), words(2, 1, 0, 0, 0, 2, 1, 3)),  # PROG_MISMATCH low 1 high 3
    (call_msg(3, proc=9), words(3, 1, 0, 0, 0, 3)),  # PROC_UNAVAIL
    (call_msg(4, proc=1, args=words(1)), words(4, 1, 0, 0, 0, 4)),  # GARBAGE_ARGS
    (call_msg(5, proc=4), words(5, 1, 0, 0, 0, 5)),  # SYSTEM_ERR
    (words(6, 0, 3, TESTPROG, 1, 0, 0, 0, 0, 0), words(6, 1, 1, 0, 2, 2)),  # RPC_MISMATCH
    (words(7, 0, 2, TESTPROG, 1, 0, 9, 0, 0, 0), words(7, 1, 1, 1, 2)),  # REJECTEDCRED
    (words(8, 0, 2, TESTPROG, 1, 0, 1, 0, 0, 0), words(8, 1, 1, 1, 1)),  # BADCRED
    (words(9, 0, 2, TESTPROG, 1, 0, 0, 0, 1, 0), words(9, 1, 1, 1, 3)),  # BADVERF
    (call_msg(10, proc=1, args=words(2, 3)), words(10, 1, 0, 0, 0, 0, 5)),  # SUCCESS
    (words(11, 1, 0, 0, 0, 0), None),  # a reply: no answer
])
def test_process_answers_rfc5531(py_server, msg, want):
    assert py_server.server.process(msg) == want


class Results(onc.Program):
    """Handlers whose results do not encode, and handlers raising errors that a handler
    cannot answer with (as C's onc_call_fail: only PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR,
    PROG_UNAVAIL and AUTH_ERROR)."""

    PROGRAM, VERSION = 0x30000001, 1
    PROCEDURES = {
        1: onc.Procedure("too_long", None, lambda p, v: p.pack_string(v, 4)),
        2: onc.Procedure("huge", None, onc.Packer.pack_int),
        3: onc.Procedure("typed", None, lambda p, v: p.pack_string(v, 4)),
        4: onc.Procedure("prog_mismatch"), 5: onc.Procedure("rpc_mismatch"),
        6: onc.Procedure("auth_ok"), 7: onc.Procedure("timeout"),
    }

    def too_long(self):
        return "longer than four"

    def huge(self):
        return list(range(10**6))

    def typed(self):
        return 42

    def prog_mismatch(self):
        raise onc.ProgMismatch(1, 3)  # e.g. from a call this handler made to another server

    def rpc_mismatch(self):
        raise onc.RpcMismatch()

    def auth_ok(self):
        raise onc.AuthError(onc.AuthStat.AUTH_OK)

    def timeout(self):
        raise onc.Timeout()


def results_call(proc, xid=1):
    return words(xid, 0, 2, Results.PROGRAM, 1, proc, 0, 0, 0, 0)


@pytest.mark.parametrize("proc,reason", [(1, "at most 4"), (2, "int"), (3, "int")],
                         ids=["too_long", "huge", "typed"])
def test_unencodable_result_is_system_err_logged_in_one_bounded_line(caplog, proc, reason):
    s = onc.Server()
    s.register(Results())
    with caplog.at_level(logging.ERROR, logger="onc.server"):
        assert s.process(results_call(proc)) == words(1, 1, 0, 0, 0, 5)
    assert [r.name for r in caplog.records] == ["onc.server"]
    text = logging.Formatter().format(caplog.records[0])
    name = Results.PROCEDURES[proc].name
    assert name in text and reason in text, text
    assert len(text) < 1000, f"{len(text)} characters logged"


@pytest.mark.parametrize("proc,want", [
    (4, words(1, 1, 0, 0, 0, 5)),  # PROG_MISMATCH: SYSTEM_ERR, as C
    (5, words(1, 1, 0, 0, 0, 5)),  # RPC_MISMATCH: SYSTEM_ERR
    (6, words(1, 1, 1, 1, 7)),  # AUTH_ERROR without a reason: AUTH_FAILED
    (7, words(1, 1, 0, 0, 0, 5)),  # any other onc error: SYSTEM_ERR
], ids=["prog_mismatch", "rpc_mismatch", "auth_ok", "timeout"])
def test_handler_errors_answered_as_the_c_server(caplog, proc, want):
    s = onc.Server()
    s.register(Results())
    with caplog.at_level(logging.ERROR, logger="onc.server"):
        assert s.process(results_call(proc)) == want
    assert len(caplog.records) == (0 if proc == 6 else 1)  # errors of no RPC meaning: logged


@pytest.mark.parametrize("peer, local", [
    (("127.0.0.1", 5), True), (("127.1.2.3", 5), True), (("::1", 5, 0, 0), True),
    (("10.0.0.1", 5), False), (("128.0.0.1", 5), False),
    # IPv6 sockets are IPv6-only: an IPv4-mapped source can only be a spoofed datagram
    (("::ffff:127.0.0.1", 5, 0, 0), False), (("::ffff:127.9.9.9", 5, 0, 0), False),
    (("fe80::1", 5, 0, 0), False)])
def test_call_is_local(peer, local):
    h = onc.rpc.CallHeader(1, TESTPROG, 1, 0)
    assert onc.server.Call(h, None, peer, onc.net.UDP).is_local() is local
