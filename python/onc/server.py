"""A threaded server: TCP, UDP and Unix listeners, dispatch to registered program versions.

    class Calc(onc.Program):                 # what `onc gen --lang python` would write...
        PROGRAM, VERSION = 0x20000001, 1
        PROCEDURES = {1: onc.Procedure("add", lambda u: (u.unpack_int(), u.unpack_int()),
                                       onc.Packer.pack_int)}

    class MyCalc(Calc):                      # ...and what the programmer writes
        def add(self, a, b):
            return a + b

    with onc.Server() as s:                  # start() on enter, stop() on exit
        s.register(MyCalc())
        port = s.listen("tcp://127.0.0.1:0")

Answers follow RFC 5531 as the C server does: a call to an unknown program gets PROG_UNAVAIL,
to a known program but unknown version PROG_MISMATCH(lowest, highest registered), to an
unknown procedure PROC_UNAVAIL, with undecodable arguments (or bytes after them)
GARBAGE_ARGS; a handler answers PROC_UNAVAIL, GARBAGE_ARGS, PROG_UNAVAIL, SYSTEM_ERR or
AUTH_ERROR by raising ProcUnavail, GarbageArgs, ProgUnavail, SystemErr or AuthError(stat),
and any other exception, or a result that does not encode, is SYSTEM_ERR (logged on the
"onc.server" logger); RPC versions other than 2 get RPC_MISMATCH(2, 2), credentials other
than AUTH_NONE / well-formed AUTH_SYS (or a verifier other than AUTH_NONE) AUTH_ERROR.
Messages that are not calls, or too short to hold a call header, get no answer.

Deferred replies, as C's onc_call_defer(): a handler that cannot answer at once calls
`d = onc.defer()` (or `onc.current_call().defer()`; a second call gives the same d) and
returns; its return value is ignored. Later, from any thread, exactly one of
`d.reply(value)` (encoded with the procedure's result encoder; a value that does not encode
is SYSTEM_ERR, logged) or `d.fail(exc)` (answered as if the handler had raised exc) sends the
reply; a second one raises RuntimeError. Both return True when the reply was sent (written
to the connection or datagram socket, or handed to Server.process()) and False when it was
dropped because its connection or the server had gone meanwhile; a handler that raises
after deferring answers with its exception, unless d was answered already. Meanwhile the
connection is read on: replies to one connection may leave in another order than the calls
(each is written whole, under the connection's lock). A connection whose peer ends its side
(shutdown(SHUT_WR)) is closed only after every deferred reply to it is sent, and the idle
timeout does not close a connection waiting for one. Server.process() waits for the
deferred reply and returns it. Server.stop() waits for the deferred calls too, for at most
its `timeout` (10 s by default); replies made after that are dropped.

Each stream connection has its own thread, which reads its calls and runs their handlers in
order; datagrams are answered by a few worker threads.

RPC-with-TLS (RFC 9289, tls.py): with Server(tls=ServerTLS(...)), a stream connection's
(TCP or Unix) AUTH_TLS probe is answered "STARTTLS" and the connection's thread runs the TLS
handshake (within ServerTLS.handshake_timeout; the other connections go on, each on its own
thread, and the connection counts against max_connections meanwhile); its later calls come
and go inside TLS and their handlers see Call.tls (version, ALPN, the client's verified
certificate). A version named to require_tls() answers cleartext calls AUTH_ERROR /
AUTH_TOOWEAK. Without TLS, over UDP (no DTLS) and inside TLS, AUTH_TLS is a flavor the
server does not take (AUTH_REJECTEDCRED), which tells a client that TLS is not offered there
(RFC 9289 section 4.1). The answers are the C server's, byte for byte.
"""

import contextvars
import inspect
import logging
import os
import queue
import select
import selectors
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import (Any, Awaitable, Callable, ClassVar, NamedTuple, Optional, Protocol, TypeVar,
                    Union)

from . import net, tls
from .errors import (AddressError, AuthError, GarbageArgs, ProcUnavail, ProgMismatch,
                     ProgUnavail, ReplyError, RpcError, RpcMismatch, SystemErr, TLSError,
                     XdrError, from_os_error)
from .record import DEFAULT_MAX_RECORD, frame, RecordReader
from .rpc import (AcceptStat, AuthFlavor, AuthStat, AuthSys, CallHeader, ReplyHeader,
                  accepted_reply, auth_error_reply, decode_call, encode_reply, reply_for_error)
from .tls import TLSInfo
from .xdr import Packer, Unpacker, too_deep

log = logging.getLogger("onc.server")

