"""RPC-with-TLS (RFC 9289) in the Python runtime: real TLS 1.3 on loopback, certificates made
at test time with the openssl CLI (a CA, a server certificate with DNS and IP SANs, a client
certificate, a certificate of another CA, an expired one). The probe's bytes are checked
against the RFC with hand-written sockets, not against onc itself; hostile peers stall or
send garbage after STARTTLS. The C side is in test_tls_interop.py."""

import os
import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time

import pytest

import onc
from conftest import _have_ipv6
from onc import tls
from testprog import PROC_ADD, PROC_ECHO, TESTPROG, Testprog, TestprogClient
from tls_helpers import (PROBE, REFUSED, STARTTLS_OK, XID, exchange_raw, frame_words,
                         hand_written_client_context, read_record, words)

# --- a Python server with TLS ---


class Seen(Testprog):
    """TESTPROG whose add() records the Call.tls its handler sees."""

    def __init__(self, version=1):
        super().__init__(version)
        self.tls_seen = []

    def add(self, a, b):
        self.tls_seen.append(onc.current_call().tls)
        return super().add(a, b)


class TLSServer:
    """TESTPROG versions 1 and 3 (those in require_tls taking calls over TLS only) on TCP,
    UDP, a Unix socket and IPv6 loopback when there is one."""

    def __init__(self, tmp, options, require_tls=(), **kw):
        self.server = onc.Server(tls=options, **kw)
        self.v1, self.v3 = Seen(1), Seen(3)
        self.server.register(self.v1)
        self.server.register(self.v3)
        for vers in require_tls:
            self.server.require_tls(TESTPROG, vers)
        self.tcp = self.server.listen("tcp://127.0.0.1:0")
        self.udp = self.server.listen("udp://127.0.0.1:0")
        self.unix = str(tmp / "tls.sock")
        self.server.listen("unix://" + self.unix)
        self.tcp6 = self.server.listen("tcp://[::1]:0") if _have_ipv6() else None
        self.server.start()

    def stop(self):
        self.server.stop()


@pytest.fixture
def make_server(tmp_path, stopped_after):
    def make(options, **kw):
        d = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        return stopped_after(TLSServer(d, options, **kw))

    return make


@pytest.fixture
def server(pki, make_server):
    return make_server(pki.server_tls(client_ca_file=pki.ca, handshake_timeout=1.0))


# --- the Python client and server, every mode ---


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_tls_calls_with_the_server_named_by_ip_or_dns_san(pki, server, host):
    if host == "[::1]" and server.tcp6 is None:
        pytest.skip("no IPv6 loopback")
    port = server.tcp6 if host == "[::1]" else server.tcp
    with TestprogClient(f"tls://{host}:{port}", timeout=10, tls=pki.client_tls()) as c:
        assert c.add(40, 2) == 42
        assert c.echo("inside TLS") == "inside TLS"
        assert c.is_tls()
        info = c.tls_info()
    assert (info.version, info.alpn) == ("TLSv1.3", "sunrpc")
    assert info.peer == tls.TLSPeer("CN=onc test server",
                                    ("DNS:localhost", "IP:127.0.0.1", "IP:::1"))
    seen = server.v1.tls_seen[-1]
    assert (seen.version, seen.alpn, seen.peer) == ("TLSv1.3", "sunrpc", None)


def test_mutual_tls_handler_sees_the_client_identity(pki, server):
    with TestprogClient(f"tcp://127.0.0.1:{server.tcp}", timeout=10, tls=pki.mutual()) as c:
        assert c.add(1, 2) == 3
    peer = server.v1.tls_seen[-1].peer
    assert peer.subject == "CN=client,O=onc"
    assert peer.sans == ("DNS:client.example", "IP:192.0.2.7", "email:client@example.org")


def test_cleartext_call_sees_no_tls(server):
    with TestprogClient(f"tcp://127.0.0.1:{server.tcp}", timeout=10) as c:
        assert c.add(1, 1) == 2
        assert not c.is_tls() and c.tls_info() is None
    assert server.v1.tls_seen == [None]


def test_opportunistic_uses_tls_when_offered(pki, server):
    opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
    with TestprogClient(f"tcp://127.0.0.1:{server.tcp}", timeout=10, tls=opts) as c:
        assert c.add(2, 2) == 4 and c.is_tls()


