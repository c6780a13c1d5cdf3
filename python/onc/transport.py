"""The call engine: a Channel to one program version at an address with a port (TCP, UDP or
Unix stream), its connection, xids, retransmissions and reply matching.

    with Channel("tcp://127.0.0.1:2049", prog, vers) as ch:
        total = ch.call(1, lambda p: (p.pack_int(40), p.pack_int(2)), Unpacker.unpack_int)

onc.Client (client.py) is a Channel that also takes addresses without a port, asking the
host's rpcbind (rpcbind.py, which makes its own calls on Channels). This module knows
nothing of rpcbind.

A channel may be shared between threads, and their calls are pipelined on its one
connection, as the C client's (lib/client/client.c): each call writes its whole record under
the write lock and then waits for its reply; the waiting thread that finds nobody reading
the socket becomes the reader (leader/followers), reads replies for everyone and hands each
to its caller by xid. When the reader's own reply has come (or its deadline has passed) it
leaves, and wakes one thread that is still waiting and asleep to read in its place. Each call
keeps its own deadline; a call that times out is forgotten and its late reply dropped; a
connection that fails fails every call awaiting a reply on it, and the next call connects
again. On UDP the same engine runs, and each waiting call resends its datagram with doubling
delays.

RPC-with-TLS (tls.py): with tls=ClientTLS(...) or a "tls://" address, each connection
starts with the AUTH_TLS probe and a TLS handshake, and its records travel inside TLS. TLS
calls are pipelined too: tls.TLSStream keeps the SSL object behind memory BIOs and its own
lock (never held while waiting on the socket), so the reader and a writer use it at once.

The socket itself never waits (its timeout is 0): the reader and a writer each wait in
poll() with their own call's deadline. Only TLS's sendall waits in the socket, so while the
write lock's holder writes inside TLS the socket has that call's time left as its timeout
(a reader that meanwhile has part of a TLS record may wait there for the rest).
"""

import dataclasses
import itertools
import os
import select
import socket
import struct
import threading
import time
from typing import Callable, Iterator, Optional, TypeVar, Union, overload

from . import net, tls
from .errors import (AddressError, ConnectionClosed, RpcError, Status, Timeout, TLSError,
                     TLSUnavailable, XdrError, from_os_error)
from .record import DEFAULT_MAX_RECORD, LAST_FRAG, RecordReader
from .rpc import AUTH_NONE, RPC_VERSION, Auth, MsgType, credential_of, decode_reply
from .xdr import Packer, Unpacker, too_deep

DEFAULT_TIMEOUT = 25.0  # seconds, as rpcgen's clients
DEFAULT_RETRY = 0.5  # UDP: first retransmission after this, doubled each time
QUIET = 0.1  # a stream idle this long is checked for a peer close before it is used
READ_SIZE = 65536
# Before a call on an idle stream, at most this much unasked data (late replies) is drained;
# a peer that has sent more is given up on and the call goes on a new connection.
DRAIN_LIMIT = 4 * READ_SIZE

_CALL_HEAD = struct.Struct(">IIIIII")
_U32 = struct.Struct(">I")
# REPLY, MSG_ACCEPTED, verifier AUTH_NONE with an empty body, SUCCESS: bytes 4..24 of a reply
_ACCEPTED_SUCCESS = struct.pack(">IIIII", 1, 0, 0, 0, 0)
_DONTWAIT = int(socket.MSG_DONTWAIT)
_NEVER = float("inf")

# What a connection's records travel on: the socket, or TLS over it.
_Stream = Union[socket.socket, "tls.TLSStream"]


class _Waiter:
    """One call awaiting its reply. Its thread sleeps on `wake` (a condition of the channel's
    lock, made when it first sleeps: a call whose thread reads itself never does); whoever
    settles it (the reader with the reply, a failure with an error) calls settle()."""

    __slots__ = ("xid", "deadline", "wake", "reply", "error", "done")

    def __init__(self, xid: bytes, deadline: float) -> None:
        self.xid = xid
        self.deadline = deadline
        self.wake: Optional[threading.Condition] = None
        self.reply = b""
        self.error: Optional[RpcError] = None
        self.done = False

    def settle(self) -> None:
        self.done = True
        if self.wake is not None:
            self.wake.notify()


