"""Hostile or broken servers: a tiny fake server sends crafted bytes. The client raises the
right error, within its timeout, and never hangs; the next call on the client still works."""

import struct
import subprocess
import sys
import threading
import time

import pytest

import onc
from onc import Status
from onc.record import DEFAULT_MAX_RECORD, frame
from testprog import PROC_ADD, TESTPROG, TestprogClient


def words(*ws):
    return b"".join(struct.pack(">I", w) for w in ws)


def xid(req):
    return struct.unpack(">I", req[:4])[0]


def ok_reply(req, results=b""):
    return words(xid(req), 1, 0, 0, 0, 0) + results


def for_kind(kind, body):
    """A reply body as the fake sends it: record-marked on TCP, as it is on UDP."""
    return frame(body) if kind == "tcp" else body


KINDS = ["tcp", "udp"]


def client(server, **kw):
    kw.setdefault("timeout", 2)
    return TestprogClient(server.addr, **kw)


def raises_status(fn, status, cls=onc.RpcError, within=2.5):
    t0 = time.monotonic()
    with pytest.raises(cls) as e:
        fn()
    assert e.value.status == status
    assert time.monotonic() - t0 < within
    return e.value


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,body,call,status", [
    ("header cut after msg_type", lambda r: words(xid(r), 1), "add", Status.TRUNCATED),
    ("header cut in verifier", lambda r: words(xid(r), 1, 0, 0, 8) + b"abcd", "add",
     Status.TRUNCATED),
    ("result missing", lambda r: ok_reply(r), "add", Status.TRUNCATED),
    ("result cut short", lambda r: ok_reply(r, b"\0\0"), "add", Status.TRUNCATED),
    ("string over its maximum", lambda r: ok_reply(r, words(65) + bytes(68)), "echo",
     Status.TOO_LONG),
    ("string length 2**32-1", lambda r: ok_reply(r, words(0xFFFFFFFF)), "echo",
     Status.TOO_LONG),
    ("string data cut short", lambda r: ok_reply(r, words(10) + b"abc"), "echo",
     Status.TRUNCATED),
    ("verifier over 400 bytes", lambda r: words(xid(r), 1, 0, 0, 401) + bytes(404) + words(0),
     "add", Status.TOO_LONG),
    ("reply_stat 7", lambda r: words(xid(r), 1, 7, 0, 0, 0), "add", Status.BAD_VALUE),
    ("accept_stat 9", lambda r: words(xid(r), 1, 0, 0, 0, 9), "add", Status.BAD_VALUE),
    ("reject_stat 5", lambda r: words(xid(r), 1, 1, 5), "add", Status.BAD_VALUE),
    ("a call, not a reply", lambda r: r, "add", Status.NOT_REPLY),
    ("PROG_MISMATCH cut short", lambda r: words(xid(r), 1, 0, 0, 0, 2, 1), "add",
     Status.TRUNCATED),
])
def test_malformed_reply_raises(fake_server, kind, name, body, call, status):
    s = fake_server(kind, lambda req: for_kind(kind, body(req)))
    with client(s) as c:
        fn = (lambda: c.add(1, 2)) if call == "add" else (lambda: c.echo("x"))
        err = raises_status(fn, status)
        assert isinstance(err, (onc.XdrError, onc.ProtocolError))
        assert str(err)  # a readable message


@pytest.mark.parametrize("kind", KINDS)
def test_error_replies_carry_their_details(fake_server, kind):
    answers = iter([words(1, 0, 0, 0, 2, 4, 9), words(1, 1, 0, 2, 2), words(1, 1, 1, 5)])
    s = fake_server(kind, lambda req: for_kind(kind, words(xid(req)) + next(answers)))
    with client(s) as c:
        e = raises_status(c.null, Status.PROG_MISMATCH, onc.ProgMismatch)
        assert (e.low, e.high) == (4, 9)
        e = raises_status(c.null, Status.RPC_MISMATCH, onc.RpcMismatch)
        assert (e.low, e.high) == (2, 2)
        e = raises_status(c.null, Status.AUTH, onc.AuthError)
        assert e.stat == onc.AuthStat.AUTH_TOOWEAK


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_xid_only_times_out(fake_server, kind):
    s = fake_server(kind, lambda req: for_kind(kind, ok_reply(words(xid(req) + 1), words(5))))
    with client(s, timeout=0.3, retry=0.1) as c:
        raises_status(lambda: c.add(1, 2), Status.TIMEDOUT, onc.Timeout, within=1)


@pytest.mark.parametrize("kind", KINDS)
def test_stale_reply_then_right_one(fake_server, kind):
    def respond(req):
        stale = ok_reply(words(xid(req) - 1), words(666))
        return [for_kind(kind, stale), for_kind(kind, ok_reply(req, words(3)))]

    s = fake_server(kind, respond)
    with client(s) as c:
        assert c.add(1, 2) == 3
        assert c.add(1, 2) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_silent_server_times_out(fake_server, kind):
    s = fake_server(kind, lambda req: None)
    with client(s, timeout=0.4, retry=0.1) as c:
        raises_status(c.null, Status.TIMEDOUT, onc.Timeout, within=1.2)
    if kind == "udp":  # retransmitted: 0.1, then 0.2 later
        assert len(s.requests) >= 3
        assert len({r for r in s.requests}) == 1  # the same bytes, same xid