def test_tls_over_a_unix_socket_names_the_server(pki, server):
    with TestprogClient("unix://" + server.unix, timeout=10,
                        tls=pki.client_tls(server_name="localhost")) as c:
        assert c.add(2, 3) == 5 and c.is_tls()
    with pytest.raises(ValueError, match="server_name"):
        TestprogClient("unix://" + server.unix, timeout=10, tls=pki.client_tls())


def test_opportunistic_falls_back_to_cleartext_without_tls(pki, py_server):
    opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
    with TestprogClient(f"tcp://127.0.0.1:{py_server.tcp}", timeout=10, tls=opts) as c:
        assert c.add(2, 2) == 4
        assert not c.is_tls()
    assert [name for name, _ in py_server.v1.calls] == ["add"]  # the probe runs no handler


def test_required_never_calls_in_cleartext(pki, py_server):
    for addr, opts in [(f"tls://127.0.0.1:{py_server.tcp}", pki.client_tls()),
                       (f"tls://127.0.0.1:{py_server.tcp}", pki.client_tls(mode=tls.OFF)),
                       (f"tcp://127.0.0.1:{py_server.tcp}", pki.client_tls())]:
        with pytest.raises(onc.TLSUnavailable) as e:
            TestprogClient(addr, timeout=10, tls=opts)
        assert e.value.status == onc.Status.TLS_UNAVAILABLE
        assert "server does not offer RPC-with-TLS" in str(e.value)
    assert py_server.v1.calls == []


def test_libtirpc_server_has_no_tls(pki, tirpc_server):
    """libtirpc does not know AUTH_TLS: required fails, opportunistic goes on in cleartext."""
    with pytest.raises(onc.TLSUnavailable):
        TestprogClient(f"tls://127.0.0.1:{tirpc_server.tcp}", timeout=10, tls=pki.client_tls())
    opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
    with TestprogClient(f"tcp://127.0.0.1:{tirpc_server.tcp}", timeout=10, tls=opts) as c:
        assert c.add(40, 2) == 42 and not c.is_tls()


def test_required_sends_nothing_but_the_probe(pki, fake_server):
    """A server that refuses AUTH_TLS sees the probe and nothing else from a client that
    requires TLS."""
    def refuse(req):
        return frame_words(req[:4], 1, 1, 1, 2)

    s = fake_server("tcp", refuse)
    with pytest.raises(onc.TLSUnavailable):
        TestprogClient(s.addr, timeout=10, tls=pki.client_tls())
    assert len(s.requests) == 1
    xid = s.requests[0][:4]
    assert s.requests[0] == xid + words(0, 2, TESTPROG, 1, 0, 7, 0, 0, 0)


def test_off_sends_no_probe(pki, fake_server):
    s = fake_server("tcp", lambda req: frame_words(req[:4], 1, 0, 0, 0, 0, 42))
    with TestprogClient(s.addr, timeout=10, tls=pki.client_tls(mode=tls.OFF)) as c:
        assert c.add(40, 2) == 42
    assert [r[24:28] for r in s.requests] == [words(0)]  # AUTH_NONE: no AUTH_TLS probe


def test_udp_has_no_dtls(pki, server):
    with pytest.raises(onc.TLSUnavailable, match="DTLS"):
        TestprogClient(f"udp://127.0.0.1:{server.udp}", timeout=10, tls=pki.client_tls())
    opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
    with TestprogClient(f"udp://127.0.0.1:{server.udp}", timeout=10, tls=opts) as c:
        assert c.add(1, 2) == 3 and not c.is_tls()


# --- verification failures: a clear error, no call made ---


@pytest.mark.parametrize("case", ["wrong CA", "wrong name", "expired", "no client cert",
                                  "client cert of another CA"])
