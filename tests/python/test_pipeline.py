"""The sync client pipelines calls from many threads on one connection (as the C client):
replies matched by xid, whichever waiting thread reads handing each to its caller; each call
keeps its own deadline and a call that timed out is forgotten (its late reply dropped); a
connection that fails fails every call awaiting a reply, and the next call connects again.
Over TCP, Unix sockets, UDP (with retransmission) and TLS, against the Python server (whose
deferred replies let a handler hold calls until several are in flight at once) and the C
servers."""

import socket
import struct
import threading
from collections import Counter

import pytest

import onc
from conftest import Peer
from onc.record import RecordReader, frame
from testprog import TestprogClient

PROG, VERS = 0x30000200, 1
PROC_MEET, PROC_ECHO, PROC_HOLD = 1, 2, 3
TLSPROG = 0x20000777  # tls_peer.c's; its procedure 2 answers len(data) + sum(data)
THREADS = 16
CALLS = 50  # per thread, after the meeting


def words(*ws):
    return b"".join(struct.pack(">I", w) for w in ws)


class Meeting(onc.Program):
    """MEET(n) -> n, answered only once `quorum` distinct calls are waiting together (so they
    must be in flight at once); ECHO(n) -> n at once; HOLD(n) is kept in `held` for the test
    to answer. `links` counts the calls by the connection (or UDP peer) they came on."""

    PROGRAM, VERSION = PROG, VERS
    PROCEDURES = {
        PROC_MEET: onc.Procedure("meet", lambda u: (u.unpack_int(),), onc.Packer.pack_int),
        PROC_ECHO: onc.Procedure("echo", lambda u: (u.unpack_int(),), onc.Packer.pack_int),
        PROC_HOLD: onc.Procedure("hold", lambda u: (u.unpack_int(),), onc.Packer.pack_int),
    }

    def __init__(self, quorum=THREADS):
        self.quorum = quorum
        self.lock = threading.Lock()
        self.waiting = []
        self.most_at_once = 0
        self.held = []
        self.held_changed = threading.Condition(self.lock)
        self.links = Counter()
        self._keep = []  # the connections counted, so that no id() is reused meanwhile

    def _count(self):
        call = onc.current_call()
        link = call.peer if call.transport != "unix" else call._reply_to
        with self.lock:
            self._keep.append(link)
            self.links[id(link) if call.transport == "unix" else link] += 1

    def meet(self, n):
        self._count()
        d = onc.defer()
        with self.lock:
            self.waiting.append((n, d))
            self.most_at_once = max(self.most_at_once, len(self.waiting))
            batch = []
            if len(self.waiting) >= self.quorum:
                batch, self.waiting = self.waiting, []
        for m, d in batch:
            d.reply(m)

    def echo(self, n):
        self._count()
        return n

    def hold(self, n):
        self._count()
        d = onc.defer()
        with self.lock:
            self.held.append((n, d))
            self.held_changed.notify_all()

    def wait_held(self, count):
        with self.lock:
            assert self.held_changed.wait_for(lambda: len(self.held) >= count, 10), self.held

    def answer_held(self, i, value):
        with self.lock:
            n, d = self.held[i]
        d.reply(value)

    def release_all(self):
        """Answers what is still held or waiting, so that the server stops at once."""
        with self.lock:
            rest = self.waiting + self.held
            self.waiting, self.held = [], []
        for _, d in rest:
            try:
                d.reply(0)
            except RuntimeError:
                pass  # answered already


class MeetingClient(onc.Client):
    PROGRAM, VERSION = PROG, VERS

    def meet(self, n, *, timeout=None):
        return self.call(PROC_MEET, lambda p: p.pack_int(n), onc.Unpacker.unpack_int,
                         timeout=timeout)

    def echo(self, n, *, timeout=None):
        return self.call(PROC_ECHO, lambda p: p.pack_int(n), onc.Unpacker.unpack_int,
                         timeout=timeout)

    def hold(self, n, *, timeout=None):
        return self.call(PROC_HOLD, lambda p: p.pack_int(n), onc.Unpacker.unpack_int,
                         timeout=timeout)


class MeetingServer:
    def __init__(self, tmp, **opts):
        self.program = Meeting(opts.pop("quorum", THREADS))
        self.server = onc.Server(**opts)
        self.server.register(self.program)
        self.addrs = {
            "tcp": f"tcp://127.0.0.1:{self.server.listen('tcp://127.0.0.1:0')}",
            "udp": f"udp://127.0.0.1:{self.server.listen('udp://127.0.0.1:0')}",
            "unix": f"unix://{tmp}/meeting.sock",
        }
        self.server.listen(self.addrs["unix"])
        self.server.start()

    def stop(self):
        self.program.release_all()
        self.server.stop()


