"""Status codes and exceptions.

Every failure is an exception derived from RpcError carrying a Status, the same codes as the C
side's onc_status (ONC_STATUS_LIST in include/onc/status.h), with the same texts as
onc_strerror(): Status.X is ONC_ERR_X (Status.OK is ONC_OK). tests/python/test_errors.py checks
values, names and texts against the built libonc. A failure with an OS cause keeps it: the
exception's errno (EADDRNOTAVAIL, EMSGSIZE, ECONNREFUSED...; getaddrinfo's EAI_* code for an
unresolvable name) and its __cause__, the OSError; str() reads as the C side's onc_error_text()
(an AddressError adds the address).
"""

import errno as _errno
import os
from enum import IntEnum
from typing import Any, Optional


class Status(IntEnum):
    """The C library's onc_status, value for value."""

    OK = 0
    NOMEM = 1
    TRUNCATED = 2
    TOO_LONG = 3
    BUFFER_FULL = 4
    BAD_PADDING = 5
    BAD_VALUE = 6
    RECORD_TOO_BIG = 7
    TRAILING_DATA = 8
    INVALID_ARG = 9
    TOO_DEEP = 10
    NOT_CALL = 11
    NOT_REPLY = 12
    RPC_MISMATCH = 13
    AUTH = 14
    PROG_UNAVAIL = 15
    PROG_MISMATCH = 16
    PROC_UNAVAIL = 17
    GARBAGE_ARGS = 18
    SYSTEM_ERR = 19
    TIMEDOUT = 20
    CONNREFUSED = 21
    IO = 22
    CLOSED = 23
    ADDRESS = 24
    TLS_UNAVAILABLE = 25
    TLS = 26
    DATAGRAM_TOO_BIG = 27
    RPCBIND_UNREACHABLE = 28


_TEXT = {
    Status.OK: "success",
    Status.NOMEM: "out of memory",
    Status.TRUNCATED: "message truncated",
    Status.TOO_LONG: "length exceeds the declared maximum",
    Status.BUFFER_FULL: "encode buffer full",
    Status.BAD_PADDING: "non-zero padding",
    Status.BAD_VALUE: "value out of range for its type",
    Status.RECORD_TOO_BIG: "record exceeds the size limit",
    Status.TRAILING_DATA: "unexpected bytes after the message",
    Status.INVALID_ARG: "invalid argument",
    Status.TOO_DEEP: "data nested too deeply",
    Status.NOT_CALL: "message is not an RPC call",
    Status.NOT_REPLY: "message is not an RPC reply",
    Status.RPC_MISMATCH: "RPC version mismatch",
    Status.AUTH: "authentication error",
    Status.PROG_UNAVAIL: "program unavailable",
    Status.PROG_MISMATCH: "program version mismatch",
    Status.PROC_UNAVAIL: "procedure unavailable",
    Status.GARBAGE_ARGS: "server could not decode the arguments",
    Status.SYSTEM_ERR: "remote system error",
    Status.TIMEDOUT: "timed out",
    Status.CONNREFUSED: "connection refused",
    Status.IO: "I/O error",
    Status.CLOSED: "connection closed",
    Status.ADDRESS: "bad or unresolvable address",
    Status.TLS_UNAVAILABLE: "server does not offer RPC-with-TLS",
    Status.TLS: "TLS handshake or certificate verification failed",
    Status.DATAGRAM_TOO_BIG: "message too large for a UDP datagram",
    Status.RPCBIND_UNREACHABLE: "cannot reach the host's rpcbind/portmapper",
}


def strerror(status: int) -> str:
    """The C library's onc_strerror(): a short English text, also for unknown values."""
    try:
        return _TEXT[Status(status)]
    except ValueError:
        return "unknown status"


class RpcError(Exception):
    """Base of every onc error. `status` is a Status; `detail` adds context to the text;
    `errno` is the OS error behind it (None when there is none)."""

    status = Status.IO
    errno: Any  # Optional[int]; Any as OSError (a base of Timeout, ConnectionRefused) says int

    def __init__(self, detail: object = None, *, status: Optional[int] = None,
                 xid: Optional[int] = None, errno: Optional[int] = None) -> None:
        if status is not None:
            self.status = Status(status)
        self.detail = detail
        self.xid = xid  # set when the error concerns one message (server-side decoding)
        super().__init__(str(self))
        self.errno = errno  # after: OSError's __init__ (Timeout, ConnectionRefused) sets it

    def __str__(self) -> str:
        text = strerror(self.status)
        return f"{text}: {self.detail}" if self.detail else text


