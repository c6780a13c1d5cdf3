"""onc: the pure-Python ONC RPC runtime (RFC 4506 XDR, RFC 5531 RPC, RFC 1833 rpcbind).

Standard library only. Generated modules (`onc gen --lang python`) build on:
    Packer / Unpacker           XDR encode / decode (onc.xdr)
    Client                      calls over TCP, UDP or Unix sockets (onc.client)
    ClientTLS, ServerTLS        RPC-with-TLS (RFC 9289) options (onc.tls)
    Server, Program, Procedure  a threaded server and the base of generated servers
    defer(), Deferred           a handler's reply sent later, from any thread
    RpcError and subclasses     every failure, with a Status like the C side's onc_status
asyncio is in onc.aio (import it on its own): a Client with many calls in flight, a Server
whose handlers may be `async def`.
"""

from typing import TYPE_CHECKING

from . import tls
from .client import Client
from .errors import (AddressError, AuthError, ConnectionClosed, ConnectionRefused, GarbageArgs,
                     ProcUnavail, ProgMismatch, ProgUnavail, ProtocolError, ReplyError, RpcError,
                     RpcbindUnreachable, RpcMismatch, Status, SystemErr, Timeout, TLSError,
                     TLSUnavailable, TransportError, XdrError, strerror)
from .record import RecordReader, frame
from .rpc import (AUTH_NONE, AcceptStat, AuthFlavor, AuthStat, AuthSys, OpaqueAuth)
from .server import Call, Deferred, Procedure, Program, Server, current_call, defer
from .tls import ClientTLS, ServerTLS
from .xdr import PACK_ERRORS, UNLIMITED, Packer, Unpacker, arm, check_bool, field_error

if TYPE_CHECKING:
    from . import aio as aio

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """onc.aio, imported on first use (asyncio is not loaded for programs that do not use it;
    generated modules name onc.aio.Client without importing it)."""
    if name == "aio":  # (`from . import aio` here would ask for onc.aio again, and recurse)
        import importlib
        return importlib.import_module(".aio", __name__)
    raise AttributeError(f"module 'onc' has no attribute {name!r}")


__all__ = [
    "AUTH_NONE", "AcceptStat", "PACK_ERRORS", "AddressError", "AuthError", "AuthFlavor", "AuthStat", "AuthSys",
    "Call", "Client", "ClientTLS", "ConnectionClosed", "ConnectionRefused", "Deferred",
    "GarbageArgs", "OpaqueAuth", "Packer", "ProcUnavail", "Procedure", "ProgMismatch",
    "ProgUnavail", "Program", "ProtocolError", "RecordReader", "ReplyError", "RpcError",
    "RpcbindUnreachable", "RpcMismatch", "Server", "ServerTLS", "Status", "SystemErr",
    "TLSError", "TLSUnavailable", "Timeout", "TransportError", "UNLIMITED", "Unpacker",
    "XdrError", "arm", "check_bool", "current_call", "defer", "field_error", "frame", "strerror",
]
