"""onc.aio: the asyncio client (many calls in flight on one connection, per-call timeouts,
cancellation, a bound on calls in flight, UDP retransmission) against the C server and the
asyncio server; the asyncio server (async handlers overlapping, its per-connection bound, the
same reply bytes as the threaded and C servers, stop) against the C, libtirpc and Python
clients."""

import asyncio
import logging
import os
import socket
import struct
import threading

import pytest

import onc
import onc.aio
from conftest import generate, peer_path
from test_server_cases import CASES, CONFORM_X, hex_words, read_cases
from testprog import (PROC_ADD, PROC_ECHO, TESTPROG, Testprog, decode_str64, encode_int_pair,
                      encode_str64)

WANT_FROM_ONC = "null ok\nadd 42\necho hello from onc\n"
WANT_FROM_TIRPC = "null ok\nadd 42\necho hello from libtirpc\n"
PROC_WAIT = 10  # AsyncTestprog: waits for its `release` event, then returns its argument


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def add(c, a, b, **kw):
    return await c.call(PROC_ADD, lambda p: encode_int_pair(p, a, b), onc.Unpacker.unpack_int,
                        **kw)


async def wait_call(c, n, **kw):
    return await c.call(PROC_WAIT, lambda p: p.pack_int(n), onc.Unpacker.unpack_int, **kw)


class AsyncTestprog(Testprog):
    """TESTPROG with async handlers that count how many run at once."""

    PROCEDURES = {**Testprog.PROCEDURES,
                  PROC_WAIT: onc.Procedure("wait", lambda u: (u.unpack_int(),),
                                           onc.Packer.pack_int)}

    def __init__(self):
        super().__init__(1)
        self.running = self.most = self.started = 0
        self.release = asyncio.Event()
        self.peers = set()

    async def add(self, a, b):
        call = onc.current_call()
        self.peers.add((call.transport, call.peer))
        await asyncio.sleep(0)
        assert onc.current_call() is call  # the task keeps its call across awaits
        return a + b

    async def wait(self, n):
        self.running += 1
        self.started += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return n


async def serve(tmp_path, **opts):
    s = onc.aio.Server(**opts)
    prog = s.register(AsyncTestprog())
    ports = {"tcp": await s.listen("tcp://127.0.0.1:0"),
             "udp": await s.listen("udp://127.0.0.1:0")}
    await s.listen(f"unix://{tmp_path}/aio.sock")
    addrs = {"tcp": f"tcp://127.0.0.1:{ports['tcp']}", "udp": f"udp://127.0.0.1:{ports['udp']}",
             "unix": f"unix://{tmp_path}/aio.sock"}
    return s, prog, addrs


async def until(predicate):
    while not predicate():
        await asyncio.sleep(0.005)


@pytest.mark.parametrize("kind", ["tcp", "udp", "unix"])
def test_many_calls_in_flight_to_the_c_server(onc_testd, kind):
    a = {"tcp": f"tcp://127.0.0.1:{onc_testd.tcp}", "udp": f"udp://127.0.0.1:{onc_testd.udp}",
         "unix": f"unix://{onc_testd.unix}"}[kind]

    async def go():
        async with onc.aio.Client(a, TESTPROG, 1) as c:
            sums = await asyncio.gather(*(add(c, i, 1000 * i) for i in range(500)))
            echoed = await c.call(PROC_ECHO, lambda p: encode_str64(p, "aio"), decode_str64)
        return sums, echoed

    sums, echoed = run(go())
    assert sums == [1001 * i for i in range(500)]
    assert echoed == "aio"


@pytest.mark.parametrize("kind", ["tcp", "unix"])
def test_calls_share_one_connection_and_overlap_on_the_server(tmp_path, kind):
    async def go():
        s, prog, addrs = await serve(tmp_path)
        async with s, onc.aio.Client(addrs[kind], TESTPROG, 1) as c:
            sums = await asyncio.gather(*(add(c, i, i) for i in range(200)))
            waits = [asyncio.create_task(wait_call(c, i)) for i in range(40)]
            await until(lambda: prog.started == 40)  # all 40 handlers are waiting at once
            prog.release.set()
            got = await asyncio.gather(*waits)
        return sums, got, prog

    sums, got, prog = run(go())
    assert sums == [2 * i for i in range(200)]
    assert got == list(range(40)) and prog.most == 40
    assert len(prog.peers) == 1  # one connection


def test_server_runs_at_most_calls_per_connection(tmp_path):
    async def go():
        s, prog, addrs = await serve(tmp_path, calls_per_connection=8)
        async with s, onc.aio.Client(addrs["tcp"], TESTPROG, 1) as c:
            waits = [asyncio.create_task(wait_call(c, i)) for i in range(50)]
            await until(lambda: prog.started == 8)
            for _ in range(20):  # the other 42 calls are read or queued, not started
                await asyncio.sleep(0.005)
            started = prog.started
            prog.release.set()
            got = await asyncio.gather(*waits)
        return started, got, prog.most

    started, got, most = run(go())
    assert started == 8 and most == 8
    assert got == list(range(50))