def test_verification_failures(pki, make_server, case):
    server_opts = dict(client_ca_file=pki.ca, require_client_cert=True, handshake_timeout=5.0)
    if case == "expired":
        s = make_server(tls.ServerTLS(pki.expired, pki.server_key, **server_opts))
    else:
        s = make_server(pki.server_tls(**server_opts))
    client_opts, want = {
        "wrong CA": (pki.mutual(ca_file=pki.other), "certificate verify failed"),
        "wrong name": (pki.mutual(server_name="other.example"), "Hostname mismatch"),
        "expired": (pki.mutual(), "certificate has expired"),
        # the alert, unless the reset of the call sent meanwhile discarded it
        "no client cert": (pki.client_tls(), "certificate required|refused this client"),
        "client cert of another CA": (pki.client_tls(cert_file=pki.stranger,
                                                     key_file=pki.stranger_key),
                                      "unknown ca|refused this client"),
    }[case]
    with pytest.raises(onc.TLSError, match=want) as e:
        # TLS 1.3: the client's handshake ends before the server checks the client's
        # certificate; the refusal comes with the first call.
        with TestprogClient(f"tls://127.0.0.1:{s.tcp}", timeout=10, tls=client_opts) as c:
            c.add(1, 2)
    assert e.value.status == onc.Status.TLS
    assert s.v1.calls == []  # no call reached a handler


def test_bad_files_name_themselves(pki, tmp_path):
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(onc.TLSError, match="missing.pem"):
        tls.ClientTLS(ca_file=missing).context()
    with pytest.raises(onc.TLSError, match="missing.pem"):
        onc.Server(tls=tls.ServerTLS(missing))
    with pytest.raises(onc.TLSError, match="client CA"):
        onc.Server(tls=pki.server_tls(client_ca_file=missing))
    with pytest.raises(ValueError, match="mode"):
        tls.ClientTLS(mode="sometimes")
    with pytest.raises(ValueError, match="client_ca_file"):
        tls.ServerTLS(pki.server, require_client_cert=True)


# --- the per-program policy ---


def test_require_tls_per_program(pki, make_server):
    server = make_server(pki.server_tls(), require_tls=[3])
    with onc.Client(f"tcp://127.0.0.1:{server.tcp}", TESTPROG, 3, timeout=10) as c:
        with pytest.raises(onc.AuthError) as e:
            c.call(PROC_ADD, lambda p: (p.pack_int(1), p.pack_int(2)), onc.Unpacker.unpack_int)
        assert e.value.stat == onc.AuthStat.AUTH_TOOWEAK
        with pytest.raises(onc.AuthError):
            c.null()
    with TestprogClient(f"tcp://127.0.0.1:{server.tcp}", timeout=10) as c:
        assert c.add(1, 2) == 3  # version 1 takes cleartext
    with onc.Client(f"tls://127.0.0.1:{server.tcp}", TESTPROG, 3, timeout=10,
                    tls=pki.client_tls()) as c:
        assert c.call(PROC_ADD, lambda p: (p.pack_int(1), p.pack_int(2)),
                      onc.Unpacker.unpack_int) == 3
    assert server.v3.tls_seen[0].version == "TLSv1.3"  # only the TLS call ran


def test_require_tls_needs_a_registered_version_and_tls(py_server):
    with pytest.raises(ValueError, match="no TLS"):
        py_server.server.require_tls(TESTPROG, 1)
    s = onc.Server(tls=None)
    with pytest.raises(ValueError):
        s.require_tls(TESTPROG, 1)


def test_listen_tls_needs_tls():
    with pytest.raises(onc.AddressError, match="no TLS"):
        onc.Server().listen("tls://127.0.0.1:0")


# --- the probe's bytes, by hand (RFC 9289 section 4.1) ---


PROBE_CASES = [  # XID, PROBE and the replies: tls_helpers.py
    # (name, call, reply) on a cleartext TCP connection of a server with TLS
    ("probe", PROBE, STARTTLS_OK),
    ("probe of an unknown program: its usual answer, with STARTTLS",
     words(XID, 0, 2, TESTPROG + 1, 1, 0, 7, 0, 0, 0), words(XID, 1, 0, 0, 8, b"STARTTLS", 1)),
    ("probe of an unknown version: PROG_MISMATCH 1..3, with STARTTLS",
     words(XID, 0, 2, TESTPROG, 2, 0, 7, 0, 0, 0),
     words(XID, 1, 0, 0, 8, b"STARTTLS", 2, 1, 3)),
    ("AUTH_TLS on a procedure other than NULL: AUTH_BADCRED",
     words(XID, 0, 2, TESTPROG, 1, PROC_ADD, 7, 0, 0, 0, 1, 2), words(XID, 1, 1, 1, 1)),
    ("AUTH_TLS with a credential body: AUTH_BADCRED",
     words(XID, 0, 2, TESTPROG, 1, 0, 7, 4, b"abcd", 0, 0), words(XID, 1, 1, 1, 1)),
    ("AUTH_TLS with an AUTH_SYS verifier: AUTH_BADVERF",
     words(XID, 0, 2, TESTPROG, 1, 0, 7, 0, 1, 0), words(XID, 1, 1, 1, 3)),
    ("AUTH_TLS with a verifier body: AUTH_BADVERF",
     words(XID, 0, 2, TESTPROG, 1, 0, 7, 0, 0, 4, b"abcd"), words(XID, 1, 1, 1, 3)),
]


