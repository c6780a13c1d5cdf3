"""RPC messages (RFC 5531): call and reply headers, AUTH_NONE and AUTH_SYS."""

import os
import socket
import struct
import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Optional, Union

from .errors import AuthStat as AuthStat  # also onc.rpc.AuthStat, with the other enums
from .errors import (AuthError, GarbageArgs, ProcUnavail, ProgMismatch, ProgUnavail,
                     ProtocolError, ReplyError, RpcMismatch, Status, SystemErr, XdrError)
from .xdr import Packer, Unpacker

RPC_VERSION = 2
AUTH_MAX_BODY = 400
AUTH_SYS_MAX_NAME = 255
AUTH_SYS_MAX_GIDS = 16


class MsgType(IntEnum):
    CALL = 0
    REPLY = 1


class ReplyStat(IntEnum):
    MSG_ACCEPTED = 0
    MSG_DENIED = 1


class AcceptStat(IntEnum):
    SUCCESS = 0
    PROG_UNAVAIL = 1
    PROG_MISMATCH = 2
    PROC_UNAVAIL = 3
    GARBAGE_ARGS = 4
    SYSTEM_ERR = 5


class RejectStat(IntEnum):
    RPC_MISMATCH = 0
    AUTH_ERROR = 1


class AuthFlavor(IntEnum):
    AUTH_NONE = 0
    AUTH_SYS = 1
    AUTH_SHORT = 2
    AUTH_DH = 3
    RPCSEC_GSS = 6
    AUTH_TLS = 7


@dataclass(frozen=True)
class OpaqueAuth:
    """opaque_auth: a flavor and a body of at most 400 bytes."""

    flavor: int = AuthFlavor.AUTH_NONE
    body: bytes = b""

    def pack(self, p: Packer) -> None:
        p.pack_uint(self.flavor)
        p.pack_opaque(self.body, AUTH_MAX_BODY)

    @classmethod
    def unpack(cls, u: Unpacker) -> "OpaqueAuth":
        """TOO_LONG (an XdrError) when the body is over 400 bytes."""
        return cls(u.unpack_uint(), u.unpack_opaque(AUTH_MAX_BODY))


AUTH_NONE = OpaqueAuth()


@dataclass
class AuthSys:
    """AUTH_SYS credential body (RFC 5531 appendix A)."""

    stamp: int = 0
    machinename: str = ""
    uid: int = 0
    gid: int = 0
    gids: list[int] = field(default_factory=list)

    @classmethod
    def local(cls) -> "AuthSys":
        """This process's credentials, as an AUTH_SYS client would send them."""
        gids = [g for g in os.getgroups() if g != os.getgid()][:AUTH_SYS_MAX_GIDS]
        name = socket.gethostname().encode()[:AUTH_SYS_MAX_NAME].decode("utf-8", "ignore")
        return cls(int(time.time()) & 0xFFFFFFFF, name, os.getuid(), os.getgid(), gids)

    def encode(self) -> bytes:
        """The body's bytes; TOO_LONG when the name is over 255 bytes or there are more than
        16 gids (or, which these bounds rule out, the body over 400 bytes)."""
        if len(self.gids) > AUTH_SYS_MAX_GIDS:
            raise XdrError(f"{len(self.gids)} gids, at most {AUTH_SYS_MAX_GIDS}",
                           status=Status.TOO_LONG)
        p = Packer()
        p.pack_uint(self.stamp)
        p.pack_string(self.machinename, AUTH_SYS_MAX_NAME)
        p.pack_uint(self.uid)
        p.pack_uint(self.gid)
        p.pack_uint_array(self.gids, AUTH_SYS_MAX_GIDS)
        body = p.get_buffer()
        if len(body) > AUTH_MAX_BODY:
            raise XdrError(f"credential of {len(body)} bytes", status=Status.TOO_LONG)
        return body

    def credential(self) -> OpaqueAuth:
        return OpaqueAuth(AuthFlavor.AUTH_SYS, self.encode())

    @classmethod
    def decode(cls, cred: OpaqueAuth) -> "AuthSys":
        """From an OpaqueAuth; anything malformed (wrong flavor, truncated, a name over 255
        bytes, more than 16 gids, bytes left over) is AuthError(AUTH_BADCRED)."""
        try:
            if cred.flavor != AuthFlavor.AUTH_SYS:
                raise XdrError(status=Status.BAD_VALUE)
            u = Unpacker(cred.body)
            a = cls(u.unpack_uint(), u.unpack_string(AUTH_SYS_MAX_NAME), u.unpack_uint(),
                    u.unpack_uint(), u.unpack_uint_array(AUTH_SYS_MAX_GIDS))
            u.done()
            return a
        except XdrError:
            raise AuthError(AuthStat.AUTH_BADCRED) from None


