"""onc: the pure-Python ONC RPC runtime (RFC 4506 XDR, RFC 5531 RPC, RFC 1833 rpcbind).

Standard library only. Generated modules (`onc gen --lang python`) build on:
    Packer / Unpacker           XDR encode / decode (onc.xdr)
    Client                      calls over TCP, UDP or Unix sockets (onc.client)
    Server, Program, Procedure  a threaded server and the base of generated servers
    defer(), Deferred           a handler's reply sent later, from any thread
    RpcError and subclasses     every failure, with a Status like the C side's onc_status
asyncio is in onc.aio (import it on its own): a Client with many calls in flight, a Server
whose handlers may be `async def`.
"""

from .client import Client
from .errors import (AddressError, AuthError, ConnectionClosed, ConnectionRefused, GarbageArgs,
                     ProcUnavail, ProgMismatch, ProgUnavail, ProtocolError, ReplyError, RpcError,
                     RpcMismatch, Status, SystemErr, Timeout, TransportError, XdrError, strerror)
from .record import RecordReader, frame
from .rpc import (AUTH_NONE, AcceptStat, AuthFlavor, AuthStat, AuthSys, OpaqueAuth)
from .server import Call, Deferred, Procedure, Program, Server, current_call, defer
from .xdr import UNLIMITED, Packer, Unpacker, arm, check_bool

__version__ = "0.1.0"

__all__ = [
    "AUTH_NONE", "AcceptStat", "AddressError", "AuthError", "AuthFlavor", "AuthStat", "AuthSys",
    "Call", "Client", "ConnectionClosed", "ConnectionRefused", "Deferred", "GarbageArgs",
    "OpaqueAuth", "Packer", "ProcUnavail", "Procedure", "ProgMismatch", "ProgUnavail", "Program",
    "ProtocolError", "RecordReader", "ReplyError", "RpcError", "RpcMismatch", "Server", "Status",
    "SystemErr", "Timeout", "TransportError", "UNLIMITED", "Unpacker", "XdrError", "arm", "check_bool",
    "current_call", "defer", "frame", "strerror",
]