DEFAULT_MAX_CONNECTIONS = 4096
# At the connection limit, a newcomer takes the place of the connection idle the longest, if
# that one has made no call for this long (seconds), as the C server does.
EVICT_AFTER = 1.0
DEFAULT_IDLE_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 10.0  # how long stop() waits for deferred replies
UDP_WORKERS = 4
UDP_QUEUE = 256  # datagrams waiting for a worker; more are dropped, as a full socket would
READ_SIZE = 65536
REPLY_BATCH = 65536  # replies built before they are written
LOG_TEXT_MAX = 300  # characters of an error's text in a log line


class Procedure(NamedTuple):
    """One procedure of a Program: the method `name` is called with the arguments that
    decode_args(unpacker) returns as a tuple (None: no arguments), and its return value is
    written by encode_result(packer, value) (None: void result)."""

    name: str
    decode_args: Optional[Callable[[Unpacker], tuple[Any, ...]]] = None
    encode_result: Optional[Callable[[Packer, Any], object]] = None


@dataclass
class Call:
    """One call as a handler sees it (through current_call()). `procedure` is the Procedure
    being run (set by Program.dispatch; a dispatch of one's own that defers sets it, so that
    Deferred.reply knows how to encode the result)."""

    header: CallHeader
    auth_sys: Optional[AuthSys]  # the caller's AUTH_SYS credentials, or None
    peer: net.SockAddr  # the caller's socket address ("" or a path on Unix sockets)
    transport: str  # net.TCP, net.UDP, net.UNIX, or "" for Server.process()
    procedure: Optional[Procedure] = None
    # The connection's TLS session (a tls.TLSInfo: version, alpn, and peer, the client's
    # verified certificate as a tls.TLSPeer with subject and sans, or None), None in cleartext
    tls: Optional[TLSInfo] = None
    # where replies go
    _reply_to: "Optional[ReplyTo]" = field(default=None, repr=False, compare=False)
    _deferred: "Optional[Deferred]" = field(default=None, repr=False, compare=False)

    def is_local(self) -> bool:
        """True when the caller is on this host: a Unix socket or a loopback address."""
        if self.transport in (net.UNIX, ""):
            return True
        # Not ::ffff:127.x.x.x: IPv6 sockets are IPv6-only, so only a spoofed datagram has it.
        host = self.peer[0]
        return host.startswith("127.") or host == "::1"

    @property
    def deferred(self) -> "Optional[Deferred]":
        """The Deferred made by defer(), or None."""
        return self._deferred

    def defer(self) -> "Deferred":
        """Defers this call's reply (see the module's documentation) and returns the
        Deferred that sends it; the same one when called again. Only in the handler, on its
        thread: RuntimeError elsewhere."""
        if self._deferred is None:
            if current_call() is not self or self._reply_to is None:
                raise RuntimeError("a call is deferred by its handler, while it runs")
            self._deferred = Deferred(self, self._reply_to)
        self._deferred._implicit = False  # an async handler that defers answers on its own
        return self._deferred


# A context variable rather than a thread-local: a handler's thread has its own context, and so
# has each asyncio task (onc.aio), which copies it from the dispatch that made it.
_current: "contextvars.ContextVar[Optional[Call]]" = contextvars.ContextVar("onc_current_call",
                                                                          default=None)


def current_call() -> Optional[Call]:
    """The Call being handled by this thread or asyncio task (None outside a handler)."""
    return _current.get()


def defer() -> "Deferred":
    """Defers the reply to the call this thread's handler is answering: current_call().defer().
    RuntimeError outside a handler."""
    call = current_call()
    if call is None:
        raise RuntimeError("onc.defer() outside a handler")
    return call.defer()


class Deferred:
    """A reply to come later, from any thread: exactly one reply() or fail(). Made by
    Call.defer() (onc.defer()). It holds its connection (not the server's listeners or the
    call's arguments); the connection is closed by its own thread, and a reply to a closed
    one is dropped."""

    def __init__(self, call: Call, reply_to: "ReplyTo") -> None:
        self.call = call
        self._reply_to = reply_to
        self._lock = threading.Lock()
        self._answered = False
        self._implicit = True  # made for an async handler, not by defer(): see _await
        reply_to.hold()

    def reply(self, value: object = None) -> bool:
        """Sends SUCCESS with value, encoded as the procedure's result (ignored for a void
        result); a value that does not encode sends SYSTEM_ERR (logged). True when the reply
        went out, False when its connection or server had gone."""
        self._claim()
        p = Packer()
        encode_reply(p, accepted_reply(self.call.header.xid))
        try:
            _encode_result(self.call, p, value)
        except SystemErr:
            return self._send(_header_only(accepted_reply(self.call.header.xid,
                                                          AcceptStat.SYSTEM_ERR)))
        return self._send(p.get_buffer())

    def fail(self, exc: BaseException) -> bool:
        """Sends the reply a handler raising exc would get: ProcUnavail, GarbageArgs,
        ProgUnavail, SystemErr, AuthError(stat) are those; anything else SYSTEM_ERR (logged).
        Returns as reply()."""
        self._claim()
        return self._send(_error_reply(self.call, exc))

    def _claim(self) -> None:
        with self._lock:
            if self._answered:
                raise RuntimeError(f"{_describe(self.call)}: already answered")
            self._answered = True

    def _send(self, reply: bytes) -> bool:
        return self._reply_to.deliver(reply)

    def _await(self, awaitable: Awaitable[object]) -> None:
        """Runs an async handler's awaitable where the call's connection can (onc.aio); its
        value is the reply, or what it raises, unless the handler called defer() itself and
        answers through it. A server of threads cannot: SYSTEM_ERR, logged."""
        run = getattr(self._reply_to, "run", None)
        if run is None:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            self._handler_raised(TypeError(f"{_describe(self.call)} is async: serve it with "
                                           "onc.aio.Server"))
            return
        self._implicit = True
        run(awaitable, self._finish_async)

    def _finish_async(self, value: object, exc: Optional[BaseException]) -> None:
        """An async handler ended with value, or raised exc (not None)."""
        if exc is not None:
            self._handler_raised(exc)
        elif self._implicit:
            self.reply(value)

    def _handler_raised(self, exc: BaseException) -> None:
        """The handler raised exc after deferring: that is the answer, unless one went."""
        with self._lock:
            first, self._answered = not self._answered, True
        if first:
            self._send(_error_reply(self.call, exc))
        else:
            log.error("%s raised after answering", _describe(self.call), exc_info=exc)


