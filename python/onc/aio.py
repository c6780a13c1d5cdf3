"""asyncio: a client with many calls in flight on one connection, and a server whose handlers
may be `async def`.

    async with onc.aio.Client("tcp://127.0.0.1:2049", prog, vers) as c:
        total = await c.call(1, lambda p: (p.pack_int(40), p.pack_int(2)), Unpacker.unpack_int)
        many = await asyncio.gather(*(c.call(0) for _ in range(1000)))   # one connection

    class MyCalc(Calc):                       # handlers may be plain or `async def`
        async def add(self, a, b):
            await asyncio.sleep(0.1)
            return a + b

    async with onc.aio.Server() as s:        # close() on exit
        s.register(MyCalc())
        port = await s.listen("tcp://127.0.0.1:0")
        await s.serve_forever()

The client: calls on one connection (TCP or Unix stream, or UDP with retransmission as
onc.Client), replies matched by xid; each call has its own timeout (onc.Timeout) and a
cancelled call is forgotten (its late reply is dropped); at most max_in_flight calls are out
at once, the others wait their turn within their timeout. A broken connection fails the calls
on it; the next call connects again. Addresses without a port are asked of rpcbind (in a
thread: onc.rpcbind is synchronous).

The server answers exactly as onc.Server (the same code decides every reply: server.py's
table of answers, deferred replies, errors); it differs in how it runs handlers. Each call
is dispatched on the event loop as it arrives; a plain handler runs there and answers at
once (it must not block: use `async def` for anything that waits), an `async def` one runs
as a task of its own, so the calls of one connection overlap and their replies leave in the
order they end. onc.current_call() works in both; onc.defer() too, from either kind (the
Deferred may then be answered from any thread). A connection stops being read while it has
calls_per_connection handlers running, or while its peer does not read its replies.
"""

import asyncio
import collections
import contextvars
import socket
import struct
import threading
import time
from typing import Awaitable, Callable, Generic, Optional, TypeVar, Union, cast, overload

from . import net
from .errors import AddressError, ConnectionClosed, RpcError, Timeout, XdrError, from_os_error
from .record import DEFAULT_MAX_RECORD, RecordReader, frame
from .rpc import Auth, program_version
from .server import (DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_STOP_TIMEOUT,
                     EVICT_AFTER, REPLY_BATCH, UDP_QUEUE, P, Server as _Answers)
from .transport import (DEFAULT_RETRY, DEFAULT_TIMEOUT, auth_prefix, call_message, call_result,
                        next_xid)
from .xdr import Packer, Unpacker

__all__ = ["Client", "Server", "DEFAULT_MAX_IN_FLIGHT", "DEFAULT_CALLS_PER_CONNECTION"]

DEFAULT_MAX_IN_FLIGHT = 256  # client: calls out at once on one connection
DEFAULT_CALLS_PER_CONNECTION = 64  # server: handlers running for one connection

_U32 = struct.Struct(">I")
T = TypeVar("T")
A = TypeVar("A", bound="Client")
S = TypeVar("S", bound="Server")
TransportT = TypeVar("TransportT", bound=asyncio.BaseTransport)
# A start or stop hook (Server.set_hooks): called with the server, in a thread.
Hook = Callable[["Server"], object]


async def _connected_socket(addr: net.Address) -> socket.socket:
    """A non-blocking socket connected to addr, or an RpcError."""
    s = socket.socket(addr.family, addr.socktype)
    try:
        s.setblocking(False)
        await asyncio.get_running_loop().sock_connect(s, addr.sockaddr)
    except OSError as e:
        s.close()
        raise from_os_error(e) from None
    except BaseException:
        s.close()
        raise
    return s


# --- the client ---