# A call's credentials: None (AUTH_NONE), an AuthSys or an OpaqueAuth.
Auth = Union[None, AuthSys, OpaqueAuth]


def credential_of(auth: "Auth") -> OpaqueAuth:
    """An OpaqueAuth from None (AUTH_NONE), an AuthSys or an OpaqueAuth."""
    if auth is None:
        return AUTH_NONE
    if isinstance(auth, AuthSys):
        return auth.credential()
    if isinstance(auth, OpaqueAuth):
        if len(auth.body) > AUTH_MAX_BODY:
            raise XdrError(f"credential of {len(auth.body)} bytes", status=Status.TOO_LONG)
        return auth
    raise TypeError(f"not a credential: {auth!r}")


# --- calls ---

_CALL_HEAD = struct.Struct(">IIIIII")


@dataclass
class CallHeader:
    xid: int
    prog: int
    vers: int
    proc: int
    cred: OpaqueAuth = AUTH_NONE
    verf: OpaqueAuth = AUTH_NONE
    rpcvers: int = RPC_VERSION


def program_version(prog: Optional[int], vers: Optional[int], default_prog: Optional[int],
                    default_vers: Optional[int]) -> tuple[int, int]:
    """The program and version a client calls: prog and vers when given, else the defaults
    (a generated client class's PROGRAM and VERSION); TypeError when there are none."""
    prog = default_prog if prog is None else prog
    vers = default_vers if vers is None else vers
    if prog is None or vers is None:
        raise TypeError("a program number and version are needed")
    return prog, vers


def encode_call(p: Packer, h: CallHeader) -> None:
    """Appends the call header to Packer p; the arguments follow it."""
    p.pack_struct(_CALL_HEAD, h.xid, MsgType.CALL, h.rpcvers, h.prog, h.vers, h.proc)
    h.cred.pack(p)
    h.verf.pack(p)


def decode_call(u: Unpacker) -> CallHeader:
    """Decodes a call header from Unpacker u, leaving it at the arguments.

    Raises ProtocolError(NOT_CALL) and XdrError for messages that cannot be answered, and,
    with `xid` set so that the caller can answer with MSG_DENIED, RpcMismatch for an RPC
    version other than 2 and AuthError(AUTH_BADCRED / AUTH_BADVERF) for a credential or
    verifier body over 400 bytes."""
    xid = u.unpack_uint()
    if u.unpack_uint() != MsgType.CALL:
        raise ProtocolError(status=Status.NOT_CALL, xid=xid)
    rpcvers = u.unpack_uint()
    if rpcvers != RPC_VERSION:
        raise RpcMismatch(RPC_VERSION, RPC_VERSION, xid=xid)
    prog, vers, proc = u.unpack_uint(), u.unpack_uint(), u.unpack_uint()
    auths: list[OpaqueAuth] = []
    for why in (AuthStat.AUTH_BADCRED, AuthStat.AUTH_BADVERF):
        try:
            auths.append(OpaqueAuth.unpack(u))
        except XdrError as e:
            if e.status == Status.TOO_LONG:
                raise AuthError(why, xid=xid) from None
            raise
    return CallHeader(xid, prog, vers, proc, auths[0], auths[1], rpcvers)


# --- replies ---


@dataclass
class ReplyHeader:
    """Which fields mean something depends on stat and accept/reject."""

    xid: int
    stat: int = ReplyStat.MSG_ACCEPTED
    verf: OpaqueAuth = AUTH_NONE
    accept: int = AcceptStat.SUCCESS  # MSG_ACCEPTED
    reject: int = RejectStat.RPC_MISMATCH  # MSG_DENIED
    low: int = 0  # PROG_MISMATCH and RPC_MISMATCH
    high: int = 0
    auth: int = AuthStat.AUTH_OK  # AUTH_ERROR

    def error(self) -> Optional[ReplyError]:
        """The exception this reply means for the caller, or None for SUCCESS."""
        if self.stat == ReplyStat.MSG_DENIED:
            if self.reject == RejectStat.RPC_MISMATCH:
                return RpcMismatch(self.low, self.high, xid=self.xid)
            return AuthError(self.auth, xid=self.xid)
        cls = _ACCEPT_ERRORS.get(self.accept)
        if cls is ProgMismatch:
            return ProgMismatch(self.low, self.high, xid=self.xid)
        return cls(xid=self.xid) if cls else None