@pytest.mark.parametrize("name,call,reply", PROBE_CASES, ids=[c[0] for c in PROBE_CASES])
def test_probe_bytes(server, name, call, reply):
    s, got = exchange_raw(server.tcp, call)
    with s:
        assert got.hex(" ", 4) == reply.hex(" ", 4)


def test_probe_then_tls_by_hand(pki, server):
    """The whole exchange with the ssl module alone: probe, STARTTLS, TLS 1.3 with ALPN
    "sunrpc" on the same connection, then an ADD call inside TLS; a second probe inside TLS
    is a flavor the server does not take there."""
    raw, got = exchange_raw(server.tcp, PROBE)
    assert got == STARTTLS_OK
    with hand_written_client_context(pki).wrap_socket(raw, server_hostname="localhost") as t:
        assert (t.version(), t.selected_alpn_protocol()) == ("TLSv1.3", "sunrpc")
        call = words(7, 0, 2, TESTPROG, 1, PROC_ADD, 0, 0, 0, 0, 40, 2)
        t.sendall(struct.pack(">I", len(call) | 0x80000000) + call)
        assert read_record(t) == words(7, 1, 0, 0, 0, 0, 42)
        t.sendall(struct.pack(">I", len(PROBE) | 0x80000000) + PROBE)
        assert read_record(t) == REFUSED


@pytest.mark.parametrize("alpn", [None, ["h2"]])
def test_client_without_alpn_sunrpc_is_closed(pki, server, alpn):
    """RFC 9289 section 5: ALPN "sunrpc" both ways. Python's ssl server selects no protocol
    for a client that offers none or others (no alert), then the server closes."""
    raw, got = exchange_raw(server.tcp, PROBE)
    assert got == STARTTLS_OK
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca)
    if alpn:
        ctx.set_alpn_protocols(alpn)  # else: no ALPN extension at all
    with ctx.wrap_socket(raw, server_hostname="localhost") as t:
        assert t.selected_alpn_protocol() is None
        t.sendall(frame_words(words(7, 0, 2, TESTPROG, 1, 0, 0, 0, 0, 0)))
        assert closed_by_server(t)
    assert server.v1.calls == []


def test_probe_where_tls_is_not_offered_is_refused(pki, server, py_server):
    """No TLS configured, UDP (no DTLS): AUTH_TLS is refused as an unknown flavor, which
    tells the client to go on in cleartext."""
    s, got = exchange_raw(py_server.tcp, PROBE)
    s.close()
    assert got == REFUSED
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(10)
        u.sendto(PROBE, ("127.0.0.1", server.udp))
        assert u.recv(100) == REFUSED


