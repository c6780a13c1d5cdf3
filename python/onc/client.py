"""The client: one connection (TCP, UDP or Unix stream) to one program version.

    c = Client("tcp://127.0.0.1:2049", prog, vers)      # or udp://, unix:///path, [::1]
    c = Client("udp://server", prog, vers)              # no port: asks server's rpcbind
    total = c.call(1, lambda p: (p.pack_int(40), p.pack_int(2)), Unpacker.unpack_int)

Generated clients subclass Client, set PROGRAM and VERSION, and give each procedure a method
that calls self.call(). A client may be shared between threads: their calls are in flight
together on its one connection (transport.py).

Layers: Client is transport.Channel (the call engine) plus the rpcbind lookup of a missing
port (rpcbind.py); rpcbind.py calls on Channels, never on Clients. rpcbind.py is imported
when a port is missing, not before: its protocol module (rpcb_prot.py, generated) defines
clients and servers of rpcbind, subclasses of Client and Program, so it can only be loaded
once they are.
"""

from typing import Optional

from . import net
from .record import DEFAULT_MAX_RECORD
from .rpc import Auth, program_version
from .tls import ClientTLS
from .transport import DEFAULT_RETRY, DEFAULT_TIMEOUT, Channel

__all__ = ["Client", "DEFAULT_RETRY", "DEFAULT_TIMEOUT"]


class Client(Channel):
    """A client of one program version. Generated subclasses set PROGRAM and VERSION.

    addr     "tcp://HOST:PORT", "udp://HOST:PORT", "unix:///PATH"; without a port the port
             is asked of HOST's rpcbind (v4, v3 GETADDR, then portmapper v2 GETPORT) at
             rpcbind_port (None: 111), within timeout
    timeout  seconds per call (default 25), overridable per call
    retry    UDP: seconds before the first retransmission (doubled each time)
    max_record  the largest reply accepted (4 MiB)
    auth     None (AUTH_NONE), an rpc.AuthSys (e.g. AuthSys.local()) or an rpc.OpaqueAuth
    tls      a tls.ClientTLS: RPC-with-TLS (RFC 9289) off, opportunistic or required;
             "tls://HOST:PORT" is ClientTLS() (required)
    """

    PROGRAM: Optional[int] = None
    VERSION: Optional[int] = None

    def __init__(self, addr: "str | net.Address", prog: Optional[int] = None,
                 vers: Optional[int] = None, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: float = DEFAULT_RETRY, max_record: int = DEFAULT_MAX_RECORD,
                 auth: Auth = None, rpcbind_port: Optional[int] = None,
                 tls: "Optional[ClientTLS]" = None) -> None:
        prog, vers = program_version(prog, vers, self.PROGRAM, self.VERSION)
        a = addr if isinstance(addr, net.Address) else net.parse(addr)
        if a.port is None:
            from .rpcb_prot import PMAP_PORT
            from .rpcbind import find_port
            port = PMAP_PORT if rpcbind_port is None else rpcbind_port
            a = a.with_port(find_port(a.host, a.netid, prog, vers, port=port, timeout=timeout))
        super().__init__(a, prog, vers, timeout=timeout, retry=retry, max_record=max_record,
                         auth=auth, tls=tls)