_ACCEPT_ERRORS: dict[int, type[ReplyError]] = {
    AcceptStat.PROG_UNAVAIL: ProgUnavail,
    AcceptStat.PROG_MISMATCH: ProgMismatch,
    AcceptStat.PROC_UNAVAIL: ProcUnavail,
    AcceptStat.GARBAGE_ARGS: GarbageArgs,
    AcceptStat.SYSTEM_ERR: SystemErr,
}


def accepted_reply(xid: int, accept: int = AcceptStat.SUCCESS) -> ReplyHeader:
    return ReplyHeader(xid, ReplyStat.MSG_ACCEPTED, accept=accept)


def prog_mismatch_reply(xid: int, low: int, high: int) -> ReplyHeader:
    return ReplyHeader(xid, ReplyStat.MSG_ACCEPTED, accept=AcceptStat.PROG_MISMATCH,
                       low=low, high=high)


def rpc_mismatch_reply(xid: int) -> ReplyHeader:
    return ReplyHeader(xid, ReplyStat.MSG_DENIED, reject=RejectStat.RPC_MISMATCH,
                       low=RPC_VERSION, high=RPC_VERSION)


def auth_error_reply(xid: int, why: int) -> ReplyHeader:
    return ReplyHeader(xid, ReplyStat.MSG_DENIED, reject=RejectStat.AUTH_ERROR, auth=why)


def reply_for_error(xid: int, err: ReplyError) -> ReplyHeader:
    """The reply header that reports a ReplyError raised on the server side."""
    if isinstance(err, RpcMismatch):
        return rpc_mismatch_reply(xid)
    if isinstance(err, AuthError):
        return auth_error_reply(xid, err.stat)
    if isinstance(err, ProgMismatch):
        return prog_mismatch_reply(xid, err.low, err.high)
    for accept, cls in _ACCEPT_ERRORS.items():
        if isinstance(err, cls):
            return accepted_reply(xid, accept)
    return accepted_reply(xid, AcceptStat.SYSTEM_ERR)


_REPLY_HEAD = struct.Struct(">III")


def encode_reply(p: Packer, h: ReplyHeader) -> None:
    """Appends the reply header to Packer p; for SUCCESS the results follow it."""
    p.pack_struct(_REPLY_HEAD, h.xid, MsgType.REPLY, h.stat)
    if h.stat == ReplyStat.MSG_ACCEPTED:
        h.verf.pack(p)
        p.pack_uint(h.accept)
        if h.accept != AcceptStat.PROG_MISMATCH:
            return
    else:
        p.pack_uint(h.reject)
        if h.reject == RejectStat.AUTH_ERROR:
            p.pack_uint(h.auth)
            return
    p.pack_uint(h.low)
    p.pack_uint(h.high)


def decode_reply(u: Unpacker) -> ReplyHeader:
    """Decodes a reply header from Unpacker u; for SUCCESS u is left at the results.
    ProtocolError(NOT_REPLY) for a message that is not a reply, XdrError(BAD_VALUE) for an
    unknown reply_stat, accept_stat or reject_stat, XdrError(TRUNCATED) for a short one."""
    xid = u.unpack_uint()
    if u.unpack_uint() != MsgType.REPLY:
        raise ProtocolError(status=Status.NOT_REPLY, xid=xid)
    stat = u.unpack_uint()
    if stat == ReplyStat.MSG_ACCEPTED:
        verf = OpaqueAuth.unpack(u)
        accept = u.unpack_uint()
        if accept > AcceptStat.SYSTEM_ERR:
            raise XdrError(f"accept_stat {accept}", status=Status.BAD_VALUE, xid=xid)
        h = ReplyHeader(xid, ReplyStat.MSG_ACCEPTED, verf, AcceptStat(accept))
        if accept != AcceptStat.PROG_MISMATCH:
            return h
    elif stat == ReplyStat.MSG_DENIED:
        reject = u.unpack_uint()
        if reject > RejectStat.AUTH_ERROR:
            raise XdrError(f"reject_stat {reject}", status=Status.BAD_VALUE, xid=xid)
        h = ReplyHeader(xid, ReplyStat.MSG_DENIED, reject=RejectStat(reject))
        if reject == RejectStat.AUTH_ERROR:
            h.auth = u.unpack_uint()
            return h
    else:
        raise XdrError(f"reply_stat {stat}", status=Status.BAD_VALUE, xid=xid)
    h.low = u.unpack_uint()
    h.high = u.unpack_uint()
    return h
