"""RPC-with-TLS (RFC 9289): options, the AUTH_TLS probe, and TLS on a connected stream.

The client probes with a NULL call whose credential is AUTH_TLS (flavor 7, empty body) and
whose verifier is AUTH_NONE (RFC 9289 section 4.1); a server offering TLS answers
MSG_ACCEPTED with the 8-byte AUTH_NONE verifier "STARTTLS", and TLS (section 5: version 1.3
or later, ALPN "sunrpc", registered in section 7.2) starts on the same TCP connection
(section 5.1.1); every later record travels inside TLS. DTLS (section 5.1.2) is not
implemented: a server refuses the probe over UDP as a server that does not know AUTH_TLS
(MSG_DENIED / AUTH_ERROR, AUTH_REJECTEDCRED), which section 4.1 tells the client means "no
TLS", and a client requiring TLS over UDP is refused. The options and the bytes on the wire
are the C runtime's (include/onc/client.h onc_tls_client_options, server.h
onc_tls_server_options).

    ClientTLS(mode=REQUIRED, ca_file=..., cert_file=..., key_file=..., server_name=...)
    ServerTLS(cert_file=..., key_file=..., client_ca_file=..., require_client_cert=True)

transport.Channel and server.Server take these (tls=...); this module knows nothing of
either. Only the standard library's ssl module is used.
"""

import ipaddress
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from .errors import (ConnectionClosed, ProtocolError, RpcError, Status, Timeout, TLSError,
                     TLSUnavailable)
from .record import LAST_FRAG, RecordReader
from .rpc import (AUTH_NONE, AuthFlavor, AuthStat, CallHeader, OpaqueAuth, ReplyStat,
                  decode_call, decode_reply, encode_call)
from .xdr import Packer, Unpacker

ALPN = "sunrpc"  # RFC 9289 section 7.2 registers it; section 5 requires it
STARTTLS = b"STARTTLS"
STARTTLS_VERIFIER = OpaqueAuth(AuthFlavor.AUTH_NONE, STARTTLS)
AUTH_TLS = OpaqueAuth(AuthFlavor.AUTH_TLS, b"")

# Client modes, as the C client's: never probe; probe and fall back to cleartext when the
# server does not offer TLS; probe and fail (no cleartext call sent) when it does not.
OFF, OPPORTUNISTIC, REQUIRED = "off", "opportunistic", "required"
MODES = (OFF, OPPORTUNISTIC, REQUIRED)
DEFAULT_HANDSHAKE_TIMEOUT = 10.0  # seconds a server gives a handshake before closing
PROBE_REPLY_MAX = 1024  # the probe's reply is a header: anything bigger is not one
IO_SIZE = 65536
_DONTWAIT = int(socket.MSG_DONTWAIT)  # a plain int: the flag enum's & costs a call each time


def _load(what: str, path: Optional[str], load: Callable[[], object]) -> None:
    try:
        load()
    except (OSError, ssl.SSLError, ValueError) as e:
        raise TLSError(f"{what} {path!r}: {e}") from None


@dataclass(frozen=True)
class ClientTLS:
    """A client's RPC-with-TLS options (the C client's onc_tls_client_options).

    mode         REQUIRED (default), OPPORTUNISTIC or OFF
    ca_file      PEM file of the CAs that sign servers' certificates; with ca_dir (an
                 OpenSSL hashed directory) or alone; neither: the system's CAs
    cert_file    the client's certificate chain (PEM), for mutual TLS; key_file its key
                 (None: in cert_file)
    server_name  the name the server's certificate must carry (a DNS or IP SAN), sent as SNI
                 when it is a DNS name; None: the host of the address
    The probe and the handshake are bounded by the client's timeout."""

    mode: str = REQUIRED
    ca_file: Optional[str] = None
    ca_dir: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    server_name: Optional[str] = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"TLS mode {self.mode!r} (want one of {', '.join(MODES)})")

    def context(self) -> ssl.SSLContext:
        """The ssl.SSLContext: TLS 1.3 only, ALPN "sunrpc", the server's certificate
        verified against the CAs and the name. TLSError names a file that does not load."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3  # RFC 9289 section 5
        if self.ca_file or self.ca_dir:
            _load("CA", self.ca_file or self.ca_dir,
                  lambda: ctx.load_verify_locations(self.ca_file, self.ca_dir))
        else:
            ctx.load_default_certs()
        if self.cert_file:
            cert_file: str = self.cert_file  # (mypy 1.0 does not narrow inside a lambda)
            _load("certificate", cert_file, lambda: ctx.load_cert_chain(cert_file, self.key_file))
        ctx.set_alpn_protocols([ALPN])
        return ctx


@dataclass(frozen=True)
class ServerTLS:
    """A server's RPC-with-TLS options (the C server's onc_tls_server_options; the timeout
    in seconds).

    cert_file       the server's certificate chain (PEM, the server's first)
    key_file        its private key (PEM); None: in cert_file
    client_ca_file  ask clients for a certificate verified against these CAs (PEM); None:
                    no client certificates
    require_client_cert  with client_ca_file: refuse clients without one
    handshake_timeout    seconds after STARTTLS before a handshake not done is closed"""

    cert_file: str
    key_file: Optional[str] = None
    client_ca_file: Optional[str] = None
    require_client_cert: bool = False
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT

    def __post_init__(self) -> None:
        if self.require_client_cert and not self.client_ca_file:
            raise ValueError("require_client_cert needs client_ca_file to verify them")

    def context(self) -> ssl.SSLContext:
        """The ssl.SSLContext; TLSError names a file that does not load."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3  # RFC 9289 section 5
        _load("certificate", self.cert_file,
              lambda: ctx.load_cert_chain(self.cert_file, self.key_file))
        if self.client_ca_file:
            _load("client CA", self.client_ca_file,
                  lambda: ctx.load_verify_locations(self.client_ca_file))
            # RFC 9289 section 4.2: the server asks for the client's identity.
            ctx.verify_mode = ssl.CERT_REQUIRED if self.require_client_cert else ssl.CERT_OPTIONAL
        ctx.set_alpn_protocols([ALPN])
        # no resumption: no tickets to send after the handshake (num_tickets is in ssl since
        # Python 3.8; Debian's mypy 1.0 stubs lack it)
        ctx.num_tickets = 0  # type: ignore[attr-defined]
        return ctx


