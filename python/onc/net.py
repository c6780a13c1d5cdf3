"""Addresses: "tcp://HOST:PORT", "udp://[::1]:PORT", "unix:///path", and "tcp://HOST" (no
port: the client asks HOST's rpcbind), as the C side parses them; "tls://HOST:PORT" is TCP
with RPC-with-TLS required (Address.tls); universal addresses."""

import socket
from dataclasses import dataclass
from typing import Any, Optional, Union

from .errors import AddressError, from_os_error

TCP, UDP, UNIX = "tcp", "udp", "unix"
TLS = "tls"  # a scheme, not a kind: TCP with RPC-with-TLS
IPPROTO_TCP, IPPROTO_UDP = 6, 17

# What connect() and bind() take: a path (Unix) or (host, port[, flowinfo, scope_id]).
SockAddr = Union[str, tuple[Any, ...]]


@dataclass
class Address:
    kind: str  # TCP, UDP or UNIX
    family: int  # socket.AF_INET, AF_INET6 or AF_UNIX
    sockaddr: SockAddr  # what connect()/bind() take
    host: str = ""  # as written, brackets included for IPv6 ("[::1]")
    port: Optional[int] = None  # None: not given (ask rpcbind)
    tls: bool = False  # written tls://

    @property
    def socktype(self) -> int:
        return socket.SOCK_DGRAM if self.kind == UDP else socket.SOCK_STREAM

    @property
    def netid(self) -> str:
        """rpcbind's netid: "tcp", "udp", "tcp6", "udp6" or "local"."""
        if self.kind == UNIX:
            return "local"
        return self.kind + ("6" if self.family == socket.AF_INET6 else "")

    def with_port(self, port: int) -> "Address":
        sa = (self.sockaddr[0], port) + tuple(self.sockaddr[2:])
        return Address(self.kind, self.family, sa, self.host, port, self.tls)

    def uri(self) -> str:
        if self.kind == UNIX:
            return f"unix://{self.sockaddr}"
        scheme = TLS if self.tls else self.kind
        return f"{scheme}://{self.host}" + ("" if self.port is None else f":{self.port}")


def parse(uri: str) -> Address:
    """Parses and resolves an address; AddressError when it is malformed or unresolvable."""
    if not isinstance(uri, str):
        raise AddressError(repr(uri))
    kind, sep, rest = uri.partition("://")
    if not sep or kind not in (TCP, UDP, UNIX, TLS):
        raise AddressError(f"{uri!r} (want tcp://, udp://, unix:// or tls://)")
    tls, kind = kind == TLS, TCP if kind == TLS else kind
    if kind == UNIX:
        if not rest or len(rest.encode()) >= 108:
            raise AddressError(repr(uri))
        return Address(UNIX, socket.AF_UNIX, rest, rest, 0)
    port: Optional[str] = None
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise AddressError(repr(uri))
        host, tail = rest[1:close], rest[close + 1:]
        shown = rest[:close + 1]
        if tail.startswith(":"):
            port = tail[1:]
        elif tail:
            raise AddressError(repr(uri))
    else:
        host, colon, port = rest.rpartition(":")
        if not colon:
            host, port = rest, None
        shown = host
    if not host or len(host) >= 256:
        raise AddressError(repr(uri))
    number = None
    if port is not None:
        if not port.isdigit() or int(port) > 65535:
            raise AddressError(f"{uri!r}: bad port")
        number = int(port)
    socktype = socket.SOCK_DGRAM if kind == UDP else socket.SOCK_STREAM
    try:
        family, _, _, _, sa = socket.getaddrinfo(host, number or 0, socket.AF_UNSPEC, socktype)[0]
    except socket.gaierror as e:  # e.errno: getaddrinfo's EAI_* code, as the C side's gai_error
        raise from_os_error(e, AddressError.status, uri) from e
    except UnicodeError as e:
        raise AddressError(f"{uri!r}: {e}") from None
    return Address(kind, family, sa, shown, number, tls)


def connect(addr: Address, timeout: Optional[float]) -> socket.socket:
    """A socket connected to addr (TCP_NODELAY on TCP), or an RpcError."""
    s = socket.socket(addr.family, addr.socktype)
    try:
        s.settimeout(timeout)
        s.connect(addr.sockaddr)
        if addr.kind == TCP:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as e:
        s.close()
        raise from_os_error(e) from e
    return s


# --- universal addresses (RFC 5665) ---


def uaddr_port(uaddr: str) -> int:
    """The port of "h1.h2.h3.h4.p1.p2" or "x:x::x.p1.p2"; AddressError when malformed."""
    head, dot, lo = uaddr.rpartition(".")
    _, dot2, hi = head.rpartition(".")
    if not dot or not dot2:
        raise AddressError(f"universal address {uaddr!r}")
    for part in (hi, lo):
        if not part.isdigit() or not part.isascii() or int(part) > 255:
            raise AddressError(f"universal address {uaddr!r}")
    return int(hi) << 8 | int(lo)


def make_uaddr(host: str, port: int) -> str:
    """The universal address of an IP host and port: "127.0.0.1.8.1" for 127.0.0.1:2049."""
    return f"{host.strip('[]')}.{port >> 8}.{port & 255}"