def test_udp_garbage_datagrams_are_dropped(fake_server):
    s = fake_server("udp", lambda req: b"\x01")  # shorter than an xid
    with client(s, timeout=0.3, retry=0.1) as c:
        raises_status(c.null, Status.TIMEDOUT, onc.Timeout, within=1)


@pytest.mark.parametrize("header", [0xFFFFFFFF, 0x80000000 | DEFAULT_MAX_RECORD + 1, 0x7FFFFFFF])
def test_oversized_record_is_refused_on_its_header(fake_server, header):
    # Only the 4-byte header is sent: the client must refuse it at once, not wait for data.
    s = fake_server("tcp", lambda req: words(header))
    with client(s, timeout=5) as c:
        raises_status(c.null, Status.RECORD_TOO_BIG, onc.XdrError, within=1)


def test_record_limit_counts_fragments_and_client_recovers(fake_server):
    answers = iter([
        words(60) + bytes(60) + words(0x80000000 | 60),  # 60 + 60 > 100: refused
        None,
    ])

    def respond(req):
        a = next(answers)
        return a if a is not None else frame(ok_reply(req, words(7)))

    s = fake_server("tcp", respond)
    with client(s, max_record=100) as c:
        raises_status(c.null, Status.RECORD_TOO_BIG, onc.XdrError, within=1)
        assert c.add(3, 4) == 7  # a new connection, and it works
    assert len(s.conns) == 2


def test_reply_in_one_byte_fragments_is_accepted(fake_server):
    def respond(req):
        body = ok_reply(req, words(42))
        return frame(body, max_frag=1)

    s = fake_server("tcp", respond)
    with client(s) as c:
        assert c.add(40, 2) == 42


@pytest.mark.parametrize("cut", [0, 3, 4, 10])
def test_server_closing_mid_reply_is_connection_closed(fake_server, cut):
    s = fake_server("tcp", lambda req: frame(ok_reply(req, words(1)))[:cut], close_after=True)
    with client(s) as c:
        raises_status(c.null, Status.CLOSED, onc.ConnectionClosed, within=1)


def test_reply_over_udp_bigger_than_limit(fake_server):
    s = fake_server("udp", lambda req: ok_reply(req, bytes(500)))
    with client(s, max_record=200) as c:
        raises_status(c.null, Status.RECORD_TOO_BIG, onc.XdrError)


def test_requests_are_well_formed(fake_server):
    """The bytes the client sends: an RPC call as RFC 5531 lays it out."""
    s = fake_server("tcp", lambda req: frame(ok_reply(req, words(3))))
    auth = onc.AuthSys(9, "m", 1, 2, [3])
    with TestprogClient(s.addr, timeout=2, auth=auth) as c:
        assert c.add(1, 2) == 3
    req = s.requests[0]
    body = auth.encode()
    assert req[4:] == words(0, 2, TESTPROG, 1, PROC_ADD, 1, len(body)) + body + \
        words(0, 0) + words(1, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_reply_with_a_verifier_body(fake_server, kind):
    # not the plain AUTH_NONE/SUCCESS header: decoded field by field, the result after it
    s = fake_server(kind, lambda req: for_kind(kind, words(xid(req), 1, 0, 6, 4) + b"abcd" +
                                               words(0, 99)))
    with client(s) as c:
        assert c.add(1, 2) == 99


# A server in its own process (so that it outruns the client's reads): each connection gets
# an answer to its first call, then an endless stream of replies with xid 0.
STREAMER = r"""
import socket, struct, threading
def serve(c):
    head = c.recv(4, socket.MSG_WAITALL)
    n = struct.unpack(">I", head)[0] & 0x7FFFFFFF
    req = c.recv(n, socket.MSG_WAITALL)
    c.sendall(struct.pack(">IIIIIII", 0x80000018, struct.unpack(">I", req[:4])[0], 1, 0, 0, 0, 0))
    junk = (struct.pack(">IIIIIII", 0x80000018, 0, 1, 0, 0, 0, 0)) * 40000
    try:
        while True:
            c.sendall(junk)
    except OSError:
        pass
s = socket.create_server(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
"""


def test_server_streaming_unasked_replies_does_not_block_the_next_call():
    proc = subprocess.Popen([sys.executable, "-c", STREAMER], stdout=subprocess.PIPE, text=True)
    c = None
    try:
        port = int(proc.stdout.readline())
        c = TestprogClient(f"tcp://127.0.0.1:{port}", timeout=2)
        c.null()
        time.sleep(0.3)  # quiet for longer than transport.QUIET: checked before the call
        outcome = []

        def second():
            try:
                c.null()
                outcome.append("ok")
            except onc.RpcError as e:
                outcome.append(e)

        t = threading.Thread(target=second, daemon=True)
        t.start()
        t.join(5)
        assert not t.is_alive(), "the check before the call drains the stream forever"
        assert outcome == ["ok"]  # on a new connection
    finally:
        proc.kill()  # first: a hung drain holds the client's lock until the stream ends
        proc.wait()
        proc.stdout.close()
        if c is not None:
            c.close()


def test_idle_check_on_a_descriptor_past_1024(py_server, fds_past_1024):
    """The check of a quiet stream before a call waits with poll(), not select(), which
    raises ValueError for a descriptor past 1024 (a process with many files)."""
    with TestprogClient(f"tcp://127.0.0.1:{py_server.tcp}", timeout=10) as c:
        assert c.add(1, 2) == 3
        time.sleep(0.3)  # quiet for longer than transport.QUIET: checked before the call
        assert c.add(2, 3) == 5
