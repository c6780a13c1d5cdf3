#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/: a few well-formed inputs per target, in
the input layout each target's header comment describes, so that the fuzzer starts from
messages that reach deep into the code. Run it again after changing a layout; the files are
checked in."""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")


def u32(*vs):
    return b"".join(struct.pack(">I", v & 0xFFFFFFFF) for v in vs)


def u64(*vs):
    return b"".join(struct.pack(">Q", v) for v in vs)


def opaque(b, pad=b"\0\0\0"):
    return u32(len(b)) + b + pad[: (4 - len(b) % 4) % 4]


def auth_none():
    return u32(0, 0)


def auth_sys_body(name=b"localhost", uid=1000, gid=1000, gids=(4, 24, 27)):
    return u32(0x5F5E0F01) + opaque(name) + u32(uid, gid, len(gids), *gids)


def call(xid, prog, vers, proc, cred=None, verf=None, rpcvers=2):
    return (u32(xid, 0, rpcvers, prog, vers, proc) + (cred or auth_none()) +
            (verf or auth_none()))


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_xdr: flags, arena limit, buffer size, op count, ops, data ----
def xdr_op(kind, sel=0):
    return kind | sel << 4


def xdr_seeds():
    # Maxima: 0, 1, 3, 4, 16, 255, 1024, UINT32_MAX; fixed sizes: 0, 1, 2, 3, 4, 5, 7, 16.
    scalars = bytes(xdr_op(k) for k in range(8))
    data = (u32(42) + u64(1 << 40) + u32(-7) + u32(1) + u32(2) + struct.pack(">f", 1.5) +
            struct.pack(">d", -2.25) + bytes(range(16)))
    write("fuzz_xdr", "scalars", bytes([0, 0, 0, len(scalars)]) + scalars + data)
    ops = bytes([xdr_op(11, 5), xdr_op(10, 4), xdr_op(9, 6), xdr_op(12, 4), xdr_op(13, 4),
                 xdr_op(8, 5), xdr_op(14, 1), xdr_op(15, 7)])
    data = (opaque(b"sillyprog") + opaque(b"\1\2\3") + opaque(b"ref") + u32(3, 1, 2, 3) +
            u32(2) + u64(5, 6) + b"five!\0\0\0" + b"\0\0\0" + u32(1000))
    write("fuzz_xdr", "variable", bytes([0, 0, 0, len(ops)]) + ops + data)
    write("fuzz_xdr", "variable-strict-arena", bytes([1 | 2 << 1, 4, 0, len(ops)]) + ops + data)
    bad_pad = opaque(b"abcde", pad=b"\1\2\3")
    write("fuzz_xdr", "bad-padding-strict", bytes([1, 0, 0, 2, xdr_op(11, 5), xdr_op(0)]) +
          bad_pad + u32(9))
    long_string = opaque(b"x" * 200)
    write("fuzz_xdr", "tiny-arena", bytes([3 << 1, 0, 0, 1, xdr_op(11, 5)]) + long_string)
    write("fuzz_xdr", "fixed-encoder", bytes([8, 0, 6, 2, xdr_op(11, 5), xdr_op(1)]) +
          opaque(b"sillyprog") + u64(3))
    write("fuzz_xdr", "huge-count", bytes([2 << 1, 0, 0, 2, xdr_op(12, 7), xdr_op(15, 7)]) +
          u32(0xFFFFFFFF) + u32(0x40000000))


# ---- fuzz_rpc: flags, message ----
def rpc_seeds():
    write("fuzz_rpc", "call-none", b"\1" + call(1, 100003, 3, 0) + u32(7))
    write("fuzz_rpc", "call-sys", b"\1" + call(2, 100000, 2, 3, u32(1) + opaque(auth_sys_body())))
    write("fuzz_rpc", "call-rpcvers-3", b"\0" + call(3, 1, 1, 1, rpcvers=3))
    write("fuzz_rpc", "reply-success", b"\0" + u32(4, 1, 0) + auth_none() + u32(0, 2049))
    write("fuzz_rpc", "reply-prog-mismatch", b"\0" + u32(5, 1, 0) + auth_none() + u32(2, 2, 4))
    write("fuzz_rpc", "reply-rpc-mismatch", b"\0" + u32(6, 1, 1, 0, 2, 2))
    write("fuzz_rpc", "reply-auth-error", b"\0" + u32(7, 1, 1, 1, 5))
    write("fuzz_rpc", "auth-sys-body", b"\0" + auth_sys_body(b"h", 0, 0, tuple(range(16))))


# ---- fuzz_record: selectors, chunk sizes, stream ----
def rm(data, last=True):
    return u32(len(data) | (0x80000000 if last else 0)) + data


def record_seeds():
    write("fuzz_record", "one-record", bytes([0, 0]) + rm(b"abcdefgh"))
    write("fuzz_record", "fragments", bytes([4 | 2 << 3, 3, 1, 5, 0]) +
          rm(b"abc", False) + rm(b"", False) + rm(b"defg") + rm(b"next"))
    write("fuzz_record", "byte-by-byte", bytes([5, 1, 1]) + rm(b"0123456789") + rm(b""))
    write("fuzz_record", "too-big", bytes([3, 0]) + rm(b"12345678") + u32(0xFFFFFFFF))
    write("fuzz_record", "claims-2gib", bytes([7, 2, 7, 0]) + u32(0x7FFFFFFF) + b"x" * 64)


# ---- fuzz_server: mode, proc, vers, cred, prog selector, xid, credential bytes, args ----
def server(mode, proc, vers, args, cred=0, cred_bytes=b""):
    return bytes([mode, proc, vers, cred, 0]) + u32(0x1000 + proc) + cred_bytes + args


def server_seeds():
    sys_cred = bytes([9]) + b"localhost" + u32(1, 1000, 1000) + bytes([2]) + u32(4, 24)
    write("fuzz_server", "null", server(0, 0, 1, b""))
    write("fuzz_server", "inc-sys", server(1, 1, 1, u32(41), 1, sys_cred))
    write("fuzz_server", "echo", server(0, 2, 2, opaque(b"hello")))
    write("fuzz_server", "sum", server(1, 3, 1, u32(4, 1, 2, 3, 4)))
    write("fuzz_server", "list", server(0, 4, 1, u32(1, 10, 1, 20, 1, 30, 0)))
    write("fuzz_server", "all", server(1, 5, 1, u32(7) + opaque(b"name") + u32(2, 8, 9) +
                                       u32(1, 5, 0)))
    write("fuzz_server", "fail", server(0, 6, 1, b""))
    write("fuzz_server", "vers-mismatch", server(0, 1, 3, u32(1)))
    write("fuzz_server", "raw-call", b"\3" + call(9, 0x20000F22, 1, 2, u32(1) +
                                                  opaque(auth_sys_body())) + opaque(b"raw"))


# ---- fuzz_rpcbind: calls: control, body length, body ----
def rb(proc, vers, body, sys_cred=False, record_mark=False):
    ctl = proc | (vers - 2) << 4 | (64 if sys_cred else 0) | (128 if record_mark else 0)
    extra = bytes([9]) + b"localhost" + u32(1, 0, 0) + bytes([0]) if sys_cred else b""
    assert len(body) < 255
    return bytes([ctl, len(body)]) + extra + body


def rpcb(prog, vers, netid, addr, owner):
    return u32(prog, vers) + opaque(netid) + opaque(addr) + opaque(owner)


def rpcbind_seeds():
    m = u32(100003, 3, 6, 2049)
    write("fuzz_rpcbind", "v2", rb(0, 2, b"") + rb(1, 2, m) +
          rb(3, 2, m) + rb(4, 2, b"") + rb(2, 2, m, True) + rb(5, 2, m))
    r = rpcb(100003, 3, b"tcp", b"0.0.0.0.8.1", b"nfs")
    q = rpcb(100003, 3, b"tcp", b"", b"")
    write("fuzz_rpcbind", "v3", rb(1, 3, r) + rb(3, 3, q, record_mark=True) +
          rb(4, 3, b"") + rb(6, 3, b"") + rb(2, 3, r))
    write("fuzz_rpcbind", "v4", rb(1, 4, r, True) + rb(9, 4, q) +
          rb(11, 4, q) + rb(12, 4, b"") + rb(4, 4, b""))
    sin = struct.pack("<H", 2) + struct.pack(">H", 2049) + bytes([127, 0, 0, 1]) + bytes(8)
    write("fuzz_rpcbind", "addresses", rb(7, 3, opaque(b"127.0.0.1.8.1")) +
          rb(7, 4, opaque(b"::1.0.111")) + rb(8, 3, u32(16) + opaque(sin)))


# ---- fuzz_x_parser: .x texts ----
def x_seeds():
    sources = [os.path.join(ROOT, "tests", "compiler", "all_types.x"),
               os.path.join(ROOT, "tests", "peers", "peers.x")]
    errors = os.path.join(ROOT, "tests", "compiler", "errors")
    if os.path.isdir(errors):
        sources += [os.path.join(errors, f) for f in sorted(os.listdir(errors))
                    if f.endswith(".x")]
    for src in sources:
        if os.path.isfile(src):
            shutil.copy(src, os.path.join(CORPUS, "fuzz_x_parser", os.path.basename(src)))
    write("fuzz_x_parser", "markers.x",
          b'# 1 "calc.x"\nconst N = 4;\n#line 20 "other.x"\nstruct s { int a<N>; s *next; };\n'
          b"union u switch (int d) { case 0: int x; default: void; };\n"
          b"program P { version V { s F(u, int) = 1; } = 1; } = 0x20000001;\n")


# ---- fuzz_generated: a type picker and zeroed bytes (empty arrays, FALSE optionals, 0
# discriminants), in the four modes ----
def generated_seeds():
    for pick in range(0, 64, 5):
        write("fuzz_generated", f"zeros-{pick}", bytes([pick]) + bytes(96))
    write("fuzz_generated", "list", bytes([3]) + u32(1) * 3 + u32(0))


# ---- fuzz_json: a type of all_types.x (its place among the file's types, netobj first) times
# two, plus one for JSON text (tests/cli/everything.json among them) or none for XDR bytes ----
def json_seeds():
    def as_json(index):
        return bytes([index * 2 + 1])

    def as_xdr(index):
        return bytes([index * 2])

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "tests", "cli", "everything.json"), "rb") as f:
        write("fuzz_json", "everything", as_json(29) + f.read())
    write("fuzz_json", "small", as_json(5) + b'{"a": -1, "c": "BLUE", "big": "18446744073709551615"}')
    write("fuzz_json", "nan-bits", as_json(15) + b'{"kind": 9, "f": "0x7fc00001"}')
    write("fuzz_json", "list-escapes",
          as_json(10) + b'[{"value": 1, "tag": "\\uef80\\u00e9"}, {"value": 2, "tag": ""}]')
    write("fuzz_json", "quads", as_json(30) + b'{"q": "000102030405060708090a0b0c0d0e0f", "qs": []}')
    write("fuzz_json", "inline",
          as_json(36) + b'{"pos": {"x": 1, "y": 2}, "tint": "IN_BLUE", "extra": {"kind": 1, '
          b'"h": 5}, "maybe": null, "many": [{"n": 3}]}')
    write("fuzz_json", "tree", as_xdr(11) + u32(5, 1, 3, 0, 0, 1, 8, 0, 0))
    write("fuzz_json", "shape", as_xdr(13) + u32(1, 3) + b"abc\0")


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    os.makedirs(os.path.join(CORPUS, "fuzz_x_parser"))
    xdr_seeds()
    rpc_seeds()
    record_seeds()
    server_seeds()
    rpcbind_seeds()
    x_seeds()
    generated_seeds()
    json_seeds()
    total = sum(os.path.getsize(os.path.join(d, f))
                for d, _, fs in os.walk(CORPUS) for f in fs)
    print(f"seeds: {total} bytes in {CORPUS}", file=sys.stderr)


if __name__ == "__main__":
    main()