# --- codec and message-level errors ---


class XdrError(RpcError):
    """The bytes do not decode (or the value does not encode): TRUNCATED, TOO_LONG,
    BAD_PADDING, BAD_VALUE, TRAILING_DATA, TOO_DEEP, RECORD_TOO_BIG, ...

    `path` says where in a value of a generated type encoding failed ("pair[1].a"), and
    leads the text."""

    status = Status.TRUNCATED
    path = ""

    def at(self, outer: str) -> "XdrError":
        """The same error seen from one level out: outer (a field name, or "[i]" for an
        element) goes before the path."""
        e = XdrError(self.detail, status=self.status, xid=self.xid)
        sep = "." if self.path and not self.path.startswith("[") else ""
        e.path = f"{outer}{sep}{self.path}"
        e.args = (str(e),)
        return e

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.path}: {text}" if self.path else text


class ProtocolError(RpcError):
    """A message of the wrong kind: NOT_CALL or NOT_REPLY."""

    status = Status.NOT_REPLY


# --- the server answered, with an error (RFC 5531 accept_stat / reject_stat) ---


class ReplyError(RpcError):
    """The server answered the call with an error."""


class ProgUnavail(ReplyError):
    status = Status.PROG_UNAVAIL


class ProgMismatch(ReplyError):
    """The server has the program, but not this version; it supports low..high."""

    status = Status.PROG_MISMATCH

    def __init__(self, low: int = 0, high: int = 0, **kw: Any) -> None:
        self.low, self.high = low, high
        super().__init__(f"server supports versions {low} to {high}", **kw)


class ProcUnavail(ReplyError):
    status = Status.PROC_UNAVAIL


class GarbageArgs(ReplyError):
    status = Status.GARBAGE_ARGS


class SystemErr(ReplyError):
    status = Status.SYSTEM_ERR


class RpcMismatch(ReplyError):
    """MSG_DENIED / RPC_MISMATCH: the server speaks RPC versions low..high only."""

    status = Status.RPC_MISMATCH

    def __init__(self, low: int = 2, high: int = 2, **kw: Any) -> None:
        self.low, self.high = low, high
        super().__init__(f"server speaks RPC versions {low} to {high}", **kw)


class AuthStat(IntEnum):
    """RFC 5531 auth_stat, the reason of an AUTH_ERROR (also onc.rpc.AuthStat). Here rather
    than in rpc.py with the other protocol enums because AuthError carries one, and rpc.py
    builds on this module, not the other way round."""

    AUTH_OK = 0
    AUTH_BADCRED = 1
    AUTH_REJECTEDCRED = 2
    AUTH_BADVERF = 3
    AUTH_REJECTEDVERF = 4
    AUTH_TOOWEAK = 5
    AUTH_INVALIDRESP = 6
    AUTH_FAILED = 7
    AUTH_KERB_GENERIC = 8
    AUTH_TIMEEXPIRE = 9
    AUTH_TKT_FILE = 10
    AUTH_DECODE = 11
    AUTH_NET_ADDR = 12
    RPCSEC_GSS_CREDPROBLEM = 13
    RPCSEC_GSS_CTXPROBLEM = 14


class AuthError(ReplyError):
    """MSG_DENIED / AUTH_ERROR; `stat` is an AuthStat (or the raw number)."""

    status = Status.AUTH

    def __init__(self, stat: int = 1, **kw: Any) -> None:
        self.stat: int  # an AuthStat, or the number when it names none
        try:
            self.stat = AuthStat(stat)
            name = self.stat.name
        except ValueError:
            self.stat = stat
            name = f"auth_stat {stat}"
        super().__init__(name, **kw)


# --- transport ---


class Timeout(RpcError, TimeoutError):
    """No (matching) reply before the call's deadline. Also a TimeoutError, so that code
    written for the standard library's errors (asyncio.wait_for too) catches it."""

    status = Status.TIMEDOUT


class TransportError(RpcError):
    """The connection could not be made or failed: IO, CLOSED, CONNREFUSED, ADDRESS."""

    status = Status.IO


