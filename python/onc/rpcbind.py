"""Portmapper v2 and rpcbind v3/v4 (RFC 1833): client calls, as lib/rpcbind/client.c makes them,
and a server's registration, as lib/rpcbind/register.c makes it (use_portmapper).

pmap is the portmapper's address, e.g. "udp://127.0.0.1:111".

Layers: this module sits on the call engine (transport.Channel) and on the server's hooks;
client.py sits on it (addresses without a port), and neither transport.py nor server.py
knows it.
"""

import os
import time
from typing import Callable, Optional, Protocol, TypeVar

from . import net, rpcb_prot
from .errors import (AddressError, ProcUnavail, ProgMismatch, ProgUnavail, RpcbindUnreachable,
                     RpcError, Status, TransportError, XdrError)
from .net import (IPPROTO_TCP as IPPROTO_TCP, IPPROTO_UDP as IPPROTO_UDP,  # re-exported
                  make_uaddr as make_uaddr, uaddr_port as uaddr_port)
from .rpcb_prot import (PMAP_PORT, PMAPPROC_DUMP, PMAPPROC_GETPORT, PMAPPROC_SET,
                        PMAPPROC_UNSET, PMAPVERS, RPCBPROC_DUMP, RPCBPROC_GETADDR,
                        RPCBPROC_GETADDRLIST, RPCBPROC_GETSTAT, RPCBPROC_SET, RPCBPROC_UNSET,
                        RPCBPROG, RPCBVERS4, rpcb)
from .transport import DEFAULT_TIMEOUT, Channel
from .xdr import Packer, Unpacker

PMAP_PROG = RPCBPROG
# A portmapper v2 mapping (prog, vers, prot, port), as rpcb_prot.x names it.
Mapping = rpcb_prot.mapping
PMAP_TIMEOUT = 5.0  # seconds, for a call to a portmapper given by its address
T = TypeVar("T")


def _left(deadline: float) -> float:
    """The seconds left until deadline, at least 1 ms: a step that finds none left times out
    at once."""
    return max(deadline - time.monotonic(), 0.001)


def _call(pmap: str, vers: int, proc: int, encode: Optional[Callable[[Packer], object]],
          decode: Callable[[Unpacker], T], timeout: float = PMAP_TIMEOUT) -> T:
    """One call to the portmapper at pmap on a short-lived channel: connecting and calling
    end within timeout seconds."""
    deadline = time.monotonic() + timeout
    with Channel(pmap, PMAP_PROG, vers, timeout=timeout) as c:
        return c.call(proc, encode, decode, timeout=_left(deadline))


def pmap_getport(pmap: str, prog: int, vers: int, prot: int, *,
                 timeout: float = PMAP_TIMEOUT) -> int:
    """The port of prog/vers over prot (IPPROTO_TCP or IPPROTO_UDP); ProgUnavail when it is
    not registered, XdrError(BAD_VALUE) for a port over 65535."""
    port = _call(pmap, PMAPVERS, PMAPPROC_GETPORT, Mapping(prog, vers, prot, 0).pack,
                 Unpacker.unpack_uint, timeout)
    if port == 0:
        raise ProgUnavail(f"program {prog} version {vers} is not registered")
    if port > 65535:
        raise XdrError(f"port {port}", status=Status.BAD_VALUE)
    return port


def pmap_set(pmap: str, prog: int, vers: int, prot: int, port: int) -> bool:
    """Registers prog/vers at port; False when the portmapper refuses."""
    return _call(pmap, PMAPVERS, PMAPPROC_SET, Mapping(prog, vers, prot, port).pack,
                 Unpacker.unpack_bool)


def pmap_unset(pmap: str, prog: int, vers: int) -> bool:
    """Removes every registration of prog/vers; False when there was none."""
    return _call(pmap, PMAPVERS, PMAPPROC_UNSET, Mapping(prog, vers, 0, 0).pack,
                 Unpacker.unpack_bool)


