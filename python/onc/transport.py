"""The call engine: a Channel to one program version at an address with a port (TCP, UDP or
Unix stream), its connection, xids, retransmissions and reply matching.

    with Channel("tcp://127.0.0.1:2049", prog, vers) as ch:
        total = ch.call(1, lambda p: (p.pack_int(40), p.pack_int(2)), Unpacker.unpack_int)

onc.Client (client.py) is a Channel that also takes addresses without a port, asking the
host's rpcbind (rpcbind.py, which makes its own calls on Channels). This module knows
nothing of rpcbind. A channel may be shared between threads; its calls take turns.

RPC-with-TLS (tls.py): with tls=ClientTLS(...) or a "tls://" address, each connection
starts with the AUTH_TLS probe and a TLS handshake, and its records travel inside TLS.
"""

import dataclasses
import itertools
import os
import select
import socket
import struct
import threading
import time
from typing import Any, Callable, Optional, TypeVar, overload

from . import net, tls
from .errors import (AddressError, ConnectionClosed, Status, Timeout, TLSError, TLSUnavailable,
                     XdrError)
from .record import DEFAULT_MAX_RECORD, LAST_FRAG, RecordReader
from .rpc import AUTH_NONE, MsgType, RPC_VERSION, credential_of, decode_reply
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


class _Stream:
    """TCP or Unix stream: record-marked messages, replies matched by xid; with `secure`
    (a _Secure), each connection probes and starts TLS before its first call."""

    def __init__(self, addr, max_record, secure=None):
        self.addr = addr
        self.max_record = max_record
        self.secure = secure
        self.sock = None
        self.reader = None
        self.last_used = 0.0

    def connect(self, timeout):
        self.sock = net.connect(self.addr, timeout)
        if self.secure is not None:
            self.sock = self.secure.start(self.sock, timeout)
        self.reader = RecordReader(self.max_record)
        self.last_used = time.monotonic()

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _peer_closed(self):
        """After a quiet spell: has the server closed the connection? Stale replies waiting
        there are read and dropped, up to DRAIN_LIMIT bytes: a server that keeps streaming
        counts as closed, or the drain would never end (the C client reconnects on any
        byte)."""
        drained = 0
        readable = select.poll()  # not select(): a descriptor may be past 1024
        readable.register(self.sock, select.POLLIN)
        try:
            while readable.poll(0):
                if drained >= DRAIN_LIMIT:
                    return True
                data = self.sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
                drained += len(data)
                if not data:
                    return True
                self.reader.feed(data)  # late replies of timed-out calls: dropped
        except BlockingIOError:
            return False  # TLS records without application data (a session ticket)
        except (OSError, XdrError, TLSError):
            return True
        return False

    def exchange(self, xid, request, deadline):
        if self.sock is not None and time.monotonic() - self.last_used > QUIET and self._peer_closed():
            self.close()
        if self.sock is None:
            self.connect(max(deadline - time.monotonic(), 0.001))
        try:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                self.sock.sendall(_U32.pack(len(request) | LAST_FRAG) + request)
            except socket.timeout:
                self.close()  # part of a record may be out: the stream is out of step
                raise
            while True:
                data = self.sock.recv(READ_SIZE)
                if not data:
                    raise ConnectionClosed("by the server")
                for rec in self.reader.feed(data):  # RECORD_TOO_BIG raises here
                    if rec[:4] == xid:
                        self.last_used = time.monotonic()
                        return rec
                left = deadline - time.monotonic()  # only late replies so far: wait on
                if left <= 0:
                    raise Timeout()
                self.sock.settimeout(left)
        except socket.timeout:
            raise Timeout() from None  # the connection stays: a late reply will be dropped
        except Timeout:
            raise
        except OSError as e:
            self.close()
            raise net.os_error(e) from None
        except Exception:
            self.close()  # closed, record too big: the stream is unusable
            raise


class _Datagram:
    """UDP: one datagram per message, retransmitted with doubling delays until the deadline;
    replies with other xids (late or duplicate ones) are dropped."""

    def __init__(self, addr, max_record, retry):
        self.addr = addr
        self.max_record = max_record
        self.retry = retry
        self.sock = None

    def connect(self, timeout):
        self.sock = net.connect(self.addr, timeout)

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, xid, request, deadline):
        if self.sock is None:
            self.connect(1.0)
        retry = self.retry
        resend_at = time.monotonic() + retry
        try:
            self.sock.send(request)
            while True:
                now = time.monotonic()
                if now >= deadline:
                    raise Timeout()
                if now >= resend_at:
                    self.sock.send(request)
                    retry *= 2
                    resend_at = now + retry
                self.sock.settimeout(min(deadline, resend_at) - now)
                try:
                    data = self.sock.recv(READ_SIZE)
                except socket.timeout:
                    continue
                if data[:4] == xid:
                    if len(data) > self.max_record:
                        raise XdrError(f"{len(data)} bytes, limit {self.max_record}",
                                       status=Status.RECORD_TOO_BIG)
                    return data
        except OSError as e:
            raise net.os_error(e) from None