@pytest.fixture
def meeting(tmp_path, stopped_after):
    return lambda **opts: stopped_after(MeetingServer(tmp_path, **opts))


def in_threads(n, work):
    """Runs work(i) in n threads at once; returns [(result, exception)] by thread."""
    out = [(None, None)] * n
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        try:
            out[i] = (work(i), None)
        except Exception as e:  # reported by the test's assertions
            out[i] = (None, e)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return out


def calls_meeting_then_echoing(c):
    def work(i):
        first = c.meet(1000 + i)
        return [first] + [c.echo(i * CALLS + k) for k in range(CALLS)]
    return work


# --- many threads, one connection ---


@pytest.mark.parametrize("kind", ["tcp", "unix", "udp"])
def test_threads_have_their_calls_in_flight_together_on_one_connection(meeting, kind):
    s = meeting()
    # retry=5: no retransmission (a second copy of a call) while the calls meet on UDP
    with MeetingClient(s.addrs[kind], timeout=5, retry=5) as c:
        out = in_threads(THREADS, calls_meeting_then_echoing(c))
    errors = [e for _, e in out if e is not None]
    assert not errors, f"{len(errors)} of {THREADS} threads failed, first: {errors[0]!r}"
    for i, (result, _) in enumerate(out):
        assert result == [1000 + i] + [i * CALLS + k for k in range(CALLS)]
    assert s.program.most_at_once == THREADS
    assert list(s.program.links.values()) == [THREADS * (CALLS + 1)]  # one connection


def test_threads_sharing_a_client_of_the_c_server_get_their_own_replies(onc_testd):
    for kind, port in (("tcp", onc_testd.tcp), ("udp", onc_testd.udp)):
        with TestprogClient(f"{kind}://127.0.0.1:{port}", timeout=10) as c:
            out = in_threads(THREADS, lambda i: [(c.add(i, k), c.echo(f"t{i}-{k}"))
                                                 for k in range(CALLS)])
        assert [r for r, _ in out] == [[(i + k, f"t{i}-{k}") for k in range(CALLS)]
                                       for i in range(THREADS)], [e for _, e in out if e]
    with TestprogClient(f"unix://{onc_testd.unix}", timeout=10) as c:
        out = in_threads(THREADS, lambda i: [c.add(i, -k) for k in range(CALLS)])
    assert [r for r, _ in out] == [[i - k for k in range(CALLS)] for i in range(THREADS)]


# --- deadlines, late replies and the reader's turn ---


@pytest.mark.parametrize("kind", ["tcp", "unix", "udp"])
def test_a_timeout_in_one_thread_leaves_the_others_alone_and_its_late_reply_is_dropped(
        meeting, kind):
    s = meeting()
    with MeetingClient(s.addrs[kind], timeout=10, retry=5) as c:
        def work(i):
            if i == 0:
                with pytest.raises(onc.Timeout):
                    c.hold(7, timeout=0.3)
                return "timed out"
            return [c.echo(i * CALLS + k) for k in range(CALLS)]

        out = in_threads(8, work)
        assert out[0] == ("timed out", None)
        for i in range(1, 8):
            assert out[i] == ([i * CALLS + k for k in range(CALLS)], None)
        s.program.answer_held(0, 99)  # the reply of the call that timed out: dropped
        assert c.echo(5) == 5
        assert c.echo(6) == 6
    assert len(s.program.links) == 1


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_calls_timing_out_all_the_time_among_the_others_lose_no_reply(meeting, kind):
    """16 threads: every fourth call is held by the server and times out, and a helper answers
    the held calls late (with -1) all along; every other call gets its own reply."""
    s = meeting()
    stop = threading.Event()

    def answer_late():
        done = 0
        while not stop.is_set():
            with s.program.lock:
                todo = s.program.held[done:]
            for n, d in todo:
                d.reply(-1)
            done += len(todo)
            stop.wait(0.005)

    late = threading.Thread(target=answer_late, daemon=True)
    late.start()
    try:
        with MeetingClient(s.addrs[kind], timeout=10, retry=5) as c:
            def work(i):
                got = []
                for k in range(40):
                    if k % 4 == i % 4:
                        try:
                            got.append(c.hold(k, timeout=0.002 * (1 + k % 5)))
                        except onc.Timeout:
                            got.append("timeout")
                    else:
                        got.append(c.echo(i * 1000 + k))
                return got

            out = in_threads(THREADS, work)
    finally:
        stop.set()
        late.join(5)
    for i, (got, e) in enumerate(out):
        assert e is None, e
        for k, v in enumerate(got):
            assert v == (i * 1000 + k) if k % 4 != i % 4 else v in ("timeout", -1), (i, k, v)
    assert len(s.program.links) == 1


