"""Deferred replies (onc.defer(), the counterpart of C's onc_call_defer): answered later from
any thread with d.reply(value) or d.fail(exc), exactly once; over TCP, UDP, Unix sockets and
Server.process(); replies out of call order on one connection, whole; dropped when the
connection went; half-closed connections get every reply; stop() waits for them, bounded."""

import logging
import queue
import random
import socket
import struct
import threading
import time

import pytest

import onc
from onc.record import RecordReader, frame

PROG, VERS = 0x30000100, 1
PROC_DEFER, PROC_ECHO, PROC_BIG, PROC_VOID = 1, 2, 3, 4


def words(*ws):
    return b"".join(struct.pack(">I", w) for w in ws)


def call_msg(xid, proc, args=b""):
    return words(xid, 0, 2, PROG, VERS, proc, 0, 0, 0, 0) + args


def ok_reply(xid, result=b""):
    return words(xid, 1, 0, 0, 0, 0) + result


def error_reply(xid, accept):
    return words(xid, 1, 0, 0, 0, accept)


class Deferring(onc.Program):
    """DEFER(n) defers and hands (n, d) to the test through `pending`; ECHO(n) answers at
    once; BIG(n) defers, and its result is n bytes of opaque; VOID defers a void result."""

    PROGRAM, VERSION = PROG, VERS
    PROCEDURES = {
        PROC_DEFER: onc.Procedure("defer", lambda u: (u.unpack_int(),), onc.Packer.pack_int),
        PROC_ECHO: onc.Procedure("echo", lambda u: (u.unpack_int(),), onc.Packer.pack_int),
        PROC_BIG: onc.Procedure("big", lambda u: (u.unpack_int(),), onc.Packer.pack_opaque),
        PROC_VOID: onc.Procedure("void"),
    }

    def __init__(self):
        self.pending = queue.Queue()

    def defer(self, n):
        self.pending.put((n, onc.defer()))
        return "ignored: the reply is the deferred one's"

    def echo(self, n):
        return n

    def big(self, n):
        self.pending.put((n, onc.defer()))

    def void(self):
        self.pending.put((None, onc.current_call().defer()))


def spawn(target):
    """A helper thread that cannot keep the test run alive."""
    return threading.Thread(target=target, daemon=True)


def answer_next(p, answer):
    """A thread that gives the next deferred call of Deferring p to answer(n, d)."""
    def run():
        n, d = p.pending.get(timeout=5)
        answer(n, d)

    t = spawn(run)
    t.start()
    return t


def answer_later(d, value, delay=0.001):
    t = spawn(lambda: (time.sleep(delay), d.reply(value)))
    t.start()
    return t


def serve(**opts):
    s = onc.Server(**opts)
    p = s.register(Deferring())
    return s, p


def read_records(sock, n, timeout=5):
    """Reads until n records or end of file; returns the records."""
    sock.settimeout(timeout)
    reader, got = RecordReader(), []
    while len(got) < n:
        data = sock.recv(65536)
        if not data:
            break
        got += reader.feed(data)
    return got


# --- Server.process() ---

def test_process_waits_for_the_deferred_reply():
    s, p = serve()
    answering = answer_next(p, lambda n, d: d.reply(n + 1))
    assert s.process(call_msg(1, PROC_DEFER, words(41))) == ok_reply(1, words(42))
    answering.join()


@pytest.mark.parametrize("exc,want", [
    (onc.ProcUnavail(), error_reply(2, 3)),
    (onc.GarbageArgs(), error_reply(2, 4)),
    (onc.ProgUnavail(), error_reply(2, 1)),
    (onc.SystemErr(), error_reply(2, 5)),
    (onc.AuthError(onc.AuthStat.AUTH_TOOWEAK), words(2, 1, 1, 1, 5)),
    (ValueError("no RPC meaning"), error_reply(2, 5)),
], ids=["proc_unavail", "garbage_args", "prog_unavail", "system_err", "auth_error", "other"])
def test_fail_answers_as_a_handler_raising(exc, want):
    s, p = serve()

    sent = []
    t = answer_next(p, lambda n, d: sent.append(d.fail(exc)))
    assert s.process(call_msg(2, PROC_DEFER, words(0))) == want
    t.join()
    assert sent == [True]


def test_exactly_one_reply():
    s, p = serve()
    results = queue.Queue()

    def twice(n, d):
        results.put(d.reply(1))
        for again in (lambda: d.reply(2), lambda: d.fail(onc.SystemErr())):
            try:
                again()
                results.put("answered twice")
            except RuntimeError as e:
                results.put(str(e))

    t = answer_next(p, twice)
    assert s.process(call_msg(3, PROC_DEFER, words(0))) == ok_reply(3, words(1))
    t.join()
    assert results.get(timeout=5) is True
    assert "already answered" in results.get(timeout=5)
    assert "already answered" in results.get(timeout=5)