P = TypeVar("P", bound="Program")
S = TypeVar("S", bound="Server")
# A start or stop hook (Server.set_hooks): called with the server.
Hook = Callable[["Server"], object]


class Program:
    """A program version served by a Server. Generated code subclasses it with PROGRAM,
    VERSION and PROCEDURES; the programmer subclasses that and writes the methods.
    Procedure 0 (NULL) is answered even when PROCEDURES does not list it.

    A handler signals an error reply by raising ProcUnavail, GarbageArgs, ProgUnavail,
    SystemErr or AuthError(stat); any other exception is answered with SYSTEM_ERR (and
    logged). A handler may defer its reply (onc.defer())."""

    PROGRAM: Optional[int] = None
    VERSION: Optional[int] = None
    PROCEDURES: ClassVar[dict[int, Procedure]] = {}

    def dispatch(self, call: Call, args: Unpacker, results: Packer) -> None:
        """Decodes the arguments from Unpacker args, calls the method and encodes its result
        into Packer results (unless the method deferred it). Override for a program that
        does not fit the table.

        Arguments that do not decode, or bytes after them, are GARBAGE_ARGS (as the C
        dispatchers' onc_xdr_dec_finish); a result that does not encode is SYSTEM_ERR."""
        proc = self.PROCEDURES.get(call.header.proc)
        if proc is None and call.header.proc != 0:
            raise ProcUnavail()
        try:
            a = proc.decode_args(args) if proc and proc.decode_args else ()
            args.done()
        except XdrError as e:
            raise GarbageArgs(str(e)) from None
        except RecursionError:  # a decoder of one's own, recursing with no Unpacker method
            raise GarbageArgs(str(too_deep())) from None
        if proc is None:
            return  # NULL, answered without a table entry
        call.procedure = proc
        value = getattr(self, proc.name)(*a)
        if inspect.isawaitable(value):  # an `async def` handler: its reply comes when it ends
            call.defer()._await(value)
        elif call.deferred is None:
            _encode_result(call, results, value)


def _describe(call: Call) -> str:
    h = call.header
    name = f" ({call.procedure.name})" if call.procedure else ""
    return f"procedure {h.proc}{name} of program {h.prog} version {h.vers}"