def test_server_without_alpn_sunrpc_is_refused(pki):
    """A hand-written server that answers STARTTLS but negotiates no ALPN: the client
    refuses it (RFC 9289 section 5)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server, pki.server_key)
    ctx.set_alpn_protocols(["h2"])
    with HandServer(ctx) as hs:
        with pytest.raises(onc.TLSError, match="ALPN"):
            TestprogClient(f"tls://127.0.0.1:{hs.port}", timeout=10, tls=pki.client_tls())
        assert hs.sni == [None]  # no SNI for an IP address


def test_sni_is_the_dns_name(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server, pki.server_key)
    ctx.set_alpn_protocols(["sunrpc"])
    with HandServer(ctx, answer=True) as hs:
        with TestprogClient(f"tls://localhost:{hs.port}", timeout=10,
                            tls=pki.client_tls()) as c:
            assert c.add(20, 22) == 42
        assert hs.sni == ["localhost"]


class HandServer:
    """One connection: answers the probe STARTTLS, runs TLS with ctx (recording the SNI),
    and with `answer` replies 42 to one call inside TLS."""

    def __init__(self, ctx, answer=False):
        self.sni = []
        ctx.sni_callback = lambda sslobj, name, c: self.sni.append(name)
        self.ctx, self.answer = ctx, answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.sock.accept()
        conn.settimeout(10)
        try:
            probe = read_record(conn)
            conn.sendall(frame_words(probe[:4], 1, 0, 0, 8, b"STARTTLS", 0))
            with self.ctx.wrap_socket(conn, server_side=True) as t:
                if self.answer:
                    call = read_record(t)
                    t.sendall(frame_words(call[:4], 1, 0, 0, 0, 0, 42))
                    t.recv(1)
        except (OSError, ConnectionError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.thread.join(10)
        self.sock.close()


def test_no_cleartext_after_starttls(pki, server):
    """A relay between client and server copies every byte: after the STARTTLS reply,
    neither the argument nor the result travels in cleartext."""
    secret = "the secret argument"
    with Relay(server.tcp) as relay:
        with TestprogClient(f"tcp://127.0.0.1:{relay.port}", timeout=10,
                            tls=pki.client_tls(server_name="localhost")) as c:
            assert c.echo(secret) == secret
    up, down = relay.up, relay.down
    assert up.startswith(frame_words(up[4:8], 0, 2, TESTPROG, 1, 0, 7, 0, 0, 0))
    assert down.startswith(frame_words(up[4:8], 1, 0, 0, 8, b"STARTTLS", 0))
    assert up[44:45] == b"\x16" and down[36:37] == b"\x16"  # TLS handshake records next
    assert secret.encode() not in up and secret.encode() not in down


class Relay:
    """A TCP relay on loopback that keeps what passes each way."""

    def __init__(self, port):
        self.target = port
        self.up, self.down = b"", b""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        a, _ = self.sock.accept()
        b = socket.create_connection(("127.0.0.1", self.target))
        with a, b:
            while True:
                ready, _, _ = select.select([a, b], [], [], 10)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is a:
                        self.up += data
                        b.sendall(data)
                    else:
                        self.down += data
                        a.sendall(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.thread.join(10)
        self.sock.close()


# --- hostile peers: the server closes them and goes on serving ---


def closed_by_server(s, timeout=30):
    """True when the server closes s (end of file or reset) within timeout seconds (a
    bound against a hang, not a measure)."""
    s.settimeout(timeout)
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def still_serves(pki, server):
    with TestprogClient(f"tls://127.0.0.1:{server.tcp}", timeout=10, tls=pki.client_tls()) as c:
        return c.add(3, 4) == 7 and c.is_tls()


def test_stalled_handshake_is_closed(pki, server):
    raw, got = exchange_raw(server.tcp, PROBE)
    with raw:
        assert got == STARTTLS_OK
        assert still_serves(pki, server)  # during the stall
        assert closed_by_server(raw)  # after handshake_timeout (1 s here)


def test_handshake_stalled_after_part_of_a_client_hello(pki, server):
    hello = client_hello(pki)
    raw, got = exchange_raw(server.tcp, PROBE)
    with raw:
        raw.sendall(hello[:len(hello) // 2])
        assert still_serves(pki, server)
        assert closed_by_server(raw)


def client_hello(pki):
    """The first flight of a real TLS client, taken from a memory BIO."""
    bio_in, bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = hand_written_client_context(pki).wrap_bio(bio_in, bio_out, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return bio_out.read()


@pytest.mark.parametrize("garbage", [b"\x00" * 64, b"GET / HTTP/1.0\r\n\r\n", PROBE])
def test_garbage_instead_of_a_client_hello(pki, server, garbage):
    raw, got = exchange_raw(server.tcp, PROBE)
    with raw:
        raw.sendall(garbage)
        assert closed_by_server(raw)
    assert still_serves(pki, server)


def test_client_that_probes_and_leaves(pki, server):
    for _ in range(20):
        raw, got = exchange_raw(server.tcp, PROBE)
        assert got == STARTTLS_OK
        raw.close()
    assert still_serves(pki, server)


def test_bytes_after_the_probe_close_the_connection(pki, server):
    """The client must wait for the probe's answer before its ClientHello (section 4.1):
    a call sent with the probe closes the connection (as the C server does)."""
    call = words(9, 0, 2, TESTPROG, 1, PROC_ECHO, 0, 0, 0, 0, 0)
    with socket.create_connection(("127.0.0.1", server.tcp), timeout=10) as s:
        s.sendall(frame_words(PROBE) + frame_words(call))
        got = b""
        s.settimeout(30)
        try:
            while data := s.recv(4096):
                got += data
        except ConnectionResetError:
            pass
    # Closed without an answer, or (when the two records came in two reads) after the
    # STARTTLS answer, the call then failing as a ClientHello.
    assert got in (b"", frame_words(STARTTLS_OK))
    assert still_serves(pki, server)


def test_handshakes_count_against_the_connection_limit(pki, make_server):
    """max_connections=1: a connection in its handshake holds the slot. A newcomer is
    either refused or takes the place of the handshake (if that has been idle for the
    eviction delay): never both served."""
    s = make_server(pki.server_tls(handshake_timeout=30.0), max_connections=1)
    raw, got = exchange_raw(s.tcp, PROBE)
    with raw:
        assert got == STARTTLS_OK
        try:
            newcomer_served = still_serves(pki, s)
        except (onc.TransportError, onc.Timeout):
            newcomer_served = False
        raw.settimeout(0.5 if newcomer_served else 0)
        if newcomer_served:
            assert closed_by_server(raw)  # it was evicted
        else:
            with pytest.raises((BlockingIOError, socket.timeout)):
                raw.recv(1)  # still open, still in its handshake


# --- many at once ---


class Later(onc.Program):
    """Procedure 1 answers n + 1 later, from another thread (a deferred reply), so that
    replies are written inside TLS while the connection's thread reads."""

    PROGRAM, VERSION = 0x20000778, 1
    PROCEDURES = {1: onc.Procedure("later", lambda u: (u.unpack_uint(),), onc.Packer.pack_uint)}

    def later(self, n):
        d = onc.defer()
        threading.Timer((n % 7) / 1000, lambda: d.reply(n + 1)).start()