class _Replies(Generic[TransportT]):
    """What the client's two protocols share: calls waiting for their reply by xid, and the
    error that ends them all when the connection goes."""

    def __init__(self) -> None:
        self.transport: Optional[TransportT] = None
        self.waiting: dict[bytes, asyncio.Future[bytes]] = {}  # xid (4 bytes) -> the reply
        self.broken: Optional[RpcError] = None  # the error that ended the connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio gives a protocol the kind of transport it was made for (stream, datagram)
        self.transport = cast(TransportT, transport)

    def matched(self, reply: bytes) -> None:
        fut = self.waiting.pop(reply[:4], None)  # a late or duplicate reply: dropped
        if fut is not None and not fut.done():
            fut.set_result(reply)

    def fail(self, make_error: Callable[[], RpcError]) -> None:
        if self.broken is None:
            self.broken = make_error()
        waiting, self.waiting = self.waiting, {}
        for fut in waiting.values():
            if not fut.done():
                fut.set_exception(make_error())
        if self.transport is not None:
            self.transport.close()


class _StreamReplies(_Replies[asyncio.Transport], asyncio.Protocol):
    def __init__(self, max_record: int) -> None:
        super().__init__()
        self.reader = RecordReader(max_record)
        self.writable = asyncio.Event()  # False while the socket's buffer is over its mark
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        try:
            records = self.reader.feed(data)
        except XdrError as e:  # a record over max_record: the stream is unusable
            self.fail(lambda: XdrError(str(e), status=e.status))
            return
        for rec in records:
            self.matched(rec)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.writable.set()  # a call waiting to write sees the error
        self.fail(lambda: ConnectionClosed("by the server") if exc is None
                  else from_os_error(exc))


class _DatagramReplies(_Replies[asyncio.DatagramTransport], asyncio.DatagramProtocol):
    def __init__(self, max_record: int) -> None:
        super().__init__()
        self.max_record = max_record

    def datagram_received(self, data: bytes, addr: net.SockAddr) -> None:
        if len(data) <= self.max_record:  # bigger: dropped, and the call times out
            self.matched(data)

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable: refused
        self.fail(lambda: from_os_error(exc))

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.fail(lambda: ConnectionClosed("socket closed"))


