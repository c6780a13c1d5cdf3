"""RPC-with-TLS between the Python and the C runtime, both ways, on loopback: the Python client
against the C server and the C client against the Python server (tests/python/tls_peer.c,
built beside the other peers), in every mode, with and without client certificates; the
failures give the same statuses; and the two servers answer the same probe bytes with the
same reply bytes."""

import asyncio
import os
import resource
import socket
import struct
import subprocess
import time

import pytest

import onc
from conftest import Peer, peer_path
from onc import tls
from tls_helpers import (REFUSED, XID, exchange_raw, frame_words, hand_written_client_context,
                         probe, read_record, words)

TLSPROG = 0x20000777  # tls_peer.c's
WHO_MAX = 1024
CLIENT_WHO = "tls CN=client,O=onc;DNS:client.example;IP:192.0.2.7;email:client@example.org"


class Tlsprog(onc.Program):
    """TLSPROG version 1 as tls_peer.c serves it: NULL; WHO() -> "tls SUBJECT;SAN..." or
    "clear " as the handler sees its caller; SIZE(opaque<>) -> the length plus the bytes."""

    PROGRAM, VERSION = TLSPROG, 1
    PROCEDURES = {
        0: onc.Procedure("null"),
        1: onc.Procedure("who", None, lambda p, v: p.pack_string(v, WHO_MAX)),
        2: onc.Procedure("size", lambda u: (u.unpack_opaque(1 << 24),), onc.Packer.pack_uint),
    }

    def null(self):
        pass

    def who(self):
        t = onc.current_call().tls
        if t is None:
            return "clear "
        if t.peer is None:
            return "tls "
        return "tls " + t.peer.subject + "".join(";" + san for san in t.peer.sans)

    def size(self, data):
        return (len(data) + sum(data)) & 0xFFFFFFFF


def who(c):
    return c.call(1, None, lambda u: u.unpack_string(WHO_MAX))


# --- the servers ---


@pytest.fixture
def c_server(pki):
    """The C server with TLS, asking for (not requiring) client certificates."""
    p = Peer("tls_peer", "server", f"cert={pki.server}", f"key={pki.server_key}",
             f"client_ca={pki.ca}")
    yield p
    assert p.stop() == ""


def c_server_with(*args):
    return Peer("tls_peer", "server", *args)


class PyServer:
    def __init__(self, options, require_tls=False, **kw):
        self.server = onc.Server(tls=options, **kw)
        self.server.register(Tlsprog())
        if require_tls:
            self.server.require_tls(TLSPROG, 1)
        self.tcp = self.server.listen("tcp://127.0.0.1:0")
        self.udp = self.server.listen("udp://127.0.0.1:0")
        self.server.start()

    def stop(self):
        self.server.stop()


@pytest.fixture
def py_servers(stopped_after):
    return lambda options, **kw: stopped_after(PyServer(options, **kw))


@pytest.fixture
def py_tls_server(pki, py_servers):
    return py_servers(pki.server_tls(client_ca_file=pki.ca))