@dataclass(frozen=True)
class TLSPeer:
    """The verified certificate of the other end, as the C side's onc_tls_peer: subject in
    RFC 2253 (4514) form, last RDN first ("CN=client,O=onc"), SANs as "DNS:name",
    "IP:addr", "URI:...", "email:..."."""

    subject: str
    sans: tuple[str, ...]


@dataclass(frozen=True)
class TLSInfo:
    """A TLS session: version ("TLSv1.3"), alpn ("sunrpc"), peer (a TLSPeer or None)."""

    version: str
    alpn: str
    peer: Optional[TLSPeer]


_SHORT = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU",
          "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST",
          "domainComponent": "DC", "userId": "UID", "emailAddress": "emailAddress"}
_SAN = {"DNS": "DNS", "IP Address": "IP", "URI": "URI", "email": "email"}


def peer_of(cert: Optional[dict[str, Any]]) -> Optional[TLSPeer]:
    """A TLSPeer from ssl's getpeercert() dict, None without a verified certificate."""
    if not cert:
        return None
    # The dict's values differ by key (ssl's stubs give the union of them all):
    subject: tuple[tuple[tuple[str, str], ...], ...] = cert.get("subject", ())  # RDNs
    alt_names: tuple[tuple[str, str], ...] = cert.get("subjectAltName", ())
    rdns = [",".join(f"{_SHORT.get(k, k)}={_escape(v)}" for k, v in rdn) for rdn in subject]
    sans = []
    for kind, value in alt_names:
        if kind == "IP Address":
            value = str(ipaddress.ip_address(value.strip()))
        sans.append(f"{_SAN.get(kind, kind)}:{value}")
    return TLSPeer(",".join(reversed(rdns)), tuple(sans))  # RFC 4514: last RDN first


def _escape(v: str) -> str:
    out = "".join("\\" + c if c in ',+"\\<>;=' else c for c in v)
    if out[:1] in ("#", " "):
        out = "\\" + out
    return out[:-1] + "\\ " if out.endswith(" ") else out


# --- the probe (RFC 9289 section 4.1) ---


_AUTH_TLS_FLAVOR = AuthFlavor.AUTH_TLS.to_bytes(4, "big")


def probe_call(xid: int, prog: int, vers: int) -> bytes:
    """The probe's message (not record-marked): NULL, credential AUTH_TLS with an empty body,
    verifier AUTH_NONE."""
    p = Packer()
    encode_call(p, CallHeader(xid, prog, vers, 0, AUTH_TLS, AUTH_NONE))
    return p.get_buffer()


def probe_check(h: CallHeader) -> Optional[AuthStat]:
    """What is wrong with the AUTH_TLS call h as a probe (section 4.1: a NULL call, an empty
    credential body, an empty AUTH_NONE verifier): AUTH_BADCRED or AUTH_BADVERF, None when
    it is one."""
    if h.cred.body or h.proc != 0:
        return AuthStat.AUTH_BADCRED
    if h.verf != AUTH_NONE:
        return AuthStat.AUTH_BADVERF
    return None


def is_probe(msg: bytes) -> bool:
    """True when the message msg is a well-formed AUTH_TLS probe."""
    if msg[24:28] != _AUTH_TLS_FLAVOR:  # the credential's flavor, after six words
        return False
    try:
        h = decode_call(Unpacker(msg))
    except RpcError:
        return False
    return h.cred.flavor == AuthFlavor.AUTH_TLS and probe_check(h) is None