class ConnectionClosed(TransportError):
    status = Status.CLOSED


class ConnectionRefused(TransportError, ConnectionRefusedError):
    """Nothing listens there. Also the standard library's ConnectionRefusedError."""

    status = Status.CONNREFUSED


class AddressError(TransportError):
    status = Status.ADDRESS


class RpcbindUnreachable(TransportError):
    """Looking up a port (an address without one), the host's rpcbind could not be reached
    (refused, reset, a network error): the lookup failed, not the service. A timeout stays a
    Timeout."""

    status = Status.RPCBIND_UNREACHABLE


class TLSError(TransportError):
    """RPC-with-TLS failed: a certificate or name that does not verify, a TLS version or
    ALPN refused, an alert, a peer gone in the handshake (TLS); TLSUnavailable below."""

    status = Status.TLS


class TLSUnavailable(TLSError):
    """TLS is required and the server did not answer the AUTH_TLS probe with STARTTLS: no
    call was sent in cleartext."""

    status = Status.TLS_UNAVAILABLE


_BY_STATUS: dict[Status, type[RpcError]] = {
    Status.PROG_UNAVAIL: ProgUnavail,
    Status.PROG_MISMATCH: ProgMismatch,
    Status.PROC_UNAVAIL: ProcUnavail,
    Status.GARBAGE_ARGS: GarbageArgs,
    Status.SYSTEM_ERR: SystemErr,
    Status.RPC_MISMATCH: RpcMismatch,
    Status.AUTH: AuthError,
    Status.TIMEDOUT: Timeout,
    Status.CLOSED: ConnectionClosed,
    Status.CONNREFUSED: ConnectionRefused,
    Status.ADDRESS: AddressError,
    Status.RPCBIND_UNREACHABLE: RpcbindUnreachable,
    Status.DATAGRAM_TOO_BIG: TransportError,
    Status.TLS: TLSError,
    Status.TLS_UNAVAILABLE: TLSUnavailable,
    Status.IO: TransportError,
    Status.NOT_CALL: ProtocolError,
    Status.NOT_REPLY: ProtocolError,
}


def error_for(status: int, detail: object = None) -> RpcError:
    """The exception class matching a Status, instantiated (codec statuses give XdrError)."""
    status = Status(status)
    cls = _BY_STATUS.get(status)
    if cls is None:
        return XdrError(detail, status=status)
    if cls in (ProgMismatch, RpcMismatch, AuthError):
        return cls()
    return cls(detail, status=status)


# The status of a system call's errno, as lib/net/addr.c's os_fail() gives it; IO otherwise.
_ERRNO_STATUS = {
    _errno.ECONNREFUSED: Status.CONNREFUSED,
    _errno.ENOENT: Status.CONNREFUSED,
    _errno.ETIMEDOUT: Status.TIMEDOUT,
    _errno.ENOMEM: Status.NOMEM,
    _errno.ENOBUFS: Status.NOMEM,
    _errno.EMSGSIZE: Status.DATAGRAM_TOO_BIG,
    _errno.EPIPE: Status.CLOSED,
    _errno.ECONNRESET: Status.CLOSED,
    _errno.ECONNABORTED: Status.CLOSED,
}


def from_os_error(e: Exception, status: Optional[int] = None, where: Optional[str] = None
                  ) -> RpcError:
    """The RpcError for an OSError (status: its errno's, unless given), with its errno and
    its reason as the detail (left out when it says what the status says, as "Connection
    refused" for CONNREFUSED; followed by " (where)" when given, e.g. the address), and the
    OSError as __cause__. A timeout with no errno is Timeout; an RpcError is itself."""
    if isinstance(e, RpcError):
        return e
    code: Optional[int] = getattr(e, "errno", None)
    if code is None and isinstance(e, TimeoutError):
        return Timeout()
    if status is None:
        status = _ERRNO_STATUS.get(code, Status.IO) if code is not None else Status.IO
    reason: Optional[str] = getattr(e, "strerror", None) or (os.strerror(code) if code
                                                             else str(e))
    if reason and reason.lower() == strerror(status).lower():
        reason = None
    if where:
        reason = f"{reason} ({where})" if reason else where
    err = error_for(status, reason)
    err.errno = code
    err.__cause__ = e
    return err