def c_client(addr, *args):
    """Runs the C client: (exit status, its line)."""
    r = subprocess.run([peer_path("tls_peer"), "client", addr, *args], capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stdout.rstrip("\n")


# --- Python client -> C server ---


def test_python_client_c_server(pki, c_server):
    with onc.Client(f"tls://127.0.0.1:{c_server.tcp}", TLSPROG, 1, timeout=10,
                    tls=pki.client_tls()) as c:
        assert who(c) == "tls "  # no client certificate: an empty subject, as C says
        info = c.tls_info()
        assert (info.version, info.alpn) == ("TLSv1.3", "sunrpc")
        assert info.peer.subject == "CN=onc test server"
        data = bytes(range(256)) * 4096  # 1 MiB inside TLS, in 64 KiB pieces
        assert c.call(2, lambda p: p.pack_opaque(data, 1 << 24), onc.Unpacker.unpack_uint) == \
            (len(data) + sum(data)) & 0xFFFFFFFF


def test_python_client_c_server_mutual(pki, c_server):
    with onc.Client(f"tls://localhost:{c_server.tcp}", TLSPROG, 1, timeout=10,
                    tls=pki.mutual()) as c:
        assert who(c) == CLIENT_WHO


def test_python_client_c_server_opportunistic_and_cleartext(pki, c_server):
    opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
    with onc.Client(f"tcp://127.0.0.1:{c_server.tcp}", TLSPROG, 1, timeout=10, tls=opts) as c:
        assert who(c) == "tls " and c.is_tls()
    with onc.Client(f"tcp://127.0.0.1:{c_server.tcp}", TLSPROG, 1, timeout=10) as c:
        assert who(c) == "clear " and not c.is_tls()


def test_python_client_c_server_failures(pki, c_server):
    addr = f"tls://127.0.0.1:{c_server.tcp}"
    with pytest.raises(onc.TLSError, match="certificate verify failed"):
        onc.Client(addr, TLSPROG, 1, timeout=10, tls=pki.client_tls(ca_file=pki.other))
    with pytest.raises(onc.TLSError, match="Hostname mismatch"):
        onc.Client(addr, TLSPROG, 1, timeout=10, tls=pki.client_tls(server_name="x.example"))


def test_python_client_c_server_without_tls(pki):
    p = c_server_with()
    try:
        with pytest.raises(onc.TLSUnavailable):
            onc.Client(f"tls://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10, tls=pki.client_tls())
        opts = pki.client_tls(mode=tls.OPPORTUNISTIC)
        with onc.Client(f"tcp://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10, tls=opts) as c:
            assert who(c) == "clear "
    finally:
        p.stop()


def test_python_client_c_server_required_client_cert(pki):
    p = c_server_with(f"cert={pki.server}", f"key={pki.server_key}", f"client_ca={pki.ca}",
                      "require_client_cert")
    try:
        with pytest.raises(onc.TLSError, match="certificate required|refused this client"):
            with onc.Client(f"tls://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10,
                            tls=pki.client_tls()) as c:
                who(c)
        with onc.Client(f"tls://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10,
                        tls=pki.mutual()) as c:
            assert who(c) == CLIENT_WHO
    finally:
        p.stop()


def test_python_cleartext_call_to_c_tls_only_program(pki):
    p = c_server_with(f"cert={pki.server}", f"key={pki.server_key}", "require_tls")
    try:
        with onc.Client(f"tcp://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10) as c:
            with pytest.raises(onc.AuthError) as e:
                who(c)
            assert e.value.stat == onc.AuthStat.AUTH_TOOWEAK
        with onc.Client(f"tls://127.0.0.1:{p.tcp}", TLSPROG, 1, timeout=10,
                        tls=pki.client_tls()) as c:
            assert who(c) == "tls "
    finally:
        p.stop()


# --- C client -> Python server ---


def test_c_client_python_server(pki, py_tls_server):
    port = py_tls_server.tcp
    assert c_client(f"tls://127.0.0.1:{port}", f"ca={pki.ca}") == (0, "tls tls ")
    assert c_client(f"tls://localhost:{port}", f"ca={pki.ca}", f"cert={pki.client}",
                    f"key={pki.client_key}") == (0, "tls " + CLIENT_WHO)
    assert c_client(f"tcp://127.0.0.1:{port}", "mode=opportunistic",
                    f"ca={pki.ca}") == (0, "tls tls ")
    assert c_client(f"tcp://127.0.0.1:{port}") == (0, "clear clear ")


def test_c_client_python_server_failures(pki, py_tls_server, py_servers):
    port = py_tls_server.tcp
    status, line = c_client(f"tls://127.0.0.1:{port}", f"ca={pki.other}")
    assert status == 1 and line.startswith("ONC_ERR_TLS:"), line
    status, line = c_client(f"tls://127.0.0.1:{port}", f"ca={pki.ca}", "name=x.example")
    assert status == 1 and line.startswith("ONC_ERR_TLS:"), line
    plain = py_servers(None)
    status, line = c_client(f"tls://127.0.0.1:{plain.tcp}", f"ca={pki.ca}")
    assert status == 1 and line.startswith("ONC_ERR_TLS_UNAVAILABLE:"), line
    assert c_client(f"tcp://127.0.0.1:{plain.tcp}", "mode=opportunistic",
                    f"ca={pki.ca}") == (0, "clear clear ")


def test_c_client_python_server_required_client_cert(pki, py_servers):
    s = py_servers(pki.server_tls(client_ca_file=pki.ca, require_client_cert=True))
    status, line = c_client(f"tls://127.0.0.1:{s.tcp}", f"ca={pki.ca}")
    assert status == 1 and line.startswith(("ONC_ERR_TLS:", "ONC_ERR_IO:")), line
    assert c_client(f"tls://127.0.0.1:{s.tcp}", f"ca={pki.ca}", f"cert={pki.client}",
                    f"key={pki.client_key}") == (0, "tls " + CLIENT_WHO)


@pytest.mark.parametrize("server", ["python", "c"])
def test_c_client_missing_client_cert_is_a_tls_error(pki, py_servers, server):
    if server == "python":
        port = py_servers(pki.server_tls(client_ca_file=pki.ca, require_client_cert=True)).tcp
    else:
        p = c_server_with(f"cert={pki.server}", f"key={pki.server_key}",
                          f"client_ca={pki.ca}", "require_client_cert")
        port = p.tcp
    try:
        status, line = c_client(f"tls://127.0.0.1:{port}", f"ca={pki.ca}")
    finally:
        if server == "c":
            p.stop()
    assert status == 1 and line.startswith("ONC_ERR_TLS:"), line


def test_c_cleartext_call_to_python_tls_only_program(pki, py_servers):
    s = py_servers(pki.server_tls(), require_tls=True)
    status, line = c_client(f"tcp://127.0.0.1:{s.tcp}")
    assert status == 1 and line.startswith("ONC_ERR_AUTH:"), line
    assert c_client(f"tls://127.0.0.1:{s.tcp}", f"ca={pki.ca}") == (0, "tls tls ")


# --- the same probe bytes get the same reply bytes from both servers ---


PROBES = [
    ("probe", probe(TLSPROG)),
    ("probe of an unknown program", probe(TLSPROG + 1)),
    ("probe of an unknown version", probe(TLSPROG, vers=2)),
    ("AUTH_TLS on WHO", probe(TLSPROG, proc=1)),
    ("AUTH_TLS with a credential body", probe(TLSPROG, cred_body=b"abcd")),
    ("AUTH_TLS with an AUTH_SYS verifier", probe(TLSPROG, verf=(1, b""))),
    ("AUTH_TLS with a verifier body", probe(TLSPROG, verf=(0, b"abcd"))),
]


@pytest.mark.parametrize("name,call", PROBES, ids=[p[0] for p in PROBES])
def test_same_probe_same_reply(pki, c_server, py_tls_server, name, call):
    replies = []
    for port in (c_server.tcp, py_tls_server.tcp):
        s, got = exchange_raw(port, call)
        s.close()
        replies.append(got.hex(" ", 4))
    assert replies[0] == replies[1], f"C: {replies[0]}\nPython: {replies[1]}"
    assert replies[0].startswith(f"{XID:08x} 00000001")


def test_same_refusals_where_tls_is_not_offered(pki, c_server, py_tls_server, py_servers):
    """UDP (no DTLS), a server without TLS, and a probe inside TLS: AUTH_REJECTEDCRED from
    both runtimes."""
    call = probe(TLSPROG)
    for port in (c_server.udp, py_tls_server.udp):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(10)
            u.sendto(call, ("127.0.0.1", port))
            assert u.recv(100) == REFUSED
    c_plain = c_server_with()
    try:
        for port in (c_plain.tcp, py_servers(None).tcp):
            s, got = exchange_raw(port, call)
            s.close()
            assert got == REFUSED
    finally:
        c_plain.stop()
    for port in (c_server.tcp, py_tls_server.tcp):
        raw, got = exchange_raw(port, call)
        assert got[12:28] == words(0, 8, b"STARTTLS")
        with hand_written_client_context(pki).wrap_socket(raw, server_hostname="localhost") as t:
            assert t.selected_alpn_protocol() == "sunrpc"
            t.sendall(frame_words(call))
            assert read_record(t) == REFUSED


# --- 1,000 handshakes at once ---


def test_thousand_concurrent_handshakes_on_the_c_server(pki):
    """1,000 clients at once, each written here from the RFC (asyncio streams and ssl): the
    probe, STARTTLS, TLS 1.3 with ALPN "sunrpc", then a NULL call inside TLS, all connections
    open together. The C server answers every one, and afterwards holds as many descriptors
    as before and still serves an onc client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))  # for the server too
    p = c_server_with(f"cert={pki.server}", f"key={pki.server_key}")
    try:
        fds = f"/proc/{p.proc.pid}/fd"
        before = len(os.listdir(fds))
        ctx = hand_written_client_context(pki)
        all_open = asyncio.Event()
        opened = 0

        async def read_async(reader):
            head = await reader.readexactly(4)
            return await reader.readexactly(struct.unpack(">I", head)[0] & 0x7FFFFFFF)

        async def client(i):
            nonlocal opened
            reader, writer = await asyncio.open_connection("127.0.0.1", p.tcp)
            writer.write(frame_words(XID, 0, 2, TLSPROG, 1, 0, 7, 0, 0, 0))
            assert await read_async(reader) == words(XID, 1, 0, 0, 8, b"STARTTLS", 0)
            await writer.start_tls(ctx, server_hostname="localhost")
            assert writer.get_extra_info("ssl_object").selected_alpn_protocol() == "sunrpc"
            opened += 1
            if opened == N:
                all_open.set()
            await all_open.wait()  # every connection is open and secured at once
            writer.write(frame_words(i, 0, 2, TLSPROG, 1, 0, 0, 0, 0, 0))
            assert await read_async(reader) == words(i, 1, 0, 0, 0, 0)
            writer.close()
            await writer.wait_closed()

        N = 1000

        async def all_clients():
            return await asyncio.wait_for(
                asyncio.gather(*(client(i) for i in range(N)), return_exceptions=True), 120)

        errors = [r for r in asyncio.run(all_clients()) if r is not None]
        assert not errors, f"{len(errors)} of {N} failed, the first: {errors[0]!r}"
        for _ in range(100):  # the server closes its ends as it reads the ends of file
            if len(os.listdir(fds)) <= before:
                break
            time.sleep(0.05)
        assert len(os.listdir(fds)) <= before
        assert c_client(f"tls://127.0.0.1:{p.tcp}", f"ca={pki.ca}")[0] == 0
    finally:
        p.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