class _Connection:
    """A connection (on UDP: a connected socket) and the calls awaiting replies on it. Its
    fields are guarded by the channel's lock; its socket is written by the write lock's
    holder and read by the reader alone. Owner of the socket: _retire() closes it once the
    connection is dead and neither the reader nor a writer is on it."""

    __slots__ = ("stream", "sock", "tls", "datagram", "records", "readable", "pending", "asleep",
                 "reading", "writer", "dead", "closed", "last_used")

    def __init__(self, stream: _Stream, sock: socket.socket, datagram: bool,
                 max_record: int) -> None:
        self.stream = stream
        self.sock = sock  # the socket under stream (stream itself without TLS)
        self.tls = stream is not sock
        self.datagram = datagram
        self.records = RecordReader(max_record)  # the reader's alone
        self.readable = select.poll()  # the reader's alone; not select(): fds pass 1024
        self.readable.register(sock, select.POLLIN)
        self.pending: dict[bytes, _Waiter] = {}  # by xid: the calls awaiting replies
        self.asleep: dict[_Waiter, None] = {}  # those whose threads sleep, in order
        self.reading = False  # a thread is the reader
        self.writer: Optional[_Waiter] = None  # the call writing, until it has written
        self.dead: Optional[RpcError] = None  # why it failed
        self.closed = False
        self.last_used = time.monotonic()


class _Secure:
    """What a TLS stream needs to start each connection: the options, their context (made
    once), the name to verify and the program probed."""

    def __init__(self, options: "tls.ClientTLS", addr: net.Address, prog: int,
                 vers: int) -> None:
        self.options = options
        self.name = options.server_name or (None if addr.kind == net.UNIX else
                                            addr.host.strip("[]"))
        if not self.name:
            raise ValueError(f"{addr.uri()}: a Unix socket has no host: ClientTLS(server_name=)")
        self.context = options.context()
        self.prog, self.vers = prog, vers

    def start(self, sock: socket.socket, timeout: float) -> _Stream:
        stream: _Stream = tls.start_client(sock, self.options, self.context, self.name,
                                           next_xid(), self.prog, self.vers, timeout)
        return stream


def _random_xids() -> Iterator[int]:
    return itertools.count(int.from_bytes(os.urandom(4), "big"))


# xids come from one sequence for the whole process, so that no two channels use the same one
# (as the C client): it starts at a random point (from the system's entropy, not the random
# module, which programs seed), and again in a forked child.
_xids = _random_xids()


def _reseed_xids() -> None:
    global _xids
    _xids = _random_xids()


os.register_at_fork(after_in_child=_reseed_xids)

T = TypeVar("T")
C = TypeVar("C", bound="Channel")


def next_xid() -> int:
    """The next xid of the process-wide sequence (as an int)."""
    return next(_xids) & 0xFFFFFFFF


def auth_prefix(auth: Auth) -> bytes:
    """The credential and verifier bytes of every call made with auth (None: AUTH_NONE)."""
    p = Packer()
    credential_of(auth).pack(p)
    AUTH_NONE.pack(p)  # the verifier
    buf: bytes = p.get_buffer()
    return buf


def call_message(xid: int, prog: int, vers: int, proc: int, prefix: bytes,
                 encode: Optional[Callable[[Packer], object]]) -> bytes:
    """A call message (not record-marked): the header, the credential and verifier bytes
    `prefix` (auth_prefix()), and the arguments encode(packer) writes (None: void)."""
    p = Packer()
    p.pack_raw(_CALL_HEAD.pack(xid, MsgType.CALL, RPC_VERSION, prog, vers, proc))
    p.pack_raw(prefix)
    if encode is not None:
        encode(p)
    buf: bytes = p.get_buffer()
    return buf