def test_defer_twice_in_a_handler_is_the_same_deferral_and_void_results():
    class P(onc.Program):
        PROGRAM, VERSION = PROG, VERS
        PROCEDURES = {1: onc.Procedure("twice")}

        def twice(self):
            d = onc.defer()
            assert onc.current_call().defer() is d
            answer_later(d, None)

    s = onc.Server()
    s.register(P())
    assert s.process(call_msg(4, 1)) == ok_reply(4)


def test_defer_outside_a_handler_raises():
    with pytest.raises(RuntimeError):
        onc.defer()


def test_a_result_that_does_not_encode_is_system_err_and_logged(caplog):
    s, p = serve()
    t = answer_next(p, lambda n, d: d.reply("not an int"))
    with caplog.at_level(logging.ERROR, logger="onc.server"):
        assert s.process(call_msg(5, PROC_DEFER, words(0))) == error_reply(5, 5)
    t.join()
    assert [r.name for r in caplog.records] == ["onc.server"]
    assert "defer" in caplog.records[0].getMessage()


def test_handler_raising_after_defer_answers_with_its_error(caplog):
    class P(onc.Program):
        PROGRAM, VERSION = PROG, VERS
        PROCEDURES = {1: onc.Procedure("oops", None, onc.Packer.pack_int)}

        def oops(self):
            self.d = onc.defer()
            raise onc.ProcUnavail()

    s = onc.Server()
    prog = s.register(P())
    assert s.process(call_msg(6, 1)) == error_reply(6, 3)
    with pytest.raises(RuntimeError):
        prog.d.reply(1)  # the exception was its answer


# --- streams: TCP and Unix ---

@pytest.mark.parametrize("kind", ["tcp", "unix"])
def test_stream_replies_out_of_call_order(tmp_path, kind):
    s, p = serve()
    addr = "tcp://127.0.0.1:0" if kind == "tcp" else f"unix://{tmp_path}/d.sock"
    port = s.listen(addr)
    with s:
        fam, sa = ((socket.AF_INET, ("127.0.0.1", port)) if kind == "tcp"
                   else (socket.AF_UNIX, f"{tmp_path}/d.sock"))
        with socket.socket(fam, socket.SOCK_STREAM) as c:
            c.connect(sa)
            c.sendall(frame(call_msg(1, PROC_DEFER, words(10))) +
                      frame(call_msg(2, PROC_ECHO, words(20))))
            assert read_records(c, 1) == [ok_reply(2, words(20))]  # the later call first
            n, d = p.pending.get(timeout=5)
            assert d.reply(n + 1) is True
            assert read_records(c, 1) == [ok_reply(1, words(11))]


def test_concurrent_deferred_replies_are_written_whole():
    """Many large replies from as many threads at once: each record arrives intact (the
    writes to one connection are serialized)."""
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    count, size = 40, 200_000
    with s, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"".join(frame(call_msg(100 + i, PROC_BIG, words(size + i)))
                           for i in range(count)))
        deferred = [p.pending.get(timeout=5) for _ in range(count)]
        go = threading.Event()
        threads = [spawn(lambda n=n, d=d: (go.wait(), d.reply(bytes([n % 251]) * n)))
                   for n, d in deferred]
        for t in threads:
            t.start()
        go.set()
        got = read_records(c, count, timeout=10)
        for t in threads:
            t.join()
    assert len(got) == count
    for rec in got:
        xid = struct.unpack(">I", rec[:4])[0]
        n = size + xid - 100
        assert rec == ok_reply(xid, words(n) + bytes([n % 251]) * n + b"\0" * (-n & 3))


def test_udp_deferred_reply():
    s, p = serve()
    port = s.listen("udp://127.0.0.1:0")
    with s:
        answer_next(p, lambda n, d: d.reply(n * 2))
        with onc.Client(f"udp://127.0.0.1:{port}", PROG, VERS, timeout=5, retry=5) as c:
            assert c.call(PROC_DEFER, lambda pk: pk.pack_int(21), onc.Unpacker.unpack_int) == 42


def test_clients_over_every_transport(tmp_path):
    s, p = serve()
    addrs = [f"tcp://127.0.0.1:{s.listen('tcp://127.0.0.1:0')}",
             f"udp://127.0.0.1:{s.listen('udp://127.0.0.1:0')}"]
    s.listen(f"unix://{tmp_path}/c.sock")
    addrs.append(f"unix://{tmp_path}/c.sock")

    def answer():
        while True:
            n, d = p.pending.get(timeout=5)
            if n is None and d is None:
                return
            answer_later(d, None if n is None else n + 1)

    t = spawn(answer)
    t.start()
    try:
        with s:
            for a in addrs:
                with onc.Client(a, PROG, VERS, timeout=5) as c:
                    assert c.call(PROC_DEFER, lambda pk: pk.pack_int(7),
                                  onc.Unpacker.unpack_int) == 8, a
                    assert c.call(PROC_VOID) is None, a
    finally:
        p.pending.put((None, None))
        t.join()