def _offered(reply: bytes, xid: int) -> bool:
    """The probe's reply read (section 4.1): TLS is offered by MSG_ACCEPTED with the
    verifier AUTH_NONE "STARTTLS", whatever the accept_stat; anything else refuses it.
    ProtocolError(NOT_REPLY) for another xid, XdrError for what does not decode."""
    h = decode_reply(Unpacker(reply))
    if h.xid != xid:
        raise ProtocolError(f"xid {h.xid} answers the AUTH_TLS probe {xid}",
                            status=Status.NOT_REPLY)
    return h.stat == ReplyStat.MSG_ACCEPTED and h.verf == STARTTLS_VERIFIER


def start_client(sock: socket.socket, options: ClientTLS, context: ssl.SSLContext,
                 server_name: Optional[str], xid: int, prog: int, vers: int,
                 timeout: float) -> Union[socket.socket, "TLSStream"]:
    """Probes on the connected stream sock and starts TLS on it (context from
    options.context(), the server's certificate checked against server_name, which is sent
    as SNI when it is a DNS name): returns a TLSStream, or
    sock itself when the server does not offer TLS and options.mode is OPPORTUNISTIC.
    TLSUnavailable (sock closed) when it is REQUIRED and the server does not offer TLS (no
    cleartext call is sent); TLSError when the handshake fails (certificate, name, ALPN;
    never a fall back to cleartext, whatever the mode); Timeout when the probe's answer or
    the handshake does not come within timeout."""
    deadline = time.monotonic() + timeout
    try:
        msg = probe_call(xid, prog, vers)
        _send_within(sock, (len(msg) | LAST_FRAG).to_bytes(4, "big") + msg, deadline)
        if not _offered(_read_record(sock, deadline), xid):
            if options.mode == REQUIRED:
                raise TLSUnavailable("its answer to the AUTH_TLS probe has no STARTTLS "
                                     "verifier: no call was sent")
            return sock
        stream = TLSStream(sock, context, server_hostname=server_name)
        stream.handshake(deadline)
        return stream
    except BaseException:
        sock.close()
        raise


def _send_within(sock: socket.socket, data: bytes, deadline: float) -> None:
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    try:
        sock.sendall(data)
    except socket.timeout:
        raise Timeout("sending the AUTH_TLS probe") from None
    except OSError as e:
        raise ConnectionClosed(f"sending the AUTH_TLS probe: {e}") from None


def _read_record(sock: socket.socket, deadline: float) -> bytes:
    """The probe's reply record, read without taking a byte after it (the server sends
    nothing more before the ClientHello)."""
    reader = RecordReader(PROBE_REPLY_MAX)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("waiting for the answer to the AUTH_TLS probe")
        sock.settimeout(left)
        try:
            data = sock.recv(IO_SIZE)
        except socket.timeout:
            continue
        except OSError as e:
            raise ConnectionClosed(f"during the AUTH_TLS probe: {e}") from None
        if not data:
            raise ConnectionClosed("by the server, during the AUTH_TLS probe")
        records = reader.feed(data)
        if records:
            if len(records) > 1 or reader.pending():
                raise ProtocolError("more than the answer to the AUTH_TLS probe",
                                    status=Status.NOT_REPLY)
            return records[0]


# --- TLS on a connected socket ---