def call_result(reply: bytes, decode: Optional[Callable[[Unpacker], T]]) -> Optional[T]:
    """The result of a reply message: decode(unpacker)'s value (None for decode None), or the
    error the reply means raised (ProgUnavail, ProgMismatch, AuthError...)."""
    u = Unpacker(reply)
    if reply[4:24] == _ACCEPTED_SUCCESS:  # the common reply, without building a header
        u.set_position(24)
    else:
        err = decode_reply(u).error()
        if err is not None:
            raise err
    if decode is None:
        return None
    try:
        return decode(u)
    except RecursionError:  # a decoder of one's own, recursing with no Unpacker method
        raise too_deep() from None


def _again(err: RpcError) -> RpcError:
    """An exception like err for one more of the calls a failure ends: one exception raised
    in several threads would share its traceback. It keeps err's errno and cause."""
    again = type(err)(err.detail, status=err.status, errno=err.errno)
    again.__cause__ = err.__cause__
    return again


def _io_error(e: Exception) -> RpcError:
    """The RpcError for what a socket or TLS call raised."""
    if isinstance(e, RpcError):
        return e
    if isinstance(e, OSError):
        return from_os_error(e)
    return ConnectionClosed(f"{type(e).__name__}: {e}")


class Channel:
    """Calls to program prog version vers at addr, which must have a port.

    addr     "tcp://HOST:PORT", "udp://HOST:PORT", "unix:///PATH", or a net.Address
    timeout  seconds per call (default 25), overridable per call
    retry    UDP: seconds before the first retransmission (doubled each time)
    max_record  the largest reply accepted (4 MiB)
    auth     None (AUTH_NONE), an rpc.AuthSys (e.g. AuthSys.local()) or an rpc.OpaqueAuth
    tls      a tls.ClientTLS (RPC-with-TLS options); a "tls://" address requires TLS
             unless its mode is OPPORTUNISTIC (without options: the system's CAs, the
             address's host verified). TLSUnavailable when TLS is required on UDP (no
             DTLS) or the server does not offer it; TLSError when the handshake fails

    Threads may share a channel: their calls are in flight together on its connection.
    """

    def __init__(self, addr: "str | net.Address", prog: Optional[int], vers: Optional[int], *,
                 timeout: float = DEFAULT_TIMEOUT, retry: float = DEFAULT_RETRY,
                 max_record: int = DEFAULT_MAX_RECORD, auth: Auth = None,
                 tls: "Optional[tls.ClientTLS]" = None) -> None:
        if prog is None or vers is None:
            raise TypeError("a program number and version are needed")
        a = addr if isinstance(addr, net.Address) else net.parse(addr)
        if a.port is None:
            raise AddressError(f"{a.uri()}: no port (onc.Client asks rpcbind for it)")
        self.prog, self.vers = prog, vers
        self.timeout = timeout
        self.address = a
        self._prefix_auth = auth_prefix(auth)
        self._retry = retry
        self._max_record = max_record
        options = _tls_options(tls, a)
        self._secure = _Secure(options, a, prog, vers) if options else None
        self._lock = threading.Lock()  # guards the connections' fields and self._conn
        self._write_lock = threading.Lock()  # one writer (and connector) at a time
        self._conn: Optional[_Connection] = self._open(time.monotonic() + timeout)

    def close(self) -> None:
        """Closes the connection; calls still awaiting replies on it fail (ConnectionClosed).
        A later call connects again."""
        with self._lock:
            if self._conn is not None:
                self._fail(self._conn, ConnectionClosed("the client was closed"))

    def is_tls(self) -> bool:
        """True when the connection is protected by TLS (after STARTTLS)."""
        return self.tls_info() is not None

    def tls_info(self) -> "Optional[tls.TLSInfo]":
        """The connection's TLS session as a tls.TLSInfo (version, ALPN, the server's
        certificate), or None when its calls travel in cleartext."""
        with self._lock:
            conn = self._conn
        if conn is None or not isinstance(conn.stream, tls.TLSStream):
            return None
        info: tls.TLSInfo = conn.stream.info()
        return info

    def __enter__(self: "C") -> "C":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.address.uri()} prog {self.prog} vers {self.vers}>"

    @overload
    def call(self, proc: int, encode: Optional[Callable[[Packer], object]] = None,
             decode: None = None, *, timeout: Optional[float] = None) -> None: ...

    @overload
    def call(self, proc: int, encode: Optional[Callable[[Packer], object]],
             decode: Callable[[Unpacker], T], *, timeout: Optional[float] = None) -> T: ...

    def call(self, proc: int, encode: Optional[Callable[[Packer], object]] = None,
             decode: Optional[Callable[[Unpacker], T]] = None, *,
             timeout: Optional[float] = None) -> Optional[T]:
        """Calls procedure proc and returns its result.

        encode(packer) writes the arguments (None: void); decode(unpacker) reads and returns
        the result (None: void, the call returns None). Errors: the server's answer as
        ProgUnavail, ProgMismatch(low, high), ProcUnavail, GarbageArgs, SystemErr,
        RpcMismatch(low, high), AuthError(stat); Timeout; TransportError and its subclasses;
        XdrError for a malformed or oversized reply."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        xid = next_xid()
        request = call_message(xid, self.prog, self.vers, proc, self._prefix_auth, encode)
        waiter = _Waiter(_U32.pack(xid), deadline)
        conn = self._send(waiter, request)
        return call_result(self._wait(conn, waiter, request), decode)

    def null(self, *, timeout: Optional[float] = None) -> None:
        """Procedure 0, which every program answers: a ping."""
        return self.call(0, timeout=timeout)

    # --- connecting ---

    def _open(self, deadline: float) -> _Connection:
        """A new connection (probed and secured, with TLS) by the deadline."""
        a = self.address
        sock = net.connect(a, max(deadline - time.monotonic(), 0.001))
        stream: _Stream = sock
        if self._secure is not None:
            stream = self._secure.start(sock, max(deadline - time.monotonic(), 0.001))
        stream.settimeout(0.0)  # see the module's comment: nobody waits in the socket
        return _Connection(stream, sock, a.kind == net.UDP, self._max_record)

    def _registered(self, w: _Waiter) -> Optional[_Connection]:
        """With the write lock held: registers w as awaiting its reply on the connection, and
        as its writer; None when a new connection is needed (there is none, it failed, or,
        quiet a while with nothing awaited on it, the server has closed it)."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return None
            if (conn.dead is None and not conn.pending and not conn.datagram
                    and not conn.reading and time.monotonic() - conn.last_used > QUIET
                    and _peer_closed(conn)):
                self._fail(conn, ConnectionClosed("by the server"))  # no call on it to fail
            if conn.dead is not None:
                return None
            conn.pending[w.xid] = w
            conn.writer = w
            return conn

    # --- a call's two halves ---

    def _send(self, w: _Waiter, request: bytes) -> _Connection:
        """Registers w on the connection (connecting first when needed) and writes the request
        whole, within w's deadline. A write that fails or times out may have left part of a
        record: the connection is failed, and the next call makes a new one. w stays the
        connection's writer until _wait() (or here, after a failure) says it is done."""
        if not self._write_lock.acquire(timeout=max(w.deadline - time.monotonic(), 0)):
            raise Timeout("waiting for another call's write on this client")
        try:
            conn = self._registered(w)
            while conn is None:
                new = self._open(w.deadline)  # under the write lock alone: the reader goes on
                with self._lock:
                    self._conn = new
                conn = self._registered(w)
            try:
                _write(conn, request, w.deadline)
            except BaseException as e:  # KeyboardInterrupt too: part of a record may be out
                err = _io_error(e) if isinstance(e, Exception) else None
                with self._lock:
                    conn.pending.pop(w.xid, None)
                    conn.writer = None
                    if err is None:
                        self._fail(conn, ConnectionClosed("a call's write stopped part way"))
                    elif isinstance(err, Timeout):
                        self._fail(conn, ConnectionClosed("a call's write timed out part way"))
                    else:
                        self._fail(conn, _again(err))
                if err is None:
                    raise
                raise err from None
        finally:
            self._write_lock.release()
        return conn

    def _wait(self, conn: _Connection, w: _Waiter, request: bytes) -> bytes:
        """w's reply, waited for until its deadline: read by this thread while nobody else
        reads, else given by the reader. On UDP the request is resent meanwhile."""
        retry = self._retry
        resend_at = time.monotonic() + retry if conn.datagram else _NEVER
        with self._lock:
            if conn.writer is w:
                conn.writer = None
                self._retire(conn)
            try:
                while not w.done:
                    now = time.monotonic()
                    if now >= w.deadline:
                        raise Timeout()
                    if now >= resend_at:
                        try:
                            conn.sock.send(request, _DONTWAIT)
                        except OSError:
                            pass  # the reader hears of it (ECONNREFUSED), or the next resend
                        retry *= 2
                        resend_at = now + retry
                    until = w.deadline if w.deadline < resend_at else resend_at
                    if not conn.reading:
                        self._read_turn(conn, until - now)
                    else:
                        if w.wake is None:
                            w.wake = threading.Condition(self._lock)
                        conn.asleep[w] = None
                        w.wake.wait(until - now)
                        del conn.asleep[w]
            finally:
                conn.pending.pop(w.xid, None)  # a call that timed out is forgotten
                if conn.asleep:
                    conn.asleep.pop(w, None)  # interrupted in its sleep (KeyboardInterrupt)
                    self._hand_off(conn)
        if w.error is not None:
            raise w.error
        return w.reply

    # --- the reader (entered and left with the channel's lock held) ---

    def _read_turn(self, conn: _Connection, wait: float) -> None:
        """One turn as the reader: waits up to `wait` seconds for data and hands each reply
        it completes to its call."""
        conn.reading = True
        self._lock.release()
        err: Optional[RpcError] = None
        records: list[bytes] = []
        interrupted = True  # by a KeyboardInterrupt: what was read may be lost
        try:
            data = _receive(conn, wait) if conn.tls else _receive_plain(conn, wait)
            if data is None:
                pass
            elif conn.datagram:
                records = [data]
            elif not data:
                err = ConnectionClosed("by the server")
            else:
                records = conn.records.feed(data)  # XdrError(RECORD_TOO_BIG) below
            interrupted = False
        except Exception as e:
            err = _io_error(e)
            interrupted = False
        finally:
            self._lock.acquire()
            conn.reading = False
            if interrupted:
                self._fail(conn, ConnectionClosed("a read stopped part way"))
        for rec in records:
            self._deliver(conn, rec)
        if err is not None:
            self._fail(conn, err)
        elif conn.dead is not None:  # failed while this thread read (close())
            self._retire(conn)

    def _deliver(self, conn: _Connection, rec: bytes) -> None:
        """Hands a reply to the call with its xid; late and duplicate replies, and replies
        nobody waits for, are dropped."""
        w = conn.pending.pop(rec[:4], None)
        if w is None:
            return
        if conn.datagram and len(rec) > self._max_record:  # streams: the RecordReader's check
            w.error = XdrError(f"{len(rec)} bytes, limit {self._max_record}",
                               status=Status.RECORD_TOO_BIG)
        else:
            w.reply = rec
        conn.last_used = time.monotonic()
        w.settle()

    def _hand_off(self, conn: _Connection) -> None:
        """When nobody reads: wakes one call whose thread sleeps and that is still waiting,
        to read in its place (not one whose reply is already in: that thread would leave,
        and the others sleep to their deadlines)."""
        if conn.reading:
            return
        for w in conn.asleep:
            if not w.done and w.wake is not None:
                w.wake.notify()
                return

    def _fail(self, conn: _Connection, why: RpcError) -> None:
        """The connection is unusable: every call awaiting a reply on it fails with why (a
        copy each), and it is shut down, which ends a reader's or a writer's wait on it. Its
        socket is closed now, or by the reader or writer still on it when they leave."""
        if conn.dead is None:
            conn.dead = why
            for w in conn.pending.values():
                w.error = _again(why)
                w.settle()
            conn.pending.clear()
            if self._conn is conn:
                self._conn = None
            if not conn.datagram:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._retire(conn)

    def _retire(self, conn: _Connection) -> None:
        """Closes a dead connection's socket once neither the reader nor a writer is on it."""
        if conn.dead is not None and not conn.reading and conn.writer is None and not conn.closed:
            conn.closed = True
            conn.stream.close()