def test_deferred_replies_inside_tls(pki):
    """200 calls written at once on one TLS connection, answered from timer threads in
    another order: every reply arrives whole and decrypts (one writer at a time on the SSL
    object, records in the order made)."""
    server = onc.Server(tls=pki.server_tls())
    server.register(Later())
    port = server.listen("tcp://127.0.0.1:0")
    with server:
        raw, got = exchange_raw(port, words(XID, 0, 2, Later.PROGRAM, 1, 0, 7, 0, 0, 0))
        assert got == STARTTLS_OK
        with hand_written_client_context(pki).wrap_socket(raw, server_hostname="localhost") as t:
            calls = b"".join(frame_words(n, 0, 2, Later.PROGRAM, 1, 1, 0, 0, 0, 0, n)
                             for n in range(200))
            t.sendall(calls)
            replies = {}
            for _ in range(200):
                r = read_record(t)
                replies[struct.unpack(">I", r[:4])[0]] = r
    assert sorted(replies) == list(range(200))
    assert all(r == words(n, 1, 0, 0, 0, 0, n + 1) for n, r in replies.items())


def test_many_clients_at_once(pki, server):
    """50 clients handshaking and calling at the same time, each on its own connection."""
    results, errors = [], []

    def one(i):
        try:
            with TestprogClient(f"tls://127.0.0.1:{server.tcp}", timeout=30,
                                tls=pki.client_tls()) as c:
                results.append(c.add(i, 1) == i + 1 and c.is_tls())
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and results == [True] * 50


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def test_descriptors_return_to_baseline(pki, make_server):
    """Hostile and normal connections come and go; the server's descriptors (its process is
    this one) come back to where they were once it has closed them."""
    s = make_server(pki.server_tls(handshake_timeout=0.5))
    base = open_fds()
    for garbage in (b"", b"\x16\x03\x01\x00\x05hello", b"\x00" * 100):
        raw, got = exchange_raw(s.tcp, PROBE)
        assert got == STARTTLS_OK
        raw.sendall(garbage)
        if garbage:
            assert closed_by_server(raw)
        raw.close()
    assert still_serves(pki, s)
    for _ in range(300):  # a bound, not a measure: the server closes them in its threads
        if open_fds() <= base:
            break
        time.sleep(0.1)
    assert open_fds() <= base