def pmap_dump(pmap: str) -> list[Mapping]:
    """Every registration, as a list of Mapping."""
    nodes = _call(pmap, PMAPVERS, PMAPPROC_DUMP, None, rpcb_prot.unpack_pmaplist_ptr)
    return [n.map for n in nodes]


def _rpcb(prog: int, vers: int, netid: str, addr: str = "",
          owner: str = "") -> Callable[[Packer], None]:
    """An encoder of rpcb {prog, vers, netid, addr, owner}."""
    return rpcb(prog, vers, netid, addr, owner).pack


def rpcb_getaddr(pmap: str, rpcb_vers: int, prog: int, vers: int, netid: str, *,
                 timeout: float = PMAP_TIMEOUT) -> str:
    """rpcbind v3/v4 GETADDR: the universal address, "" when not registered."""
    return _call(pmap, rpcb_vers, RPCBPROC_GETADDR, _rpcb(prog, vers, netid),
                 rpcb_prot.unpack_rpcb_uaddr, timeout)


def rpcb_dump(pmap: str, rpcb_vers: int) -> list[rpcb]:
    """rpcbind v3/v4 DUMP: every registration, as a list of rpcb_prot.rpcb (r_prog, r_vers,
    r_netid, r_addr, r_owner)."""
    nodes = _call(pmap, rpcb_vers, RPCBPROC_DUMP, None, rpcb_prot.unpack_rpcblist_ptr)
    return [n.rpcb_map for n in nodes]


def rpcb_getaddrlist(pmap: str, prog: int, vers: int, netid: str,
                     addr: str = "") -> list[rpcb_prot.rpcb_entry]:
    """rpcbind v4 GETADDRLIST: every address of prog/vers in the protocol family the call
    came in, as a list of rpcb_prot.rpcb_entry (r_maddr, r_nc_netid, r_nc_semantics,
    r_nc_protofmly, r_nc_proto); netid and addr say how rpcbind was reached."""
    nodes = _call(pmap, RPCBVERS4, RPCBPROC_GETADDRLIST, _rpcb(prog, vers, netid, addr),
                  rpcb_prot.unpack_rpcb_entry_list_ptr)
    return [n.rpcb_entry_map for n in nodes]


def rpcb_getstat(pmap: str) -> list[rpcb_prot.rpcb_stat]:
    """rpcbind v4 GETSTAT: a list of three rpcb_prot.rpcb_stat, for versions 2, 3 and 4; each
    one's addrinfo and rmtinfo are Python lists (of rpcbs_addrlist and rpcbs_rmtcalllist,
    most recent first), as the generated module gives every linked list."""
    return _call(pmap, RPCBVERS4, RPCBPROC_GETSTAT, None, rpcb_prot.unpack_rpcb_stat_byvers)


def _rpcb_v4_then_v3(pmap: str, proc: int, encode: Callable[[Packer], object]) -> bool:
    try:
        return _call(pmap, 4, proc, encode, Unpacker.unpack_bool)
    except (ProgMismatch, ProcUnavail):
        pass  # an rpcbind that speaks version 3 at most
    return _call(pmap, 3, proc, encode, Unpacker.unpack_bool)


def rpcb_set(pmap: str, prog: int, vers: int, netid: str, uaddr: str,
             owner: str = "onc") -> bool:
    """rpcbind v4 (then v3) SET; False when refused. ProgMismatch from a portmapper that
    speaks version 2 only."""
    return _rpcb_v4_then_v3(pmap, RPCBPROC_SET, _rpcb(prog, vers, netid, uaddr, owner))


def rpcb_unset(pmap: str, prog: int, vers: int, netid: str = "") -> bool:
    """rpcbind v4 (then v3) UNSET; an empty netid removes every transport."""
    return _rpcb_v4_then_v3(pmap, RPCBPROC_UNSET, _rpcb(prog, vers, netid))