def test_client_keeps_at_most_max_in_flight(tmp_path):
    async def go():
        s, prog, addrs = await serve(tmp_path)
        async with s, onc.aio.Client(addrs["tcp"], TESTPROG, 1, max_in_flight=4) as c:
            waits = [asyncio.create_task(wait_call(c, i)) for i in range(30)]
            await until(lambda: prog.started == 4)
            for _ in range(20):
                await asyncio.sleep(0.005)
            started = prog.started
            prog.release.set()
            got = await asyncio.gather(*waits)
        return started, got, prog.most

    started, got, most = run(go())
    assert started == 4 and most == 4
    assert got == list(range(30))


def test_timeout_then_the_late_reply_is_dropped(tmp_path):
    async def go():
        s, prog, addrs = await serve(tmp_path)
        async with s, onc.aio.Client(addrs["tcp"], TESTPROG, 1) as c:
            with pytest.raises(onc.Timeout):
                await wait_call(c, 7, timeout=0.1)
            assert c._replies.waiting == {}  # forgotten
            prog.release.set()
            await until(lambda: prog.running == 0)  # its late reply has been sent
            assert await add(c, 2, 3) == 5  # the same connection, its own reply
        return prog.peers

    assert len(run(go())) == 1


def test_cancelled_call_is_forgotten(tmp_path):
    async def go():
        s, prog, addrs = await serve(tmp_path)
        async with s, onc.aio.Client(addrs["udp"], TESTPROG, 1) as c:
            task = asyncio.create_task(wait_call(c, 1))
            await until(lambda: prog.started == 1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert c._replies.waiting == {}
            prog.release.set()
            return await add(c, 40, 2)

    assert run(go()) == 42


def test_udp_call_is_sent_again_until_answered(fake_server):
    seen = []

    def respond(msg):
        seen.append(msg)
        if len(seen) < 3:
            return None  # the first two copies are "lost"
        return msg[:4] + struct.pack(">IIIIII", 1, 0, 0, 0, 0, 42)

    srv = fake_server("udp", respond)

    async def go():
        c = onc.aio.Client(srv.addr, TESTPROG, 1, retry=0.02)
        try:
            return await add(c, 1, 2)
        finally:
            await c.close()

    assert run(go()) == 42
    assert len(seen) == 3 and seen[0] == seen[1] == seen[2]  # the same call, the same xid


def test_broken_connection_fails_the_calls_then_reconnects(fake_server):
    srv = fake_server("tcp", lambda msg: None, close_after=True)

    async def go():
        c = onc.aio.Client(srv.addr, TESTPROG, 1)
        errors = []
        for _ in range(2):
            try:
                await add(c, 1, 2)
            except onc.ConnectionClosed as e:
                errors.append(e)
        await c.close()
        return errors

    assert len(run(go())) == 2
    assert len(srv.conns) == 2  # the second call connected again


def test_refused_and_closed_client():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there

    async def go():
        c = onc.aio.Client(f"tcp://127.0.0.1:{port}", TESTPROG, 1)
        with pytest.raises(onc.ConnectionRefused):
            await c.null()
        await c.close()
        with pytest.raises(onc.ConnectionClosed):
            await c.null()

    run(go())


def test_async_handler_errors(tmp_path, caplog):
    class Failing(onc.Program):
        PROGRAM, VERSION = 0x20000777, 1
        PROCEDURES = {1: onc.Procedure("unavail"), 2: onc.Procedure("broken"),
                      3: onc.Procedure("wrong", None, onc.Packer.pack_int),
                      4: onc.Procedure("later", None, onc.Packer.pack_int)}

        async def unavail(self):
            await asyncio.sleep(0)
            raise onc.ProcUnavail()

        async def broken(self):
            raise RuntimeError("handler bug")

        async def wrong(self):
            return "not an int"

        async def later(self):  # defers, and answers from a thread
            d = onc.defer()
            threading.Thread(target=lambda: d.reply(99)).start()

    async def go():
        s = onc.aio.Server()
        s.register(Failing())
        port = await s.listen("tcp://127.0.0.1:0")
        async with s, onc.aio.Client(f"tcp://127.0.0.1:{port}", Failing.PROGRAM, 1) as c:
            with pytest.raises(onc.ProcUnavail):
                await c.call(1)
            with pytest.raises(onc.SystemErr):
                await c.call(2)
            with pytest.raises(onc.SystemErr):
                await c.call(3, None, onc.Unpacker.unpack_int)
            return await c.call(4, None, onc.Unpacker.unpack_int)

    with caplog.at_level(logging.ERROR, logger="onc.server"):
        assert run(go()) == 99
    text = caplog.text
    assert "handler bug" in text and "procedure 3 (wrong)" in text


def test_async_handler_on_the_threaded_server_is_refused_and_logged(caplog):
    s = onc.Server()
    s.register(AsyncTestprog())
    port = s.listen("tcp://127.0.0.1:0")
    with caplog.at_level(logging.ERROR, logger="onc.server"), s:
        with onc.Client(f"tcp://127.0.0.1:{port}", TESTPROG, 1) as c:
            with pytest.raises(onc.SystemErr):
                c.call(PROC_ADD, lambda p: encode_int_pair(p, 1, 2), onc.Unpacker.unpack_int)
    assert "is async: serve it with onc.aio.Server" in caplog.text


@pytest.mark.parametrize("kind", ["tcp", "udp", "unix"])
def test_c_and_libtirpc_clients_call_the_async_server(tmp_path, kind):
    async def client(*argv):
        p = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE)
        out, err = await p.communicate()
        return p.returncode, out.decode(), err.decode()

    async def go():
        s, prog, addrs = await serve(tmp_path)
        async with s:
            onc_c = await client(peer_path("onc_testc"), addrs[kind])
            tirpc = None
            if kind != "unix":
                port = addrs[kind].rsplit(":", 1)[1]
                tirpc = await client(peer_path("tirpc_client"), kind, port)
        return onc_c, tirpc

    onc_c, tirpc = run(go())
    assert onc_c == (0, WANT_FROM_ONC, "")
    if tirpc is not None:
        assert tirpc == (0, WANT_FROM_TIRPC, "")