class Client:
    """Calls to one program version, many at once on one connection. Generated async
    clients subclass it and set PROGRAM and VERSION. No I/O until the first call (or
    connect(), or `async with`).

    addr     "tcp://HOST:PORT", "udp://HOST:PORT", "unix:///PATH"; without a port the port
             is asked of HOST's rpcbind at rpcbind_port (None: 111)
    timeout  seconds per call (default 25), overridable per call
    retry    UDP: seconds before the first retransmission (doubled each time)
    max_record  the largest reply accepted (4 MiB)
    auth     None (AUTH_NONE), an rpc.AuthSys or an rpc.OpaqueAuth
    max_in_flight  calls out at once; more wait for a place (within their timeout)
    """

    PROGRAM: Optional[int] = None
    VERSION: Optional[int] = None

    def __init__(self, addr: "str | net.Address", prog: Optional[int] = None,
                 vers: Optional[int] = None, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: float = DEFAULT_RETRY, max_record: int = DEFAULT_MAX_RECORD,
                 auth: Auth = None, rpcbind_port: Optional[int] = None,
                 max_in_flight: int = DEFAULT_MAX_IN_FLIGHT) -> None:
        prog, vers = program_version(prog, vers, self.PROGRAM, self.VERSION)
        self.prog, self.vers = prog, vers
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight {max_in_flight}: at least 1")
        self.address = addr if isinstance(addr, net.Address) else net.parse(addr)
        self.timeout, self.retry, self.max_record = timeout, retry, max_record
        self.rpcbind_port = rpcbind_port
        self._prefix_auth = auth_prefix(auth)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._opening = asyncio.Lock()
        self._replies: Optional[Union[_StreamReplies, _DatagramReplies]] = None
        self._closed = False

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.address.uri()} prog {self.prog} "
                f"vers {self.vers}>")

    async def __aenter__(self: "A") -> "A":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self, timeout: Optional[float] = None) -> None:
        """Connects now (otherwise the first call does), asking rpcbind for a missing port."""
        timeout = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(timeout):
                await self._connection()
        except TimeoutError:
            raise Timeout("connecting") from None

    async def close(self) -> None:
        """Closes the connection; calls still waiting fail with ConnectionClosed."""
        self._closed = True
        if self._replies is not None:
            self._replies.fail(lambda: ConnectionClosed("client closed"))
            self._replies = None

    async def _connection(self) -> "Union[_StreamReplies, _DatagramReplies]":
        """The connection's protocol, connected first when there is none or it broke."""
        r = self._replies
        if r is not None and r.broken is None:
            return r
        async with self._opening:
            if self._closed:
                raise ConnectionClosed("client closed")
            r = self._replies
            if r is not None and r.broken is None:
                return r
            a = self.address
            if a.port is None:
                # Not imported before: onc.rpcbind's protocol module defines clients of
                # rpcbind on this one (as client.py does).
                from .rpcb_prot import PMAP_PORT
                from .rpcbind import find_port
                rpcbind = PMAP_PORT if self.rpcbind_port is None else self.rpcbind_port
                port = await asyncio.to_thread(find_port, a.host, a.netid, self.prog,
                                               self.vers, port=rpcbind,
                                               timeout=self.timeout)
                self.address = a = a.with_port(port)
            sock = await _connected_socket(a)
            loop = asyncio.get_running_loop()
            try:
                if a.kind == net.UDP:
                    _, r = await loop.create_datagram_endpoint(
                        lambda: _DatagramReplies(self.max_record), sock=sock)
                elif a.kind == net.UNIX:
                    _, r = await loop.create_unix_connection(
                        lambda: _StreamReplies(self.max_record), sock=sock)
                else:
                    _, r = await loop.create_connection(
                        lambda: _StreamReplies(self.max_record), sock=sock)
            except OSError as e:
                sock.close()
                raise from_os_error(e) from None
            self._replies = r
            return r

    @overload
    async def call(self, proc: int, encode: Optional[Callable[[Packer], object]] = None,
                   decode: None = None, *, timeout: Optional[float] = None) -> None: ...

    @overload
    async def call(self, proc: int, encode: Optional[Callable[[Packer], object]],
                   decode: Callable[[Unpacker], T], *, timeout: Optional[float] = None) -> T: ...

    async def call(self, proc: int, encode: Optional[Callable[[Packer], object]] = None,
                   decode: Optional[Callable[[Unpacker], T]] = None, *,
                   timeout: Optional[float] = None) -> Optional[T]:
        """Calls procedure proc and returns its result; encode, decode and the errors are
        those of onc.Client.call. Cancelling the awaiting task forgets the call."""
        timeout = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(timeout):
                async with self._slots:
                    reply = await self._exchange(proc, encode)
        except TimeoutError:
            raise Timeout() from None
        return call_result(reply, decode)

    async def null(self, *, timeout: Optional[float] = None) -> None:
        """Procedure 0, which every program answers: a ping."""
        return await self.call(0, timeout=timeout)

    async def _exchange(self, proc: int, encode: Optional[Callable[[Packer], object]]) -> bytes:
        r = await self._connection()
        # connection_made() gave it its transport before _connection() returned it
        assert r.transport is not None
        xid = next_xid()
        key = _U32.pack(xid)
        msg = call_message(xid, self.prog, self.vers, proc, self._prefix_auth, encode)
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        r.waiting[key] = fut
        try:
            if isinstance(r, _StreamReplies):
                await r.writable.wait()
                if r.broken is not None:
                    raise r.broken
                r.transport.write(frame(msg))
                return await fut
            retry = self.retry
            while True:  # UDP: sent again after retry, 2 * retry... until the timeout
                r.transport.sendto(msg)
                done, _ = await asyncio.wait([fut], timeout=retry)
                if done:
                    return fut.result()
                retry *= 2
        finally:
            if r.waiting.get(key) is fut:
                del r.waiting[key]  # timed out or cancelled: a late reply is dropped


# --- the server ---