def conn_threads(s):
    return [t for t in s._threads if t.name == "onc-conn" and t.is_alive()]


def test_reply_after_the_connection_went_is_dropped():
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    with s:
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(frame(call_msg(1, PROC_DEFER, words(1))))
        n, d = p.pending.get(timeout=5)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # a reset, with the call unanswered
        for _ in range(100):  # the connection thread closes its socket and ends
            if not s._conns and not conn_threads(s):
                break
            time.sleep(0.02)
        assert not s._conns
        assert not conn_threads(s)
        assert d.reply(n) is False  # dropped, silently
        assert s.pending_deferred() == 0


def test_idle_timeout_spares_connections_waiting_for_deferred_replies():
    s, p = serve(idle_timeout=0.2)
    port = s.listen("tcp://127.0.0.1:0")
    with s, socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(frame(call_msg(9, PROC_DEFER, words(5))))
        n, d = p.pending.get(timeout=5)
        time.sleep(0.5)
        assert d.reply(n) is True
        assert read_records(c, 1) == [ok_reply(9, words(5))]
        assert c.recv(10) == b""  # idle again: closed


def test_half_close_gets_every_reply_deferred_ones_included():
    """200 pipelined calls, every 5th deferred and answered a little later from other
    threads, then shutdown(SHUT_WR): all 200 replies arrive before the server closes."""
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    rng = random.Random(5)
    calls = [(1000 + i, PROC_DEFER if i % 5 == 0 else PROC_ECHO, i) for i in range(200)]

    def answer():
        for _ in range(40):
            n, d = p.pending.get(timeout=10)
            answer_later(d, n, delay=rng.uniform(0.01, 0.2))

    with s, socket.create_connection(("127.0.0.1", port)) as c:
        t = spawn(answer)
        t.start()
        c.sendall(b"".join(frame(call_msg(x, proc, words(i))) for x, proc, i in calls))
        c.shutdown(socket.SHUT_WR)
        got = read_records(c, 201, timeout=10)  # to end of file
        t.join()
    assert sorted(got) == sorted(ok_reply(x, words(i)) for x, _, i in calls)


# --- stopping ---

def test_stop_waits_for_deferred_replies():
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    s.start()
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(frame(call_msg(1, PROC_DEFER, words(3))))
        n, d = p.pending.get(timeout=5)
        answer_later(d, n * 2, delay=0.3)
        t0 = time.monotonic()
        s.stop()
        assert 0.25 < time.monotonic() - t0 < 3
        assert read_records(c, 2) == [ok_reply(1, words(6))]  # then end of file
    assert s.pending_deferred() == 0


def test_stop_waits_a_bounded_time():
    s, p = serve()
    port = s.listen("udp://127.0.0.1:0")
    s.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.sendto(call_msg(1, PROC_DEFER, words(3)), ("127.0.0.1", port))
        n, d = p.pending.get(timeout=5)
        t0 = time.monotonic()
        s.stop(timeout=0.3)
        assert 0.25 < time.monotonic() - t0 < 2
        assert s.pending_deferred() == 1
        assert d.reply(n) is False  # too late: the server is gone
    assert s.pending_deferred() == 0


def test_stop_is_bounded_with_a_peer_that_does_not_read():
    """A deferred reply stuck writing to a peer that reads nothing: stop() breaks it off
    after its timeout, and the reply is reported dropped."""
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    s.start()
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.sendall(frame(call_msg(1, PROC_BIG, words(0))))
        n, d = p.pending.get(timeout=5)
        sent = queue.Queue()
        spawn(lambda: sent.put(d.reply(b"x" * 50_000_000))).start()  # more than buffers hold
        time.sleep(0.2)
        assert sent.empty()  # still writing
        t0 = time.monotonic()
        s.stop(timeout=0.3)
        assert 0.25 < time.monotonic() - t0 < 3
        assert sent.get(timeout=5) is False
    assert s.pending_deferred() == 0


def test_deferring_does_not_wait_for_a_write_to_a_slow_reader():
    """A deferred reply is stuck writing to a peer that does not read; the connection's
    thread still takes the next call, and its handler can defer too."""
    s, p = serve()
    port = s.listen("tcp://127.0.0.1:0")
    s.start()
    try:
        with socket.create_connection(("127.0.0.1", port)) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.sendall(frame(call_msg(1, PROC_BIG, words(0))))
            _, d = p.pending.get(timeout=5)
            spawn(lambda: d.reply(b"x" * 50_000_000)).start()
            time.sleep(0.2)
            c.sendall(frame(call_msg(2, PROC_DEFER, words(5))))
            n, d2 = p.pending.get(timeout=2)
            assert n == 5
    finally:
        s.stop(timeout=0.3)
    assert d2.reply(n) is False