class _Secure:
    """What a TLS stream needs to start each connection: the options, their context (made
    once), the name to verify and the program probed."""

    def __init__(self, options, addr, prog, vers):
        self.options = options
        self.name = options.server_name or (None if addr.kind == net.UNIX else
                                            addr.host.strip("[]"))
        if not self.name:
            raise ValueError(f"{addr.uri()}: a Unix socket has no host: ClientTLS(server_name=)")
        self.context = options.context()
        self.prog, self.vers = prog, vers

    def start(self, sock, timeout):
        return tls.start_client(sock, self.options, self.context, self.name,
                                next(_xids) & 0xFFFFFFFF, self.prog, self.vers, timeout)


def _random_xids():
    return itertools.count(int.from_bytes(os.urandom(4), "big"))


# xids come from one sequence for the whole process, so that no two channels use the same one
# (as the C client): it starts at a random point (from the system's entropy, not the random
# module, which programs seed), and again in a forked child.
_xids = _random_xids()


def _reseed_xids():
    global _xids
    _xids = _random_xids()


os.register_at_fork(after_in_child=_reseed_xids)

T = TypeVar("T")
C = TypeVar("C", bound="Channel")


def next_xid():
    """The next xid of the process-wide sequence (as an int)."""
    return next(_xids) & 0xFFFFFFFF


def auth_prefix(auth):
    """The credential and verifier bytes of every call made with auth (None: AUTH_NONE)."""
    p = Packer()
    credential_of(auth).pack(p)
    AUTH_NONE.pack(p)  # the verifier
    return p.get_buffer()


def call_message(xid, prog, vers, proc, prefix, encode):
    """A call message (not record-marked): the header, the credential and verifier bytes
    `prefix` (auth_prefix()), and the arguments encode(packer) writes (None: void)."""
    p = Packer()
    p.pack_raw(_CALL_HEAD.pack(xid, MsgType.CALL, RPC_VERSION, prog, vers, proc))
    p.pack_raw(prefix)
    if encode is not None:
        encode(p)
    return p.get_buffer()


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
    """

    def __init__(self, addr: "str | net.Address", prog: Optional[int], vers: Optional[int], *,
                 timeout: float = DEFAULT_TIMEOUT, retry: float = DEFAULT_RETRY,
                 max_record: int = DEFAULT_MAX_RECORD, auth: object = None,
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
        self._lock = threading.Lock()
        options = _tls_options(tls, a)
        if a.kind == net.UDP:
            self._transport = _Datagram(a, max_record, retry)
        else:
            secure = _Secure(options, a, prog, vers) if options else None
            self._transport = _Stream(a, max_record, secure)
        self._transport.connect(timeout)

    def close(self) -> None:
        with self._lock:
            self._transport.close()

    def is_tls(self) -> bool:
        """True when the connection is protected by TLS (after STARTTLS)."""
        return self.tls_info() is not None

    def tls_info(self) -> "Optional[tls.TLSInfo]":
        """The connection's TLS session as a tls.TLSInfo (version, ALPN, the server's
        certificate), or None when its calls travel in cleartext."""
        with self._lock:
            sock = getattr(self._transport, "sock", None)
            return sock.info() if isinstance(sock, tls.TLSStream) else None

    def __enter__(self: "C") -> "C":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self):
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
        if not self._lock.acquire(timeout=max(timeout, 0)):
            raise Timeout("waiting for another call on this client")
        try:
            xid = next_xid()
            request = call_message(xid, self.prog, self.vers, proc, self._prefix_auth, encode)
            reply = self._transport.exchange(_U32.pack(xid), request, deadline)
        finally:
            self._lock.release()
        return call_result(reply, decode)

    def null(self, *, timeout: Optional[float] = None) -> None:
        """Procedure 0, which every program answers: a ping."""
        return self.call(0, timeout=timeout)


def _tls_options(options, addr):
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