class _ReplyTo:
    """Where a call's reply goes, as server.py's _Connection and _Datagram, for calls read on
    the event loop: deliver() may come from any thread; run() starts an async handler."""

    tls = None  # no RPC-with-TLS here (yet): AUTH_TLS is refused as a flavor not taken

    def __init__(self, server: "Server") -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()  # the server's: this is made on it

    def run(self, awaitable: Awaitable[object],
            done: Callable[[object, Optional[BaseException]], None]) -> None:
        # The context copied here holds the current call (server.py sets it around dispatch).
        task = self.loop.create_task(_awaited(awaitable), context=contextvars.copy_context())
        self.server._tasks.add(task)
        task.add_done_callback(lambda t: self._ended(t, done))

    def _ended(self, task: "asyncio.Task[object]",
               done: Callable[[object, Optional[BaseException]], None]) -> None:
        self.server._tasks.discard(task)
        if task.cancelled():  # by close(), after its timeout: no reply
            self._drop()
        elif task.exception() is not None:
            done(None, task.exception())
        else:
            done(task.result(), None)

    def deliver(self, reply: bytes) -> bool:
        if threading.get_ident() == self.server._loop_thread:
            return self._deliver(reply)
        try:
            self.loop.call_soon_threadsafe(self._deliver, reply)
        except RuntimeError:  # the loop is closed: the reply is dropped
            return False
        return not self.server._closing

    def _deliver(self, reply: bytes) -> bool:
        """Sends the reply, on the loop's thread; False when it was dropped."""
        raise NotImplementedError

    def hold(self) -> None:
        self.server._held += 1

    def _drop(self) -> None:
        """A reply owed is sent or dropped."""
        self.server._held -= 1


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


class _Stream(_ReplyTo, asyncio.Protocol):
    """One stream connection of the server."""

    stream: asyncio.Transport  # set by connection_made(), asyncio's first call

    def __init__(self, server: "Server", kind: str) -> None:
        super().__init__(server)
        self.kind = kind
        self.peer: net.SockAddr = ""
        self.reader = RecordReader(server.max_record)
        self.backlog: collections.deque[bytes] = collections.deque()  # calls waiting to run
        self.running = 0  # calls deferred or in an async handler, not yet answered
        self.writing_paused = False
        self.reading_paused = False
        self.closed = False
        self.last_call = time.monotonic()

    @property
    def transport(self) -> str:  # server.py's Call reads reply_to.transport: the kind
        return self.kind

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.stream = cast(asyncio.Transport, transport)  # a stream server's: a Transport
        peer = transport.get_extra_info("peername")
        self.peer = peer if peer is not None else ""
        if not self.server._admit(self):
            self.closed = True
            self.stream.abort()

    def data_received(self, data: bytes) -> None:
        try:
            records = self.reader.feed(data)
        except XdrError:  # a record over max_record
            self.abort()
            return
        if records:
            self.last_call = time.monotonic()
            self.backlog.extend(records)
            self._answer()

    def _answer(self) -> None:
        """Dispatches the calls read while fewer than calls_per_connection are running and the
        peer takes its replies; replies made at once leave together, REPLY_BATCH at most."""
        out: list[bytes] = []
        size = 0
        while (self.backlog and self.running < self.server.calls_per_connection
               and not self.writing_paused and not self.closed):
            reply = self.server._answers._handle(self.backlog.popleft(), self)
            if reply is not None:
                out.append(frame(reply))
                size += len(out[-1])
            if size >= REPLY_BATCH:
                self.stream.write(b"".join(out))
                out, size = [], 0
        if out and not self.closed:
            self.stream.write(b"".join(out))
        self._flow()

    def hold(self) -> None:
        super().hold()
        self.running += 1

    def _drop(self) -> None:
        super()._drop()
        self.running -= 1

    def _deliver(self, reply: bytes) -> bool:
        self._drop()
        if self.closed:
            return False
        self.stream.write(frame(reply))
        if self.backlog:  # not from here: this may be inside _answer's dispatch
            self.loop.call_soon(self._answer)
        else:
            self._flow()
        return True

    def pause_writing(self) -> None:
        self.writing_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._answer()

    def _flow(self) -> None:
        """Reads while every call read has been dispatched and the peer takes its replies."""
        pause = self.writing_paused or bool(self.backlog) or self.server._closing
        if self.closed or pause == self.reading_paused:
            return
        self.reading_paused = pause
        if pause:
            self.stream.pause_reading()
        else:
            self.stream.resume_reading()

    def idle(self, now: float, seconds: float) -> bool:
        return now - self.last_call >= seconds and not self.running

    def abort(self) -> None:
        self.closed = True
        self.stream.abort()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self.server._conns.discard(self)