def find_port(host: str, netid: str, prog: int, vers: int, *, port: int = PMAP_PORT,
              timeout: float = DEFAULT_TIMEOUT) -> int:
    """Where prog/vers listens on host ("127.0.0.1", "[::1]", a name) for netid "tcp", "udp",
    "tcp6" or "udp6": asks host's rpcbind v4 GETADDR, then v3, then portmapper v2 GETPORT,
    as the C side and rpcinfo do, all within timeout seconds (a client's default; Client
    passes its own). ProgUnavail when it is not registered; RpcbindUnreachable (with the
    errno) when that rpcbind refuses the connection or the network fails, as the C side's
    ONC_ERR_RPCBIND_UNREACHABLE."""
    try:
        return _find_port(host, netid, prog, vers, port, timeout)
    except TransportError as e:  # the lookup's transport failed, not the service's
        if e.status not in (Status.CONNREFUSED, Status.CLOSED, Status.IO):
            raise
        reason = os.strerror(e.errno) if e.errno else e.detail
        raise RpcbindUnreachable(reason, errno=e.errno) from e


def _find_port(host: str, netid: str, prog: int, vers: int, port: int, timeout: float) -> int:
    udp = netid.startswith("udp")
    pmap = f"{'udp' if udp else 'tcp'}://{host}:{port}"
    deadline = time.monotonic() + timeout
    for v in (4, 3):
        try:
            uaddr = rpcb_getaddr(pmap, v, prog, vers, netid, timeout=_left(deadline))
        except (ProgMismatch, ProcUnavail):
            continue  # this rpcbind does not speak v: try the older protocol
        if not uaddr:
            raise ProgUnavail(f"program {prog} version {vers} is not registered for {netid}")
        return uaddr_port(uaddr)
    return pmap_getport(pmap, prog, vers, IPPROTO_UDP if udp else IPPROTO_TCP,
                        timeout=_left(deadline))


# --- a server's registration ---


def _update(server: "Served", pmap: str, set_: bool) -> None:
    """Registers (or removes) every program version of server on every TCP/UDP listener:
    rpcbind v4 (then v3) SET with netid and universal address, or portmapper v2 SET for IPv4
    when that is all pmap speaks. UNSET errors are ignored."""
    for prog, vers in server.program_versions():
        if not set_:
            try:
                try:
                    rpcb_unset(pmap, prog, vers)
                except ProgMismatch:
                    pmap_unset(pmap, prog, vers)
            except RpcError:
                pass
            continue
        for a in server.listening():
            if a.kind == net.UNIX or a.port is None:  # (listening() gives the port)
                continue
            try:
                done = rpcb_set(pmap, prog, vers, a.netid, make_uaddr(a.sockaddr[0], a.port))
            except ProgMismatch:
                if a.netid.endswith("6"):
                    raise
                prot = IPPROTO_UDP if a.kind == net.UDP else IPPROTO_TCP
                done = pmap_set(pmap, prog, vers, prot, a.port)
            if not done:
                raise AddressError(f"the portmapper refused program {prog} version {vers}"
                                   f" on {a.netid} port {a.port}")


class Served(Protocol):
    """What registering needs of a server (onc.Server, onc.aio.Server)."""

    def program_versions(self) -> list[tuple[int, int]]: ...

    def listening(self) -> list[net.Address]: ...


class Hooked(Protocol):
    """What use_portmapper needs of a server (onc.Server): the server does not depend on
    rpcbind, nor rpcbind on the server."""

    def set_hooks(self, start: Optional[Callable[[Served], object]] = None,
                  stop: Optional[Callable[[Served], object]] = None) -> None: ...


def use_portmapper(server: Hooked, pmap: str = "udp://127.0.0.1:111") -> None:
    """Has server (an onc.Server) register every program version on every TCP and UDP
    listener with the rpcbind at pmap when it starts (after removing a stale registration of
    an earlier run), and remove them (UNSET) when it stops: the server's start/stop hooks,
    as onc_server_use_portmapper() sets them. Before start(), start() raises when the
    registration fails (what was registered is removed); on a running server, it registers
    at once and raises here."""

    def on_start(s: Served) -> None:
        _update(s, pmap, False)
        try:
            _update(s, pmap, True)
        except RpcError:
            _update(s, pmap, False)
            raise

    server.set_hooks(start=on_start, stop=lambda s: _update(s, pmap, False))