def test_handshake_on_a_descriptor_past_1024(pki, server, fds_past_1024):
    """The server's connection descriptors pass FD_SETSIZE (1024) on a busy server: the
    handshake waits with poll(), not select() (which raised ValueError on them)."""
    assert still_serves(pki, server)


# --- as Wireshark sees it ---


class Capture:
    """dumpcap (tshark's capture engine) on loopback, writing pcap to a pipe read here, with
    datagrams to itself as markers: once the capture shows a marker, everything sent before it
    has been captured (no guessing at times)."""

    def __init__(self, tcp_port):
        self.sync = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sync.bind(("127.0.0.1", 0))
        self.sync_port = self.sync.getsockname()[1]
        self.proc = subprocess.Popen(
            ["dumpcap", "-q", "-P", "-i", "lo", "-f",
             f"tcp port {tcp_port} or udp port {self.sync_port}", "-w", "-"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.data = b""

    def _read(self, seconds):
        if select.select([self.proc.stdout], [], [], seconds)[0]:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            self.data += chunk
            return bool(chunk)
        return True

    def mark(self, tag):
        for _ in range(200):  # a bound against a hang: 20 s
            self.sync.sendto(tag, ("127.0.0.1", self.sync_port))
            until = time.monotonic() + 0.1
            while time.monotonic() < until:
                if tag in self.data:
                    return
                assert self._read(0.02), "dumpcap stopped (installed? root?)"
        pytest.fail(f"the capture never showed {tag!r}")

    def stop(self, path):
        self.proc.send_signal(2)
        while self._read(5) and self.proc.poll() is None:
            pass
        self.data += self.proc.stdout.read()
        self.proc.wait(10)
        self.sync.close()
        path.write_bytes(self.data)


def tshark(*args):
    r = subprocess.run(["tshark", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_tshark_decodes_the_probe_then_tls(pki, server, tmp_path):
    """tshark, the real decoder, on a capture of the Python client and server: the probe and
    its answer decode as RPC (credential AUTH_TLS; verifier AUTH_NONE "STARTTLS"), every
    segment after them is TLS (1.3, ALPN sunrpc), and the call's bytes appear nowhere."""
    if shutil.which("dumpcap") is None or shutil.which("tshark") is None:
        pytest.fail("dumpcap and tshark are needed (Debian's tshark; scripts/deps.sh)")
    marker = "ONC-CLEARTEXT-MARKER"
    cap = Capture(server.tcp)
    cap.mark(b"ONC-SYNC-START")
    with TestprogClient(f"tls://127.0.0.1:{server.tcp}", timeout=10, tls=pki.client_tls()) as c:
        for _ in range(3):
            assert c.echo(marker) == marker
    cap.mark(b"ONC-SYNC-END")
    pcap = tmp_path / "tls.pcap"
    cap.stop(pcap)

    rpc = tshark("-r", str(pcap), "-d", f"tcp.port=={server.tcp},rpc",
                 "-o", "rpc.dissect_unknown_programs:TRUE", "-Y", "rpc.msgtyp",
                 "-T", "fields", "-E", "separator=:", "-e", "frame.number", "-e", "rpc.msgtyp",
                 "-e", "rpc.auth.flavor", "-e", "rpc.opaque_data").splitlines()
    assert len(rpc) == 2, rpc  # the probe and its answer, nothing else
    call, reply = (line.split(":") for line in rpc)
    assert call[1:3] == ["0", "7,0"]  # CALL, credential AUTH_TLS, verifier AUTH_NONE
    assert reply[1:] == ["1", "0", "5354415254544c53"]  # REPLY, AUTH_NONE "STARTTLS"
    after = tshark("-2", "-r", str(pcap), "-Y", f"tcp.len > 0 && frame.number > {reply[0]}",
                   "-T", "fields", "-E", "separator=:", "-e", "frame.number",
                   "-e", "_ws.col.Protocol", "-e", "tls.handshake.extensions_alpn_str",
                   "-e", "tls.handshake.extensions.supported_version").splitlines()
    assert len(after) >= 6, after  # two hellos, finished, three calls and replies
    assert all(line.split(":")[1].startswith("TLS") for line in after), after
    assert any("sunrpc" in line for line in after)
    assert any("0x0304" in line for line in after)  # TLS 1.3
    assert marker.encode() not in pcap.read_bytes()