class _DatagramReply(_ReplyTo):
    transport = net.UDP

    def __init__(self, server: "Server", endpoint: asyncio.DatagramTransport,
                 peer: net.SockAddr) -> None:
        super().__init__(server)
        self.endpoint, self.peer = endpoint, peer

    def hold(self) -> None:
        super().hold()
        self.server._udp_running += 1

    def _drop(self) -> None:
        super()._drop()
        self.server._udp_running -= 1

    def _deliver(self, reply: bytes) -> bool:
        self._drop()
        if self.endpoint.is_closing():
            return False
        self.endpoint.sendto(reply, self.peer)
        return True


class _Datagrams(asyncio.DatagramProtocol):
    endpoint: asyncio.DatagramTransport  # set by connection_made(), asyncio's first call

    def __init__(self, server: "Server") -> None:
        self.server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.endpoint = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: net.SockAddr) -> None:
        if self.server._udp_running >= UDP_QUEUE or self.server._closing:
            return  # dropped, as by a full socket: the client sends it again
        reply = self.server._answers._handle(data, _DatagramReply(self.server, self.endpoint,
                                                                   addr))
        if reply is not None:
            self.endpoint.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP error about an earlier reply: nothing to do


class Server:
    """Serves registered programs on the running event loop. The options are onc.Server's
    (max_record, max_connections with eviction of the connection idle the longest,
    idle_timeout), and calls_per_connection: handlers of one connection running at once."""

    def __init__(self, *, max_record: int = DEFAULT_MAX_RECORD,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
                 calls_per_connection: int = DEFAULT_CALLS_PER_CONNECTION) -> None:
        # The programs, the listening sockets and every answer are onc.Server's; this class
        # only runs them on asyncio. Its own threads are never started.
        self._answers = _Answers(max_record=max_record, max_connections=max_connections,
                                 idle_timeout=idle_timeout)
        self.calls_per_connection = calls_per_connection
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread: Optional[int] = None
        self._served: list[Union[asyncio.AbstractServer, asyncio.DatagramTransport]] = []
        self._conns: set[_Stream] = set()
        self._tasks: set[asyncio.Task[object]] = set()
        self._held = 0  # replies owed (deferred or async handlers)
        self._udp_running = 0  # of which to datagrams
        self._closing = False
        self._closed = asyncio.Event()  # (bound to the loop that first waits on it)
        self._sweeper: Optional[asyncio.TimerHandle] = None  # set going by _start()
        self._hooks: tuple[Optional[Hook], Optional[Hook]] = (None, None)  # set_hooks()
        self._hooked = False  # the start hook ran: the stop hook is due

    # The limits are the inner onc.Server's: one copy of each.
    @property
    def max_record(self) -> int:
        return self._answers.max_record

    @property
    def max_connections(self) -> int:
        return self._answers.max_connections

    @property
    def idle_timeout(self) -> float:
        return self._answers.idle_timeout

    def register(self, program: P, prog: Optional[int] = None,
                 vers: Optional[int] = None) -> P:
        """Adds a Program (its PROGRAM/VERSION unless prog/vers are given)."""
        return self._answers.register(program, prog, vers)

    def program_versions(self) -> list[tuple[int, int]]:
        return self._answers.program_versions()

    def listening(self) -> list[net.Address]:
        return self._answers.listening()

    async def listen(self, addr: str) -> int:
        """Listens on "tcp://127.0.0.1:0", "udp://[::1]:8000", "unix:///run/calc.sock"... and
        serves at once; port 0 picks a free port, which is returned (0 for Unix sockets)."""
        loop = self._start()
        port = self._answers.listen(addr)
        sock, a, _ = self._answers._listeners[-1]
        if a.kind == net.UDP:
            endpoint, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self),
                                                              sock=sock)
            self._served.append(endpoint)
        elif a.kind == net.UNIX:
            self._served.append(await loop.create_unix_server(lambda: _Stream(self, a.kind),
                                                              sock=sock))
        else:
            self._served.append(await loop.create_server(lambda: _Stream(self, a.kind),
                                                         sock=sock))
        return port

    def _start(self) -> asyncio.AbstractEventLoop:
        """The loop served on: the running one, from the first call on."""
        if self._closing:
            raise AddressError("the server is closed")
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            self._sweep(self._loop)
        return self._loop

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Closes the connections idle for idle_timeout, every second or idle_timeout."""
        now = time.monotonic()
        for c in [c for c in self._conns if c.idle(now, self.idle_timeout)]:
            self._conns.discard(c)
            c.abort()
        self._sweeper = loop.call_later(min(1.0, self.idle_timeout), self._sweep, loop)

    def _admit(self, conn: _Stream) -> bool:
        """At max_connections, a newcomer takes the place of the connection idle the longest
        (for EVICT_AFTER at least), or is refused."""
        if self._closing:
            return False
        if len(self._conns) >= self.max_connections:
            now = time.monotonic()
            idle = [c for c in self._conns if c.idle(now, EVICT_AFTER)]
            if not idle:
                return False
            victim = min(idle, key=lambda c: c.last_call)
            self._conns.discard(victim)
            victim.abort()
        self._conns.add(conn)
        return True

    def set_hooks(self, start: Optional[Hook] = None, stop: Optional[Hook] = None) -> None:
        """As onc.Server.set_hooks (onc.rpcbind.use_portmapper sets them): start(server) runs
        when serve_forever() begins, stop(server) at the end of close(), each in a thread of
        its own (they may block, as rpcbind calls do)."""
        self._hooks = (start, stop)

    async def serve_forever(self) -> None:
        """Runs the start hook (registering with rpcbind, for one), then returns when close()
        has ended."""
        self._start()
        if self._hooks[0] and not self._hooked:
            await asyncio.to_thread(self._hooks[0], self)
            self._hooked = True
        await self._closed.wait()

    async def __aenter__(self: S) -> S:
        self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Stops serving, as onc.Server.stop(): no more connections or calls are taken; the
        handlers running are waited for, for at most `timeout` seconds (then cancelled: their
        calls get no reply), their replies sent, and everything closed."""
        if self._sweeper is None or self._closing:  # not started, or closed already
            return
        self._closing = True
        self._sweeper.cancel()
        for s in self._served:
            if isinstance(s, asyncio.AbstractServer):
                s.close()
        for c in list(self._conns):
            c._flow()  # stops reading
        deadline = time.monotonic() + timeout
        if self._tasks:
            _, late = await asyncio.wait(list(self._tasks), timeout=timeout)
            for t in late:
                t.cancel()
        while self._held and time.monotonic() < deadline:  # deferred replies from threads
            await asyncio.sleep(0.01)
        await asyncio.sleep(0)  # the replies of the handlers that ended are written
        for c in list(self._conns):
            c.closed = True
            c.stream.close()  # after what is buffered
        for s in self._served:
            if not isinstance(s, asyncio.AbstractServer):
                s.close()
        self._answers._close_listeners()  # and Unix socket files
        self._conns.clear()
        if self._hooked and self._hooks[1]:
            self._hooked = False
            await asyncio.to_thread(self._hooks[1], self)
        self._closed.set()