@pytest.mark.parametrize("first", [0, 1])
def test_the_reader_whose_reply_came_wakes_a_waiting_thread_to_read(meeting, first):
    """Two calls held by the server, answered one at a time: the thread reading for both
    gets its reply and leaves, and the other thread must read its own (the C client once
    handed the turn to no thread, and the other slept to its deadline)."""
    s = meeting()
    with MeetingClient(s.addrs["tcp"], timeout=5) as c:
        results = {}

        def run(n):
            try:
                results[n] = c.hold(n)
            except Exception as e:
                results[n] = e

        a = threading.Thread(target=run, args=(100,), daemon=True)
        a.start()
        s.program.wait_held(1)
        b = threading.Thread(target=run, args=(200,), daemon=True)
        b.start()
        s.program.wait_held(2)
        order = [0, 1] if first == 0 else [1, 0]
        s.program.answer_held(order[0], 1 + order[0])
        (a if order[0] == 0 else b).join(10)
        s.program.answer_held(order[1], 1 + order[1])
        a.join(10)
        b.join(10)
    assert results == {100: 1, 200: 2}


# --- a connection that fails ---


class Closer:
    """A server (TCP or a Unix socket) that reads calls and, on its first connection, closes
    it once `quorum` calls are in (quorum None: it reads nothing there, and sets `arrived`
    when bytes come); on later ones it answers each call with its argument."""

    def __init__(self, kind, path, quorum):
        family = socket.AF_UNIX if kind == "unix" else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(path if kind == "unix" else ("127.0.0.1", 0))
        self.addr = (f"unix://{path}" if kind == "unix"
                     else f"tcp://127.0.0.1:{self.sock.getsockname()[1]}")
        self.sock.listen(8)
        self.quorum = quorum
        self.connections = 0
        self.calls_on_first = 0
        self.arrived, self.stopped = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections == 1),
                             daemon=True).start()

    def _serve(self, conn, first):
        reader = RecordReader()
        with conn:
            if first and self.quorum is None:
                conn.recv(1, socket.MSG_PEEK)
                self.arrived.set()
                self.stopped.wait(30)
                return
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                for rec in reader.feed(data):
                    if first:
                        self.calls_on_first += 1
                        if self.calls_on_first == self.quorum:
                            return  # closed with every call unanswered
                    else:
                        conn.sendall(frame(words(*struct.unpack(">I", rec[:4]), 1, 0, 0, 0, 0)
                                           + rec[-4:]))

    def stop(self):
        self.stopped.set()
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept() (close() alone would not)
        self.sock.close()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.mark.parametrize("kind", ["tcp", "unix"])
def test_the_server_closing_the_connection_fails_every_call_in_flight_then_reconnects(
        tmp_path, stopped_after, kind):
    s = stopped_after(Closer(kind, str(tmp_path / "closer.sock"), quorum=8))
    with MeetingClient(s.addr, timeout=10) as c:
        out = in_threads(8, lambda i: c.echo(i))
        assert s.calls_on_first == 8
        for result, e in out:
            assert result is None and type(e) is onc.ConnectionClosed, (result, e)
            assert e.status == onc.Status.CLOSED and "by the server" in str(e)
        assert c.echo(42) == 42  # on a new connection
        assert in_threads(8, lambda i: c.echo(i)) == [(i, None) for i in range(8)]
    assert s.connections == 2


@pytest.mark.parametrize("kind", ["tcp", "unix"])
def test_a_write_timing_out_part_way_fails_the_calls_in_flight_then_reconnects(
        tmp_path, stopped_after, kind):
    s = stopped_after(Closer(kind, str(tmp_path / "silent.sock"), quorum=None))
    with MeetingClient(s.addr, timeout=10) as c:
        first = in_background(lambda: c.echo(1))
        assert s.arrived.wait(10)  # its call is out; the server reads nothing
        big = b"\0" * (32 << 20)  # more than the socket buffers take
        with pytest.raises(onc.Timeout):
            c.call(PROC_ECHO, lambda p: p.pack_raw(big), None, timeout=0.5)
        e = first.result()
        assert type(e) is onc.ConnectionClosed and "write timed out part way" in str(e), e
        assert c.echo(42) == 42  # on a new connection
    assert s.connections == 2


def in_background(fn):
    """Runs fn() in a thread; .result() joins it and gives what it returned or raised."""
    out = []
    t = threading.Thread(target=lambda: out.append(_outcome(fn)), daemon=True)
    t.start()

    class Pending:
        def result(self):
            t.join(30)
            assert out, "the thread is stuck"
            return out[0]

    return Pending()