# --- the socket's side (see the module's comment for who may do what when) ---


def _write(conn: _Connection, request: bytes, deadline: float) -> None:
    """With the write lock held: the request whole (record-marked on a stream) by the
    deadline; socket.timeout, OSError or TLSError otherwise."""
    data = request if conn.datagram else _U32.pack(len(request) | LAST_FRAG) + request
    if conn.tls:  # its sendall waits in the socket's timeout
        conn.stream.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            conn.stream.sendall(data)
        finally:
            conn.stream.settimeout(0.0)
        return
    try:
        sent = conn.sock.send(data)  # the socket does not wait: all of it, mostly
    except BlockingIOError:
        sent = 0
    if sent == len(data):
        return
    writable = select.poll()
    writable.register(conn.sock, select.POLLOUT)
    view = memoryview(data)
    while sent < len(view):
        left = deadline - time.monotonic()
        if left <= 0 or not writable.poll(int(left * 1000) + 1):
            raise socket.timeout()
        try:
            sent += conn.sock.send(view[sent:])
        except BlockingIOError:
            pass


def _receive_plain(conn: _Connection, wait: float) -> Optional[bytes]:
    """As the reader, on a connection without TLS: what it has within `wait` seconds (b"" at
    a stream's end), or None when nothing came."""
    if not conn.readable.poll(int(wait * 1000) + 1):
        return None
    try:
        data: bytes = conn.sock.recv(READ_SIZE, _DONTWAIT)
        return data
    except BlockingIOError:
        return None