def _bounded(text: str, limit: int = LOG_TEXT_MAX) -> str:
    """text cut to limit characters: an error's text may quote a value of any size."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _encode_result(call: Call, p: Packer, value: object) -> None:
    """Writes value with the procedure's result encoder (nothing for a void result); a value
    that does not encode raises SystemErr, logged in one line."""
    encode = call.procedure.encode_result if call.procedure else None
    if encode is None:
        return
    try:
        encode(p, value)
    except Exception as e:  # XdrError, or a TypeError for a value of the wrong type
        log.error("%s: cannot encode its result: %s", _describe(call),
                  _bounded(f"{type(e).__name__}: {e}"))
        raise SystemErr() from None


def _error_reply(call: Call, e: BaseException) -> bytes:
    """The reply to exception e of a handler, as the C server's onc_call_fail: ProcUnavail,
    GarbageArgs, ProgUnavail and SystemErr are those answers, AuthError is AUTH_ERROR with
    its reason (AUTH_FAILED when it has none); anything else, other onc errors included (a
    ProgMismatch or Timeout from a call the handler made), is SYSTEM_ERR and logged."""
    xid = call.header.xid
    if isinstance(e, AuthError):
        why = AuthStat.AUTH_FAILED if e.stat == AuthStat.AUTH_OK else e.stat
        return _header_only(auth_error_reply(xid, why))
    if isinstance(e, (ProcUnavail, GarbageArgs, ProgUnavail, SystemErr)):
        return _header_only(reply_for_error(xid, e))
    log.error("%s failed", _describe(call), exc_info=e)
    return _header_only(accepted_reply(xid, AcceptStat.SYSTEM_ERR))


def _check_credentials(h: CallHeader) -> Optional[AuthSys]:
    """AUTH_NONE and well-formed AUTH_SYS are accepted (the AuthSys is returned); anything
    else is refused as the C server does."""
    if h.verf.flavor != AuthFlavor.AUTH_NONE:
        raise AuthError(AuthStat.AUTH_BADVERF)
    if h.cred.flavor == AuthFlavor.AUTH_NONE:
        return None
    if h.cred.flavor == AuthFlavor.AUTH_SYS:
        return AuthSys.decode(h.cred)
    raise AuthError(AuthStat.AUTH_REJECTEDCRED)


def _header_only(h: ReplyHeader) -> bytes:
    p = Packer()
    encode_reply(p, h)
    return p.get_buffer()


# --- where replies go: a connection, a datagram's sender, Server.process() ---
# Each takes hold() when one of its calls is deferred and deliver(reply) for that reply.


class ReplyTo(Protocol):
    """Where the replies to a call go: _Connection, _Datagram and _Capture here, onc.aio's
    connections and datagram senders. (One may also have run(awaitable, done), which runs
    an async handler: see Deferred._await.)"""

    @property
    def peer(self) -> net.SockAddr: ...  # the caller's address, for Call.peer
    @property
    def transport(self) -> str: ...  # net.TCP, net.UDP, net.UNIX or "", for Call.transport
    @property
    def tls(self) -> Optional[TLSInfo]: ...  # the TLS session, for Call.tls

    def hold(self) -> None:
        """One of its calls is deferred: its reply comes later, through deliver()."""

    def deliver(self, reply: bytes) -> bool:
        """Sends a deferred reply; False when it was dropped (the connection is gone)."""


class _Connection:
    """A stream connection. Owner: its thread (Server._serve_connection), which closes it
    after an error, or after the peer's end of file once no deferred reply to it is pending.
    Its socket stays blocking (no timeout: a deferred reply's sendall must not stop half
    way); writes, the thread's and the deferred replies', are serialized by write_lock, and
    `cond` guards the count of deferred calls (apart, so that a handler deferring does not
    wait for a write to a slow reader)."""

    def __init__(self, server: "Server", sock: socket.socket, peer: net.SockAddr,
                 kind: str) -> None:
        self.server = server
        self.sock: Union[socket.socket, tls.TLSStream] = sock  # a TLSStream after STARTTLS
        self.peer, self.transport = peer, kind
        self.write_lock = threading.Lock()
        self.cond = threading.Condition()
        self.pending = 0  # deferred calls not yet answered
        self.handling = False  # its thread is running handlers
        self.last_call = time.monotonic()  # when its last complete call arrived
        self.closed = False
        self.tls: Optional[TLSInfo] = None  # once its handshake is done
        self.starting_tls = False  # its probe was answered STARTTLS: the handshake is next

    def offers_tls(self) -> bool:
        """An AUTH_TLS probe here is answered STARTTLS: the server has TLS and this stream
        (TCP or Unix) is still in cleartext."""
        return self.server._tls_context is not None and self.tls is None

    def idle(self, now: float, seconds: float) -> bool:
        """No complete call for `seconds`, no handler running, no deferred reply owed."""
        return now - self.last_call >= seconds and not self.handling and not self.pending

    def send(self, data: bytes) -> bool:
        """Writes data whole; False when the connection is closed or broken."""
        with self.write_lock:
            if self.closed:
                return False
            try:
                self.sock.sendall(data)
                return True
            except (OSError, TLSError):  # TLSError: the TLS session failed (after an alert)
                return False

    def hold(self) -> None:
        with self.cond:
            self.pending += 1
        self.server._deferred_add(1)

    def deliver(self, reply: bytes) -> bool:
        sent = self.send(frame(reply))
        with self.cond:
            self.pending -= 1
            self.cond.notify_all()
        self.server._deferred_add(-1)
        return sent

    def wait_replies(self) -> None:
        """After the peer's end of file: until every deferred reply is sent (or abort())."""
        with self.cond:
            while self.pending and not self.closed:
                self.cond.wait()

    def stop_reading(self) -> None:
        """The thread sees end of file: it sends what it owes, then closes (Server.stop)."""
        try:
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def abort(self) -> None:
        """Breaks off a write to a peer that does not read, ends wait_replies(), and drops
        the replies still to come."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def close(self) -> None:
        self.abort()
        with self.write_lock:  # no write is under way on the descriptor closed
            self.sock.close()


class _Datagram:
    """The sender of one datagram; a deferred reply goes back with sendto."""

    transport = net.UDP
    tls = None  # no DTLS

    def __init__(self, server: "Server", sock: socket.socket, peer: net.SockAddr) -> None:
        self.server, self.sock, self.peer = server, sock, peer

    def hold(self) -> None:
        self.server._deferred_add(1)

    def deliver(self, reply: bytes) -> bool:
        try:
            self.sock.sendto(reply, self.peer)
            return True
        except OSError:  # closed by stop(), or the network's answer: a lost datagram
            return False
        finally:
            self.server._deferred_add(-1)


class _Capture:
    """Server.process(): the caller waits for a deferred reply."""

    peer, transport, tls = "", "", None

    def __init__(self) -> None:
        self.deferred = False
        self.done = threading.Event()
        self.reply: Optional[bytes] = None

    def hold(self) -> None:
        self.deferred = True

    def deliver(self, reply: bytes) -> bool:
        self.reply = reply
        self.done.set()
        return True


class Server:
    """max_record: the largest call accepted on a stream (a bigger one closes the
    connection); max_connections: at the limit, a new connection takes the place of the one
    idle the longest (for at least EVICT_AFTER seconds), or is closed at once; idle_timeout:
    seconds after which a connection that sent no complete call (and waits for no deferred
    reply) is closed; tls: a tls.ServerTLS, to offer RPC-with-TLS on the TCP listeners
    (TLSError at once when its files do not load)."""

    def __init__(self, *, max_record: int = DEFAULT_MAX_RECORD,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
                 tls: "Optional[tls.ServerTLS]" = None) -> None:
        self.max_record = max_record
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.tls = tls
        self._tls_context = tls.context() if tls else None
        self._programs: dict[tuple[int, int], Program] = {}  # (prog, vers) -> Program
        # (prog, vers) answering cleartext calls AUTH_TOOWEAK
        self._require_tls: set[tuple[int, int]] = set()
        self._listeners: list[tuple[socket.socket, net.Address, int]] = []  # (.., .., port)
        self._hooks: tuple[Optional[Hook], Optional[Hook]] = (None, None)  # set_hooks()
        self._hooked = False  # the start hook ran: the stop hook is due
        self._lock = threading.Lock()
        self._conns: set[_Connection] = set()
        self._threads: list[threading.Thread] = []
        self._loop_thread: Optional[threading.Thread] = None
        self._running = False
        self._stopped = threading.Event()
        # datagrams (socket, message, sender) for the workers; None: a worker's end
        self._udp_queue: "queue.Queue[Optional[tuple[socket.socket, bytes, net.SockAddr]]]" = \
            queue.Queue(UDP_QUEUE)
        self._deferred = 0  # deferred calls on sockets not yet answered: stop() waits
        self._deferred_cond = threading.Condition()

    # --- setting up ---

    def register(self, program: P, prog: Optional[int] = None,
                 vers: Optional[int] = None) -> P:
        """Adds a Program (its PROGRAM/VERSION unless prog/vers are given). Before start()."""
        p = program.PROGRAM if prog is None else prog
        v = program.VERSION if vers is None else vers
        if p is None or v is None or (p, v) in self._programs:
            raise ValueError(f"cannot register program {p} version {v}")
        self._programs[(p, v)] = program
        return program

    def require_tls(self, prog: int, vers: int) -> None:
        """Calls to program prog version vers (registered) must come over TLS: a cleartext
        call gets MSG_DENIED / AUTH_ERROR with AUTH_TOOWEAK ("rejected for security
        reasons", RFC 5531) and never reaches the handler; the AUTH_TLS probe, which leads
        to TLS, is answered. ValueError when the version is not registered or the server
        has no TLS (C's onc_server_require_tls). Before start()."""
        if (prog, vers) not in self._programs or self._tls_context is None:
            raise ValueError(f"program {prog} version {vers}: " + (
                "not registered" if self._tls_context else "the server has no TLS"))
        self._require_tls.add((prog, vers))

    def listen(self, addr: str) -> int:
        """Listens on "tcp://127.0.0.1:0", "udp://[::1]:8000", "unix:///run/calc.sock"...;
        port 0 picks a free port, which is returned (0 for Unix sockets). "tls://" is a TCP
        listener of a server made with tls= (every TCP listener of it offers TLS)."""
        a = net.parse(addr)
        if a.tls and self._tls_context is None:
            raise AddressError(f"{addr!r}: the server has no TLS (Server(tls=ServerTLS(...)))")
        if a.port is None:
            raise AddressError(f"{addr!r}: a port is needed (0 picks one)")
        s = socket.socket(a.family, a.socktype)
        try:
            if isinstance(a.sockaddr, str):  # a Unix socket's path
                if os.path.exists(a.sockaddr):
                    os.unlink(a.sockaddr)
            else:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if a.family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(a.sockaddr)
            if a.kind != net.UDP:
                s.listen(socket.SOMAXCONN)
        except OSError as e:  # EADDRINUSE, EADDRNOTAVAIL...: AddressError, as the C side's
            s.close()
            raise from_os_error(e, AddressError.status, addr) from e
        s.setblocking(False)
        port: int = 0 if a.kind == net.UNIX else s.getsockname()[1]
        self._listeners.append((s, a, port))
        if self._running:
            self._selector.register(s, selectors.EVENT_READ, (s, a))
        return port

    def program_versions(self) -> list[tuple[int, int]]:
        """The (program, version) pairs registered, in order."""
        return sorted(self._programs)

    def listening(self) -> list[net.Address]:
        """The addresses listened on, as net.Address with the port bound (port 0 resolved)
        and sockaddr the socket's own address (the host bound to)."""
        out = []
        for s, a, port in self._listeners:
            sockaddr = a.sockaddr if a.kind == net.UNIX else s.getsockname()
            out.append(net.Address(a.kind, a.family, sockaddr, a.host, port))
        return out

    def set_hooks(self, start: Optional[Hook] = None, stop: Optional[Hook] = None) -> None:
        """start(server) runs first in start() (an exception it raises aborts start()), or at
        once when the server is running already (its exception is raised here), and
        stop(server), if start ran, last in stop(). For what is layered on the server, such
        as onc.rpcbind.use_portmapper; one pair: a second call replaces the first."""
        self._hooks = (start, stop)
        if self._running and start:
            start(self)
            self._hooked = True

    # --- running ---

    def start(self) -> None:
        """Serves in background threads until stop()."""
        if self._running:
            return
        start_hook = self._hooks[0]
        if start_hook:
            start_hook(self)
        self._hooked = True
        self._running = True
        self._stopped.clear()
        self._wake_r, self._wake_w = socket.socketpair()  # stop() wakes the event loop
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        for s, a, _ in self._listeners:
            self._selector.register(s, selectors.EVENT_READ, (s, a))
        self._loop_thread = self._spawn(self._event_loop, "onc-listen")
        for i in range(UDP_WORKERS if any(a.kind == net.UDP for _, a, _ in self._listeners) else 0):
            self._spawn(self._udp_worker, f"onc-udp-{i}")

    def serve_forever(self) -> None:
        """start(), then waits for stop(); an exception meanwhile (KeyboardInterrupt on
        Ctrl-C) stops the server first, so that its stop hook runs (the registrations with
        rpcbind go)."""
        self.start()
        try:
            self._stopped.wait()
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Stops serving, as onc_server_run() returns: no more connections or calls are
        taken; the handlers running finish and their replies are sent; deferred calls are
        waited for, for at most `timeout` seconds (their replies after that are dropped);
        then the connections and listeners are closed, the threads joined, and the stop
        hook run (onc.rpcbind.use_portmapper's removes the registrations). Safe from any
        thread (from a handler, it does not wait for that handler's connection)."""
        if not self._running:
            self._close_listeners()  # never started, or start() failed
            return
        deadline = time.monotonic() + timeout
        self._running = False
        self._wake_w.send(b"x")
        if self._loop_thread is not None:  # (None when start() could not start it)
            self._loop_thread.join()  # no connection is accepted after this
        for _ in range(UDP_WORKERS):
            self._udp_queue.put(None)  # after the datagrams already queued
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.stop_reading()
        with self._deferred_cond:
            while self._deferred and deadline > time.monotonic():
                self._deferred_cond.wait(deadline - time.monotonic())
        with self._lock:
            threads = [t for t in self._threads if t is not threading.current_thread()]
        for t in threads:  # connections close once their replies are written
            t.join(max(deadline - time.monotonic(), 0))
        with self._lock:
            conns, threads, self._threads = list(self._conns), self._threads, []
        for c in conns:  # a peer that does not read, or a deferred call still unanswered
            c.abort()
        for t in threads:
            if t is not threading.current_thread():  # stop() called by a handler
                t.join()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        self._close_listeners()
        hooked, self._hooked = self._hooked, False
        if hooked and self._hooks[1]:
            self._hooks[1](self)
        self._stopped.set()

    def pending_deferred(self) -> int:
        """How many deferred calls from the sockets await their reply."""
        with self._deferred_cond:
            return self._deferred

    def _deferred_add(self, n: int) -> None:
        with self._deferred_cond:
            self._deferred += n
            if not self._deferred:
                self._deferred_cond.notify_all()

    def _close_listeners(self) -> None:
        for s, a, _ in self._listeners:
            s.close()
            if isinstance(a.sockaddr, str) and os.path.exists(a.sockaddr):  # Unix
                os.unlink(a.sockaddr)
        self._listeners = []

    def __enter__(self: S) -> S:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, fn: Callable[..., object], name: str, *args: object) -> threading.Thread:
        """Starts a thread that stop() joins. RuntimeError when none can be started (a pids
        cgroup, the address space): then nothing is left for stop() to join."""
        t = threading.Thread(target=fn, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(t)
        try:
            t.start()
        except BaseException:
            with self._lock:
                self._threads.remove(t)
            raise
        return t

    # --- the threads ---

    def _event_loop(self) -> None:
        """Accepts connections and reads datagrams until stop()."""
        while self._running:
            for key, _ in self._selector.select():
                if key.data is None:
                    return  # woken by stop()
                s, a = key.data
                try:
                    if a.kind == net.UDP:
                        msg, peer = s.recvfrom(READ_SIZE)
                        try:
                            self._udp_queue.put_nowait((s, msg, peer))
                        except queue.Full:
                            pass
                    else:
                        conn, peer = s.accept()
                        self._start_connection(conn, peer, a)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    if not self._running:
                        return
                    time.sleep(0.01)  # e.g. out of file descriptors: let connections close

    def _udp_worker(self) -> None:
        while True:
            item = self._udp_queue.get()
            if item is None:
                return
            s, msg, peer = item
            reply = self._handle(msg, _Datagram(self, s, peer))
            if reply is not None:
                try:
                    s.sendto(reply, peer)
                except OSError:
                    pass

    def _start_connection(self, sock: socket.socket, peer: net.SockAddr, a: net.Address) -> None:
        with self._lock:
            full = len(self._conns) >= self.max_connections and not self._evict_idle()
        if full or not self._running:
            sock.close()
            return
        sock.setblocking(True)
        if a.kind == net.TCP:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(self, sock, peer, a.kind)
        with self._lock:
            self._conns.add(conn)
        try:
            self._spawn(self._serve_connection, "onc-conn", conn)
        except RuntimeError:  # no thread for it: refused, and the event loop goes on
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _evict_idle(self) -> bool:
        """Under _lock, at the connection limit: closes the connection idle the longest, if
        one has been for EVICT_AFTER. Without this, a client making one call per connection
        before each idle timeout would keep every slot."""
        now = time.monotonic()
        idle = [c for c in self._conns if c.idle(now, EVICT_AFTER)]
        if not idle:
            return False
        victim = min(idle, key=lambda c: c.last_call)
        self._conns.discard(victim)  # its thread ends on the shutdown
        victim.abort()
        return True

    def _serve_connection(self, conn: _Connection) -> None:
        reader = RecordReader(self.max_record)
        readable = select.poll()  # the read timeout (the socket itself has none)
        readable.register(conn.sock, select.POLLIN)
        try:
            while True:
                left = conn.last_call + self.idle_timeout - time.monotonic()
                if left <= 0:
                    if not conn.pending:
                        return  # idle too long
                    conn.last_call = time.monotonic()  # waiting for a deferred reply: not idle
                    continue
                buffered = isinstance(conn.sock, tls.TLSStream) and conn.sock.pending()
                if not buffered and not readable.poll(int(left * 1000) + 1):
                    continue
                try:  # not blocking: TLS records may hold no call data (and a stall)
                    data = conn.sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                if not data:
                    conn.wait_replies()  # end of file: the deferred replies still go
                    return
                records = reader.feed(data)  # XdrError(RECORD_TOO_BIG): closed below
                if not records:
                    continue
                conn.handling = True
                conn.last_call = time.monotonic()
                if not self._answer(conn, records, reader.pending()):
                    return
                conn.handling = False
                if conn.starting_tls and not self._start_tls(conn):
                    return
        except (OSError, RpcError):  # XdrError (RECORD_TOO_BIG), TLSError
            pass
        finally:
            conn.close()
            with self._lock:
                self._conns.discard(conn)
                try:
                    self._threads.remove(threading.current_thread())
                except ValueError:
                    pass

    def _answer(self, conn: _Connection, records: list[bytes], more: bool) -> bool:
        """Answers the calls of one read; replies to pipelined calls leave in one write, but
        no more than REPLY_BATCH bytes are built before they are sent: a peer that sends
        many calls with big results in one read and does not read the replies holds the
        thread in send(), not the server's memory. False when the connection is broken or
        is to be closed: a probe must be the last bytes of its read (more: part of a record
        follows), with no deferred reply owed, as the C server says (RFC 9289 section 4.1:
        the client waits for the answer before its ClientHello, and a reply owed would have
        to go inside TLS)."""
        out: list[bytes] = []
        size = 0
        for i, msg in enumerate(records, 1):
            if conn.offers_tls() and tls.is_probe(msg) and (i != len(records) or more or
                                                             conn.pending):
                return False
            reply = self._handle(msg, conn)
            if reply is not None:
                out.append(frame(reply))
                size += len(out[-1])
            if out and (size >= REPLY_BATCH or i == len(records) or conn.starting_tls):
                if not conn.send(b"".join(out)):
                    return False
                out, size = [], 0
            if conn.starting_tls:
                return i == len(records)
        return True

    def _start_tls(self, conn: _Connection) -> bool:
        """The handshake after STARTTLS, on the connection's thread; False (the connection
        is closed) when it fails or times out. Logged on "onc.server", as RFC 9289 section
        6.1 asks (an audit of the security chosen)."""
        conn.starting_tls = False
        # STARTTLS was answered: the server has TLS, and the connection none yet.
        assert self.tls and self._tls_context and isinstance(conn.sock, socket.socket)
        stream = tls.TLSStream(conn.sock, self._tls_context, server_side=True)
        try:
            stream.handshake(time.monotonic() + self.tls.handshake_timeout)
        except (OSError, RpcError) as e:
            log.info("%s: TLS handshake failed: %s", conn.peer, e)
            return False
        with conn.write_lock:
            conn.sock = stream
        conn.tls = stream.info()
        log.info("%s: %s, ALPN %s, client %s", conn.peer, conn.tls.version, conn.tls.alpn,
                 conn.tls.peer.subject if conn.tls.peer else "without a certificate")
        return True

    # --- one message ---

    def process(self, msg: bytes) -> Optional[bytes]:
        """The reply to one call message (bytes, not record-marked), or None when it gets no
        answer; without any I/O, the caller counting as local. A deferred call is waited
        for, however long it takes: its reply, sent from whatever thread, is returned. For
        tests and other transports, as onc_server_process()."""
        capture = _Capture()
        reply = self._handle(msg, capture)
        if capture.deferred:
            capture.done.wait()
            return capture.reply
        return reply

    def _handle(self, msg: bytes, reply_to: ReplyTo) -> Optional[bytes]:
        """The reply to msg, or None when it gets none or was deferred (then it goes to
        reply_to, a _Connection, _Datagram or _Capture)."""
        u = Unpacker(msg)
        try:
            h = decode_call(u)
        except RpcError as e:  # decode_call gives these two an xid, to be answered
            if isinstance(e, (RpcMismatch, AuthError)) and e.xid is not None:
                return _header_only(reply_for_error(e.xid, e))
            return None  # not a call, or too broken to hold an xid: no answer
        # Only a stream connection may offer TLS (no DTLS here, none in onc.aio yet).
        if (h.cred.flavor == AuthFlavor.AUTH_TLS and isinstance(reply_to, _Connection)
                and reply_to.offers_tls()):
            return self._answer_probe(h, reply_to)
        try:
            call = Call(h, _check_credentials(h), reply_to.peer, reply_to.transport,
                        tls=reply_to.tls, _reply_to=reply_to)
            program = self._find(h.prog, h.vers)
        except ReplyError as e:
            return _header_only(reply_for_error(h.xid, e))
        if reply_to.tls is None and (h.prog, h.vers) in self._require_tls:
            # RFC 5531's "rejected for security reasons": this version takes TLS calls only
            return _header_only(auth_error_reply(h.xid, AuthStat.AUTH_TOOWEAK))
        results = Packer()
        encode_reply(results, accepted_reply(h.xid))
        token = _current.set(call)
        try:
            program.dispatch(call, u, results)
            failed = None
        except Exception as e:
            failed = e
        finally:
            _current.reset(token)
        if call.deferred is not None:
            if failed is not None:
                call.deferred._handler_raised(failed)
            return None
        return _error_reply(call, failed) if failed is not None else results.get_buffer()

    def _answer_probe(self, h: CallHeader, conn: _Connection) -> bytes:
        """The answer to an AUTH_TLS call on a connection that offers TLS, as the C server's:
        AUTH_BADCRED / AUTH_BADVERF when it is not a well-formed probe; else the program
        looked up as for any call (SUCCESS, PROG_UNAVAIL or PROG_MISMATCH, a TLS-only program
        included: the probe leads to TLS), the NULL procedure not run, with the verifier
        "STARTTLS" (RFC 9289 section 4.1), and the handshake next. (Where TLS is not offered,
        AUTH_TLS is a flavor this server does not take: AUTH_REJECTEDCRED.)"""
        why = tls.probe_check(h)
        if why is not None:
            return _header_only(auth_error_reply(h.xid, why))
        try:
            self._find(h.prog, h.vers)
            r = accepted_reply(h.xid)
        except ReplyError as e:
            r = reply_for_error(h.xid, e)
        r.verf = tls.STARTTLS_VERIFIER
        conn.starting_tls = True
        return _header_only(r)

    def _find(self, prog: int, vers: int) -> Program:
        p = self._programs.get((prog, vers))
        if p is not None:
            return p
        versions = [v for (pr, v) in self._programs if pr == prog]
        if versions:
            raise ProgMismatch(min(versions), max(versions))
        raise ProgUnavail()
