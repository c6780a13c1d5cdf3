"""What the RPC-with-TLS tests share: certificates made at test time with the openssl CLI
(Pki), and the probe's bytes written by hand from RFC 9289 section 4.1, not by onc."""

import socket
import ssl
import struct
import subprocess

from onc import tls
from testprog import TESTPROG

# --- certificates ---


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"openssl {' '.join(args)}:\n{r.stderr}"


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN=onc test {name}", cwd=d)


def make_cert(d, name, ca, subj, ext):
    (d / f"{name}.ext").write_text(ext)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subj, cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext",
            cwd=d)


def make_expired(d, name, ca, csr_of, ext_of):
    """A certificate valid for one day in 2020 (openssl ca sets the dates; x509 -req cannot
    in OpenSSL 3.0)."""
    (d / "db").mkdir()
    (d / "db" / "index").write_text("")
    (d / "db" / "serial").write_text("01\n")
    (d / "ca.cnf").write_text("[ca]\ndefault_ca = t\n[t]\ndatabase = db/index\n"
                              "new_certs_dir = db\nserial = db/serial\ndefault_md = sha256\n"
                              "policy = any\n[any]\ncommonName = supplied\n")
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", f"{ca}.pem", "-keyfile", f"{ca}.key",
            "-in", f"{csr_of}.csr", "-out", f"{name}.pem", "-extfile", f"{ext_of}.ext",
            "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", cwd=d)


SERVER_EXT = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n"
CLIENT_EXT = ("subjectAltName=DNS:client.example,IP:192.0.2.7,email:client@example.org\n"
              "extendedKeyUsage=clientAuth\n")


class Pki:
    def __init__(self, d):
        self.dir = d
        make_ca(d, "ca")
        make_ca(d, "other")
        make_cert(d, "server", "ca", "/CN=onc test server", SERVER_EXT)
        make_cert(d, "client", "ca", "/O=onc/CN=client", CLIENT_EXT)
        make_cert(d, "stranger", "other", "/CN=stranger", CLIENT_EXT)
        make_expired(d, "expired", "ca", "server", "server")

    def __getattr__(self, name):  # pki.ca -> ".../ca.pem", pki.server_key -> ".../server.key"
        stem, _, kind = name.partition("_")
        return str(self.dir / (f"{stem}.key" if kind == "key" else f"{stem}.pem"))

    def server_tls(self, **kw):
        return tls.ServerTLS(self.server, self.server_key, **kw)

    def client_tls(self, **kw):
        return tls.ClientTLS(**{"ca_file": self.ca, **kw})

    def mutual(self, **kw):
        return self.client_tls(cert_file=self.client, key_file=self.client_key, **kw)



# --- the probe, by hand ---


def words(*ws):
    return b"".join(w if isinstance(w, bytes) else struct.pack(">I", w) for w in ws)


def frame_words(*ws):
    body = words(*ws)
    return struct.pack(">I", len(body) | 0x80000000) + body


XID = 0x1234ABCD


def probe(prog, vers=1, proc=0, cred_body=b"", verf=(0, b"")):
    """An AUTH_TLS call, by default the RFC 9289 probe: NULL, credential AUTH_TLS with an
    empty body, verifier AUTH_NONE."""
    return words(XID, 0, 2, prog, vers, proc, 7, len(cred_body), cred_body, verf[0],
                 len(verf[1]), verf[1])


PROBE = probe(TESTPROG)
STARTTLS_OK = words(XID, 1, 0, 0, 8, b"STARTTLS", 0)  # MSG_ACCEPTED, verf "STARTTLS", SUCCESS
REFUSED = words(XID, 1, 1, 1, 2)  # MSG_DENIED, AUTH_ERROR, AUTH_REJECTEDCRED


def exchange_raw(port, msg, *, host="127.0.0.1"):
    """Sends msg as one record on a new TCP connection and returns (socket, reply body)."""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(struct.pack(">I", len(msg) | 0x80000000) + msg)
    return s, read_record(s)


def read_record(s):
    head = recv_exact(s, 4)
    n = struct.unpack(">I", head)[0] & 0x7FFFFFFF
    return recv_exact(s, n)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        got = s.recv(n - len(buf))
        if not got:
            raise ConnectionError(f"closed after {buf!r}")
        buf += got
    return buf


def hand_written_client_context(pki):
    """An RFC 9289 client's TLS, written here from the RFC, not taken from onc."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(pki.ca)
    ctx.set_alpn_protocols(["sunrpc"])
    return ctx