class TLSStream:
    """TLS over a connected socket through memory BIOs, with the socket calls the runtime
    makes (sendall, recv, settimeout, shutdown, close, fileno), so that the client's and
    the server's stream code runs over it unchanged.

    The server's connection thread reads while other threads write deferred replies: the
    SSL object is used under self._lock, and the bytes it produces are sent only by
    sendall() (whose callers are serialized: one call at a time on a client, the
    connection's write lock on a server), so that they leave in the order made. recv()
    waits under the socket's timeout for application data or the end; with MSG_DONTWAIT it
    raises BlockingIOError when what the socket holds is no application data (none, part of
    a record, a session ticket)."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, *, server_side: bool = False,
                 server_hostname: Optional[str] = None) -> None:
        self.sock = sock
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._obj = context.wrap_bio(self._in, self._out, server_side=server_side,
                                     server_hostname=server_hostname)
        self._lock = threading.Lock()
        self._timeout = sock.gettimeout()
        self._answered = server_side  # a client has had application data from the server

    # --- the handshake ---

    def handshake(self, deadline: float) -> None:
        """Runs the handshake by deadline (time.monotonic()), then checks ALPN. TLSError
        when it fails (with OpenSSL's reason: certificate verify failed, ...), Timeout,
        ConnectionClosed."""
        while True:
            try:
                self._obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as e:
                try:
                    self._flush_raw(deadline)  # the alert, best effort
                except (Timeout, ConnectionClosed):
                    pass
                raise TLSError(f"handshake: {_reason(e)}") from None
            self._flush_raw(deadline)
            left = deadline - time.monotonic()
            readable = select.poll()  # not select(): a server's descriptors pass 1024
            readable.register(self.sock, select.POLLIN)
            if left <= 0 or not readable.poll(int(left * 1000) + 1):
                raise Timeout("TLS handshake")
            data = self.sock.recv(IO_SIZE)
            if not data:
                raise ConnectionClosed("by the peer, during the TLS handshake")
            self._in.write(data)
        self._flush_raw(deadline)
        # RFC 9289 section 5: ALPN "sunrpc" both ways. A peer that offered no "sunrpc"
        # has none selected (Python's ssl answers no ALPN rather than an alert).
        if self._obj.selected_alpn_protocol() != ALPN:
            raise TLSError(f"the peer did not negotiate ALPN {ALPN!r} (RFC 9289)")
        self.settimeout(self._timeout)

    def _flush_raw(self, deadline: float) -> None:
        out = self._out.read()
        if out:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                self.sock.sendall(out)
            except socket.timeout:
                raise Timeout("TLS handshake") from None
            except OSError as e:
                raise ConnectionClosed(f"during the TLS handshake: {e}") from None

    def info(self) -> TLSInfo:
        """The session as a TLSInfo (the peer: its verified certificate, or None), once the
        handshake is done."""
        with self._lock:
            version, alpn = self._obj.version(), self._obj.selected_alpn_protocol()
            assert version is not None and alpn is not None  # handshake() checked the ALPN
            return TLSInfo(version, alpn, peer_of(self._obj.getpeercert()))

    # --- the socket calls ---

    def fileno(self) -> int:
        return self.sock.fileno()

    def settimeout(self, t: Optional[float]) -> None:
        self._timeout = t
        self.sock.settimeout(t)

    def gettimeout(self) -> Optional[float]:
        return self._timeout

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        for at in range(0, len(view), IO_SIZE):  # encrypted a piece at a time: bounded memory
            with self._lock:
                try:
                    self._obj.write(view[at:at + IO_SIZE])
                except ssl.SSLError as e:
                    raise TLSError(_reason(e)) from None
                out = self._out.read()
            self._send_raw(out)
        if not view:
            with self._lock:
                out = self._out.read()
            if out:
                self._send_raw(out)

    def _send_raw(self, out: bytes) -> None:
        try:
            self.sock.sendall(out)
        except (ConnectionResetError, BrokenPipeError):
            if self._answered:
                raise
            raise _refused() from None

    def recv(self, size: int, flags: int = 0) -> bytes:
        """Application data, b"" at the end of the stream (a close_notify or the socket's
        end), as socket.recv; TLSError for what does not decrypt or an alert, and on a
        client for a server that ends the connection before sending anything inside TLS."""
        while True:
            with self._lock:
                try:
                    if self._in.pending or self._obj.pending():  # else: surely nothing
                        data = self._obj.read(size)
                        self._answered = True
                        return data
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLZeroReturnError:
                    return b""
                except ssl.SSLError as e:
                    raise TLSError(_reason(e)) from None
            try:  # the socket's timeout is ours (settimeout)
                data = self.sock.recv(IO_SIZE, flags & _DONTWAIT)  # BlockingIOError: none
            except ConnectionResetError:
                data = b""
                if self._answered:
                    raise
            if not data:
                if not self._answered:
                    raise _refused()
                return b""
            with self._lock:
                self._in.write(data)

    def pending(self) -> bool:
        """True when bytes already read from the socket (with the handshake's last ones, or
        beyond what one recv() returned) wait to be decrypted: poll() would not see them."""
        with self._lock:
            return bool(self._in.pending or self._obj.pending())

    def shutdown(self, how: int) -> None:
        self.sock.shutdown(how)

    def close(self) -> None:
        self.sock.close()


def _refused() -> TLSError:
    """A client's error for a server that ends the connection after the handshake without
    a word inside TLS. In TLS 1.3 the client's handshake ends before the server has checked
    the client's certificate: a server refusing it sends an alert and closes, and the reset
    that a call sent meanwhile provokes may discard the alert before it is read."""
    return TLSError("the server ended the connection right after the TLS handshake: it "
                    "refused this client (its certificate?)")


def _reason(e: ssl.SSLError) -> str:
    """OpenSSL's reason for an ssl.SSLError, readable: "certificate verify failed:
    Hostname mismatch, certificate is not valid for 'x'." or "tlsv13 alert certificate
    required"."""
    text = getattr(e, "verify_message", None)
    reason = (e.reason or str(e)).replace("_", " ").lower()
    return f"{reason}: {text}" if text else reason