def _outcome(fn):
    try:
        return fn()
    except Exception as e:
        return e


def test_close_fails_the_calls_awaiting_replies(meeting):
    s = meeting()
    c = MeetingClient(s.addrs["tcp"], timeout=10)
    held = in_background(lambda: c.hold(1))
    s.program.wait_held(1)
    c.close()
    e = held.result()
    assert type(e) is onc.ConnectionClosed and "the client was closed" in str(e), e
    assert c.echo(3) == 3  # a later call connects again
    c.close()


def test_close_while_a_thread_reads_closes_the_socket_when_the_reader_leaves(meeting):
    s = meeting()
    c = MeetingClient(s.addrs["tcp"], timeout=10)
    sock = c._conn.sock  # the client's socket (private): closed by whoever leaves it last
    held = in_background(lambda: c.hold(1))  # its thread reads, alone
    s.program.wait_held(1)
    c.close()  # the reader is on the socket: it closes it as it leaves
    assert type(held.result()) is onc.ConnectionClosed
    assert sock.fileno() == -1


# --- UDP: each waiting call retransmits its own datagram ---


def test_udp_calls_of_many_threads_are_each_retransmitted(fake_server):
    seen = Counter()

    def respond(msg):  # the first copy of each call is lost
        xid = msg[:4]
        seen[xid] += 1
        return None if seen[xid] == 1 else xid + words(1, 0, 0, 0, 0) + msg[-4:]

    s = fake_server("udp", respond)
    with MeetingClient(s.addr, timeout=10, retry=0.05) as c:
        out = in_threads(8, lambda i: [c.echo(i * 10 + k) for k in range(5)])
    assert out == [([i * 10 + k for k in range(5)], None) for i in range(8)]
    assert len(seen) == 40 and min(seen.values()) >= 2


# --- TLS ---


def test_tls_threads_have_their_calls_in_flight_together(pki, meeting):
    s = meeting(tls=pki.server_tls())
    with MeetingClient(s.addrs["tcp"], timeout=10, tls=pki.client_tls()) as c:
        out = in_threads(THREADS, calls_meeting_then_echoing(c))
        assert c.tls_info().version == "TLSv1.3"
    assert [r for r, _ in out] == [[1000 + i] + [i * CALLS + k for k in range(CALLS)]
                                   for i in range(THREADS)], [e for _, e in out if e]
    assert s.program.most_at_once == THREADS
    assert list(s.program.links.values()) == [THREADS * (CALLS + 1)]


def test_tls_threads_sharing_a_client_of_the_c_server_send_and_get_large_records(pki):
    """Records of up to 300 KB both ways (many TLS records each, read in pieces) from 8
    threads at once to the C server's TLS program: each thread gets its own answer."""
    p = Peer("tls_peer", "server", f"cert={pki.server}", f"key={pki.server_key}")
    try:
        with onc.Client(f"tls://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=20,
                        tls=pki.client_tls()) as c:
            def work(i):
                sums = []
                for k in range(6):
                    data = bytes([i, k]) * (1000 + 25000 * k)
                    sums.append(c.call(2, lambda q: q.pack_opaque(data, 1 << 24),
                                       onc.Unpacker.unpack_uint))
                return sums

            out = in_threads(8, work)
    finally:
        assert p.stop() == ""
    expected = [[(2 * (1000 + 25000 * k) + (i + k) * (1000 + 25000 * k)) & 0xFFFFFFFF
                 for k in range(6)] for i in range(8)]
    assert out == [(e, None) for e in expected]



def test_tls_a_server_gone_mid_flight_fails_every_call_then_the_client_handshakes_again(
        pki, meeting):
    s = meeting(tls=pki.server_tls())
    port = int(s.addrs["tcp"].rsplit(":", 1)[1])
    with MeetingClient(s.addrs["tcp"], timeout=10, tls=pki.client_tls()) as c:
        assert c.echo(1) == 1
        held = [in_background(lambda n=n: c.hold(n)) for n in range(4)]
        s.program.wait_held(4)
        s.server.stop(timeout=0.1)  # the calls held are dropped with their connection
        for h in held:
            e = h.result()
            assert type(e) is onc.ConnectionClosed and "by the server" in str(e), e
        again = onc.Server(tls=pki.server_tls())
        again.register(Meeting())
        again.listen(f"tcp://127.0.0.1:{port}")
        again.start()
        try:
            assert c.echo(2) == 2  # a new connection, a new handshake
            assert c.tls_info().version == "TLSv1.3"
        finally:
            again.stop()