def test_the_table_of_cases_over_the_wire_with_async_handlers(tmp_path):
    """tests/conformance/server_cases.txt sent over TCP to the asyncio server whose handlers
    are `async def` (the deferring one answers from a thread): the same reply bytes as the C
    and threaded servers give. After each case a NULL call with a known xid marks its end."""
    conform = generate(CONFORM_X, tmp_path)

    async def echo(self, n):
        await asyncio.sleep(0)
        return n

    async def fail(self, n):
        await asyncio.sleep(0)
        raise {1: onc.ProcUnavail(), 2: onc.GarbageArgs(), 3: onc.SystemErr(),
               4: onc.AuthError(onc.AuthStat.AUTH_TOOWEAK),
               5: onc.ProgUnavail()}.get(n, RuntimeError(f"fail({n})"))

    def defer(self, n):
        d = onc.defer()
        threading.Thread(target=lambda: d.reply(n + 1)).start()

    async def wrong(self, n):
        return 42

    by_proc = {conform.CONFORM_ECHO: echo, conform.CONFORM_FAIL: fail,
               conform.CONFORM_DEFER: defer, conform.CONFORM_WRONG: wrong}

    def implement(base):
        return type(base.__name__ + "Async", (base,),
                    {p.name: by_proc[n] for n, p in base.PROCEDURES.items()})()

    barrier_xid = 0xFEEDF00D
    barrier = struct.pack(">IIIIIIIIII", barrier_xid, 0, 2, conform.CONFORM_PROG, 1, 0, 0, 0, 0, 0)

    async def go():
        s = onc.aio.Server()
        s.register(implement(conform.ConformV1Server))
        s.register(implement(conform.ConformV3Server))
        port = await s.listen("tcp://127.0.0.1:0")
        bad = []
        async with s:
            for name, call, want in read_cases(CASES):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(onc.frame(call) + onc.frame(barrier))
                replies, ended = [], False
                try:  # until the barrier's reply, and the case's when one is due
                    while not ended or (want is not None and not replies):
                        body = await asyncio.wait_for(read_record(reader), 5)
                        if body[:4] == struct.pack(">I", barrier_xid):
                            ended = True
                        else:
                            replies.append(body)
                except asyncio.TimeoutError:
                    pass
                writer.close()
                got = replies[0] if len(replies) == 1 else replies or None
                if got != want:
                    bad.append(f"case {name}\n  want {hex_words(want)}\n  got  {hex_words(got)}")
        return bad

    bad = run(go())
    assert not bad, "\n".join(bad)


async def read_record(reader):
    head = await reader.readexactly(4)
    return await reader.readexactly(struct.unpack(">I", head)[0] & 0x7FFFFFFF)


def test_close_lets_a_running_handler_answer(tmp_path):
    async def go():
        s, prog, addrs = await serve(tmp_path)
        c = onc.aio.Client(addrs["tcp"], TESTPROG, 1)
        call = asyncio.create_task(wait_call(c, 5))
        await until(lambda: prog.started == 1)
        closing = asyncio.create_task(s.close())
        await asyncio.sleep(0.05)
        prog.release.set()
        await closing
        answer = await call
        with pytest.raises(onc.TransportError):
            await onc.aio.Client(addrs["tcp"], TESTPROG, 1).null(timeout=2)
        await c.close()
        return answer, os.path.exists(addrs["unix"][len("unix://"):])

    assert run(go()) == (5, False)


def test_errors_are_the_standard_librarys_too():
    assert isinstance(onc.Timeout(), TimeoutError)
    assert isinstance(onc.ConnectionRefused(), ConnectionRefusedError)
    assert str(onc.Timeout("connecting")) == "timed out: connecting"