def _receive(conn: _Connection, wait: float) -> Optional[bytes]:
    """_receive_plain() inside TLS; None also when what came is no application data yet (part
    of a TLS record, a session ticket)."""
    stream = conn.stream
    buffered = isinstance(stream, tls.TLSStream) and stream.pending()  # poll() misses them
    if not buffered and not conn.readable.poll(int(wait * 1000) + 1):
        return None
    try:
        data: bytes = stream.recv(READ_SIZE, _DONTWAIT)
        return data
    except (BlockingIOError, socket.timeout):  # socket.timeout: see the module's comment
        return None


def _peer_closed(conn: _Connection) -> bool:
    """After a quiet spell, with no call awaiting a reply and nobody reading: has the server
    closed the connection? Stale replies waiting there are read and dropped, up to
    DRAIN_LIMIT bytes: a server that keeps streaming counts as closed, or the drain would
    never end (the C client reconnects on any byte)."""
    drained = 0
    try:
        while conn.readable.poll(0):
            if drained >= DRAIN_LIMIT:
                return True
            data = conn.stream.recv(READ_SIZE, _DONTWAIT)
            drained += len(data)
            if not data:
                return True
            conn.records.feed(data)  # late replies of timed-out calls: dropped
    except BlockingIOError:
        return False  # TLS records without application data (a session ticket)
    except (OSError, XdrError, TLSError):
        return True
    return False


def _tls_options(options: "Optional[tls.ClientTLS]",
                 addr: net.Address) -> "Optional[tls.ClientTLS]":
    """The ClientTLS a channel to addr uses, or None for cleartext: a tls:// address
    requires TLS unless the options relax it to OPPORTUNISTIC; UDP has no DTLS here (RFC
    9289 section 5.1.2), so it is cleartext or, when TLS is required, refused."""
    if addr.tls:
        options = options or tls.ClientTLS()
        if options.mode == tls.OFF:
            options = dataclasses.replace(options, mode=tls.REQUIRED)
    if options is None or options.mode == tls.OFF:
        return None
    if addr.kind == net.UDP:
        if options.mode == tls.REQUIRED:
            raise TLSUnavailable(f"{addr.uri()}: no DTLS for UDP")
        return None
    return options
