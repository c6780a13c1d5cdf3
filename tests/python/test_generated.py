"""`onc gen --lang python`: the generated modules compile and import (all_types.x and every
/usr/include/rpcsvc/*.x the C generator accepts), values round-trip, Python-encoded bytes are
what the C codecs generated from the same file decode and encode again byte for byte, and a
generated client and server talk to the C test peers over TCP and UDP."""

import glob
import importlib.util
import os
import py_compile
import shutil
import subprocess
import sys

import pytest

import onc
from conftest import ROOT, build_dir, peer_path

ALL_TYPES_X = ROOT / "tests" / "compiler" / "all_types.x"
PEERS_X = ROOT / "tests" / "peers" / "peers.x"
RPCSVC = sorted(glob.glob("/usr/include/rpcsvc/*.x"))


def onc_bin():
    p = build_dir() / "cli" / "onc"
    if not os.access(p, os.X_OK):
        pytest.fail(f"{p} is missing: cmake --build {build_dir()} --target onc", pytrace=False)
    return str(p)


def gen(x, out, *extra):
    return subprocess.run([onc_bin(), "gen", *extra, "-o", str(out), str(x)],
                          capture_output=True, text=True, timeout=60)


def load(path):
    name = f"gen_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def generate(x, out):
    r = gen(x, out, "--lang", "python")
    assert r.returncode == 0, r.stderr
    py = out / (x.name[:-2] + ".py")
    assert py.exists()
    py_compile.compile(str(py), doraise=True)
    return load(py)


@pytest.fixture(scope="module")
def at(tmp_path_factory):
    return generate(ALL_TYPES_X, tmp_path_factory.mktemp("all_types"))


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    return generate(PEERS_X, tmp_path_factory.mktemp("peers"))


def roundtrip(pack, unpack, v):
    p = onc.Packer()
    pack(p, v)
    data = p.get_buffer()
    u = onc.Unpacker(data, strict_padding=True)
    back = unpack(u)
    u.done()
    assert back == v
    return data


def xdr_error(status, fn, *args):
    with pytest.raises(onc.XdrError) as e:
        fn(*args)
    assert e.value.status == status, e.value
    return e.value


def packed(pack, v):
    p = onc.Packer()
    pack(p, v)
    return p.get_buffer()


def unpacked(unpack, data):
    u = onc.Unpacker(data)
    v = unpack(u)
    u.done()
    return v


# --- command line ---

def test_lang_option(tmp_path):
    r = gen(PEERS_X, tmp_path, "--lang", "cobol")
    assert r.returncode != 0 and "--lang" in r.stderr
    r = gen(PEERS_X, tmp_path, "--lang=python")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path)) == ["peers.py"]  # Python only, nothing else
    r = gen(PEERS_X, tmp_path / "c")  # C stays the default
    assert r.returncode == 0, r.stderr
    assert "peers.h" in os.listdir(tmp_path / "c") and "peers.py" not in os.listdir(tmp_path / "c")


def test_errors_write_nothing(tmp_path):
    bad = tmp_path / "bad.x"
    bad.write_text("struct s { undefined_type x; };\n")
    r = gen(bad, tmp_path / "out", "--lang", "python")
    assert r.returncode == 1
    assert "error" in r.stderr
    assert not (tmp_path / "out" / "bad.py").exists()


# --- the rpcsvc corpus: whatever `onc gen` accepts for C, it accepts for Python ---

@pytest.mark.parametrize("x", RPCSVC, ids=[os.path.basename(x) for x in RPCSVC])
def test_rpcsvc_corpus(tmp_path, x):
    from pathlib import Path
    c_ok = gen(x, tmp_path / "c").returncode == 0
    r = gen(x, tmp_path, "--lang", "python")
    assert (r.returncode == 0) == c_ok, r.stderr
    if not c_ok:
        return
    py = tmp_path / (Path(x).name[:-2] + ".py")
    py_compile.compile(str(py), doraise=True)
    mod = load(py)
    # Every struct and union's default value round-trips through its codec.
    classes = [v for k, v in vars(mod).items() if isinstance(v, type) and hasattr(v, "unpack")
               and getattr(mod, "unpack_" + k, None) is not None]
    assert classes, "no types generated"
    for cls in classes:
        roundtrip(lambda p, v: v.pack(p), cls.unpack, cls())
    if "nfs_prot" in x:  # a generated client class per program version
        assert issubclass(mod.NfsClient, onc.Client) and hasattr(mod.NfsClient, "getattr")
        assert mod.NfsServer.PROCEDURES[mod.NFSPROC_GETATTR].name == "getattr"


# --- all_types.x in Python ---

def test_constants_and_enums(at):
    assert (at.MAXNAME, at.NEGATIVE, at.HEXVALUE, at.FIXED_N, at.ALIAS_N) == (32, -7, 16, 3, 3)
    assert at.color.GREEN == 1 and at.BLUE is at.color.BLUE
    assert at.S_ALIAS == at.S_MID == 10
    assert at.ALL_TYPES_PROG == 0x20000099 and at.ALL_TYPES_V2 == 2 and at.ALL_LIST == 4
    assert packed(at.pack_sparse, at.S_LOW) == b"\xff\xff\xff\xfb"
    v = unpacked(at.unpack_sparse, b"\0\0\x03\xe8")
    assert v is at.sparse.S_HIGH
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_sparse, b"\0\0\0\x0b")  # undeclared


def test_scalars(at):
    s = at.scalars(i=-1, u=2**32 - 1, plain_unsigned=7, h=-2**63, uh=2**64 - 1, f=1.5, d=-0.25,
                   b=True, c=at.BLUE, sp=at.S_HIGH, cn=at.C_TWO, l=-5, ul=6)
    data = roundtrip(at.pack_scalars, at.unpack_scalars, s)
    assert data[:4] == b"\xff\xff\xff\xff" and len(data) == 4 * 3 + 8 * 2 + 4 + 8 + 4 * 6
    for bad in (dict(i=2**31), dict(u=-1), dict(h=2**63), dict(f=1e40), dict(b=2)):
        v = at.scalars(**bad)
        xdr_error(onc.Status.BAD_VALUE, packed, at.pack_scalars, v)
    p = onc.Packer()
    at.scalars().pack(p)
    raw = bytearray(p.get_buffer())
    raw[4 * 3 + 16 + 4 + 8 + 3] = 2  # b = 2
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_scalars, bytes(raw))
    xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_scalars, p.get_buffer()[:-1])


def sample_arrays(at):
    return at.arrays(
        fi=[1, -2, 3], fu=[4, 5], fh=[-6, 7], fuh=[8, 9, 2**64 - 1], ff=[0.5, -1.0],
        fd=[1e300, -2.5], fc=[at.RED, at.GREEN, at.BLUE], fb=[True, False],
        fs=[at.small(1, at.GREEN, 2), at.small(-3, at.BLUE, 4)],
        vi=list(range(-20, 20)), vib=[1] * 10, vu=[2**32 - 1], vh=[-1, 1], vuh=[1, 2, 3, 4, 5],
        vf=[0.25] * 3, vd=[1.0, 2.0], vc=[at.BLUE, at.RED], vb=[True, False, True, True],
        vs=[at.small(7, at.RED, 8)], fo=b"abcde", fo4=b"\0\1\2\3\4\5", vo=b"x" * 9, vob=b"1234567",
        s="héllo", sb="n" * 32)


def sample_everything(at):
    lst = at.list(1, "a", at.list(2, "bb", at.list(3, "ccc", None)))
    tree = at.tree(10, at.tree(5, None, None), at.tree(20, None, at.tree(30, None, None)))
    chain = at.chain(at.chain(None, 2), 1)
    return at.everything(
        sc=at.scalars(i=1, u=2, h=3, b=True, c=at.GREEN, sp=at.S_MID),
        ar=sample_arrays(at),
        ne=at.nested(at.small(1, at.RED, 2), -9, [at.small(3, at.GREEN, 4), at.small(5, at.BLUE, 6)]),
        op=at.optionals(oi=5, os=at.small(1, at.BLUE, 1), name="opt", oh=None),
        li=lst, tr=tree, ch=chain,
        sh=at.shape(at.GREEN, "label"), mb=at.maybe(True, at.small(9, at.RED, 9)),
        wd=at.with_default(77, 2.5), bc=at.big_case(4000000000, -1), ov=at.only_void(at.S_HIGH),
        mi=[1, 2, 3], nm="name", hs=bytes(range(16)), bl=b"blob", cs=[at.RED] * 4,
        sm=[at.small(i, at.RED, i) for i in range(10)], nms=["a", "bc", ""],
        shp=at.shape(at.RED, 12), hy=[-1, 2**63 - 1], sa=at.small_alias(2, at.GREEN, 3),
        no=b"netobj", shapes=[at.shape(at.RED, 1), at.shape(at.BLUE, "b")],
        lists=[at.list(1, "x", None), at.list(2, "y", at.list(3, "z", None))])


def test_everything_roundtrip(at):
    roundtrip(at.pack_everything, at.unpack_everything, at.everything())  # defaults encode
    data = roundtrip(at.pack_everything, at.unpack_everything, sample_everything(at))
    for n in (0, 4, len(data) // 2, len(data) - 1):  # every prefix is truncated
        xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_everything, data[:n])


def test_unions(at):
    assert packed(at.pack_shape, at.shape(at.RED, 7)) == b"\0\0\0\0\0\0\0\7"
    assert packed(at.pack_shape, at.shape(at.BLUE, "ab")) == b"\0\0\0\2\0\0\0\2ab\0\0"
    assert packed(at.pack_maybe, at.maybe(False)) == b"\0\0\0\0"
    assert unpacked(at.unpack_maybe, b"\0\0\0\0") == at.maybe(False, None)
    for v in (at.with_default(1, -5), at.with_default(2, b"xyz"), at.with_default(-3, None),
              at.with_default(12345, 0.5), at.big_case(0, None), at.big_case(4000000000, 3),
              at.only_void(at.S_LOW), at.only_void(at.S_MID)):
        roundtrip(at.pack_with_default if isinstance(v, at.with_default) else
                  getattr(at, "pack_" + type(v).__name__), getattr(at, "unpack_" + type(v).__name__), v)
    assert packed(at.pack_with_default, at.with_default(9, 1.0)) == b"\0\0\0\x09\x3f\x80\0\0"
    # No default arm: an undeclared discriminant is BAD_VALUE both ways.
    xdr_error(onc.Status.BAD_VALUE, packed, at.pack_big_case, at.big_case(1, None))
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_big_case, b"\0\0\0\1")
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_shape, b"\0\0\0\7\0\0\0\0")  # enum
    xdr_error(onc.Status.TOO_LONG, packed, at.pack_shape, at.shape(at.GREEN, "x" * 17))


def test_limits(at):
    a = sample_arrays(at)
    for field, value, status in (("vib", [0] * 11, onc.Status.TOO_LONG),
                                 ("vuh", [0] * 6, onc.Status.TOO_LONG),
                                 ("vb", [True] * 5, onc.Status.TOO_LONG),
                                 ("vob", b"x" * 8, onc.Status.TOO_LONG),
                                 ("sb", "y" * 33, onc.Status.TOO_LONG),
                                 ("fi", [1, 2], onc.Status.BAD_VALUE),
                                 ("fo", b"abcd", onc.Status.BAD_VALUE),
                                 ("fs", [at.small()], onc.Status.BAD_VALUE)):
        bad = at.arrays(**{**vars(a), field: value})
        xdr_error(status, packed, at.pack_arrays, bad)
    xdr_error(onc.Status.TOO_LONG, packed, at.pack_name, "n" * 33)
    xdr_error(onc.Status.TOO_LONG, unpacked, at.unpack_name, b"\0\0\0\x21" + b"n" * 36)
    xdr_error(onc.Status.TOO_LONG, packed, at.pack_smalls, [at.small()] * 11)
    # A count the input cannot back is refused before anything is built.
    xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_myints, b"\xff\xff\xff\xf0")
    xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_names, b"\0\0\x10\0" + b"\0" * 16)
    xdr_error(onc.Status.BAD_VALUE, packed, at.pack_hash, b"short")
    # Optional data nests at most max_depth deep (chain is coded by recursion).
    deep = None
    for i in range(50):
        deep = at.chain(deep, i)
    data = packed(at.pack_chain, deep)
    assert unpacked(at.unpack_chain, data) == deep
    u = onc.Unpacker(data, max_depth=10)
    xdr_error(onc.Status.TOO_DEEP, at.unpack_chain, u)


def test_long_list_uses_a_loop(at):
    n = 100000  # far past Python's recursion limit
    head = None
    for i in reversed(range(n)):
        head = at.list(i, str(i % 100), head)
    data = packed(at.pack_list, head)
    assert len(data) == n * 16  # value, tag (length + up to 2 bytes, padded), more?
    back = unpacked(at.unpack_list, data)
    count, node = 0, back
    while node is not None:
        assert node.value == count
        count, node = count + 1, node.next
    assert count == n
    p = onc.Packer()
    at.pack_listptr(p, head)
    assert p.get_buffer()[:4] == b"\0\0\0\1" and len(p.get_buffer()) == n * 16 + 4


def test_quads_and_inline_types(at):
    roundtrip(at.pack_quads, at.unpack_quads, at.quads(bytes(range(16)), [b"\1" * 16, b"\2" * 16]))
    v = at.inline_types(pos=at.inline_types_pos(1, 2), tint=at.IN_BLUE,
                        extra=at.inline_types_extra(1, 99), maybe=at.inline_types_maybe("m"),
                        many=[at.inline_types_many(4)])
    roundtrip(at.pack_inline_types, at.unpack_inline_types, v)
    roundtrip(at.pack_inline_tags, at.unpack_inline_tags, [at.IT_C, at.IT_A])
    roundtrip(at.pack_inline_pair, at.unpack_inline_pair, at.inline_pair(3, "s"))


def test_client_and_server_classes(at):
    assert issubclass(at.AllTypesV1Client, onc.Client)
    assert (at.AllTypesV1Client.PROGRAM, at.AllTypesV1Client.VERSION) == (0x20000099, 1)
    assert (at.AllTypesV2Server.PROGRAM, at.AllTypesV2Server.VERSION) == (0x20000099, 2)
    procs = at.AllTypesV1Server.PROCEDURES
    assert [procs[i].name for i in sorted(procs)] == ["null", "echo", "add", "name"]
    # Several arguments: decoded in order; the result encoder writes the declared type.
    p = onc.Packer()
    p.pack_int(40), p.pack_int(2)
    assert procs[2].decode_args(onc.Unpacker(p.get_buffer())) == (40, 2)
    p = onc.Packer()
    at.AllTypesV2Server.PROCEDURES[4].encode_result(p, at.list(1, "t", None))
    assert p.get_buffer() == b"\0\0\0\1\0\0\0\1t\0\0\0\0\0\0\0"
    with pytest.raises(onc.ProcUnavail):
        at.AllTypesV1Server().add(1, 2)


# --- Python bytes against the C codecs generated from the same file ---

@pytest.fixture(scope="module")
def c_helper(tmp_path_factory):
    """A small C program built from `onc gen all_types.x` and libonc: it decodes a value of
    the named type from stdin with the generated C decoder, and writes it encoded again."""
    cc = shutil.which("cc") or shutil.which("gcc")
    lib = build_dir() / "lib" / "libonc.a"
    if cc is None or not lib.exists():
        pytest.fail(f"need a C compiler and {lib}", pytrace=False)
    d = tmp_path_factory.mktemp("c_helper")
    r = gen(ALL_TYPES_X, d)
    assert r.returncode == 0, r.stderr
    (d / "helper.c").write_text(r'''
#include <stdio.h>
#include <string.h>
#include "all_types.h"
static unsigned char in[1 << 23];
#define TYPES X(everything) X(quads) X(inline_types) X(list) X(scalars) X(with_default)
int main(int argc, char **argv)
{
	size_t n = fread(in, 1, sizeof in, stdin);
	onc_xdr_dec d;
	onc_xdr_dec_init(&d, in, n, NULL);
	onc_xdr_enc e;
	onc_xdr_enc_init(&e);
	onc_status s = ONC_ERR_INVALID_ARG;
#define X(T) if (argc > 1 && strcmp(argv[1], #T) == 0) { T v; s = T##_decode(&d, &v); \
	if (s == ONC_OK && d.p != d.end) s = ONC_ERR_TRAILING_DATA; \
	if (s == ONC_OK) { s = T##_encode(&e, &v); T##_free(&v); } }
	TYPES
	if (s != ONC_OK) { fprintf(stderr, "%s\n", onc_strerror(s)); return 1; }
	fwrite(onc_xdr_enc_data(&e), 1, onc_xdr_enc_len(&e), stdout);
	onc_xdr_enc_free(&e);
	return 0;
}
''')
    exe = d / "helper"
    r = subprocess.run([cc, "-std=c11", "-O1", f"-I{ROOT / 'include'}", f"-I{d}", str(d / "helper.c"),
                        str(d / "all_types_xdr.c"), str(lib), "-lpthread", "-o", str(exe)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr

    def run(type_name, data):
        r = subprocess.run([str(exe), type_name], input=data, capture_output=True, timeout=60)
        return r.returncode, r.stdout, r.stderr.decode()
    return run


def test_python_bytes_equal_c_bytes(at, c_helper):
    lst = None
    for i in range(1000):
        lst = at.list(i, "t" * (i % 9), lst)
    cases = [("everything", at.pack_everything, sample_everything(at)),
             ("everything", at.pack_everything, at.everything()),
             ("quads", at.pack_quads, at.quads(bytes(range(16)), [b"\3" * 16])),
             ("inline_types", at.pack_inline_types,
              at.inline_types(at.inline_types_pos(-1, 1), at.IN_RED, at.inline_types_extra(2),
                              None, [at.inline_types_many(1), at.inline_types_many(2)])),
             ("list", at.pack_list, lst),
             ("scalars", at.pack_scalars,
              at.scalars(-7, 7, 8, -9, 9, 3.25, 1e-300, True, at.GREEN, at.S_LOW, at.C_ONE, -1, 1)),
             ("with_default", at.pack_with_default, at.with_default(-3)),
             ("with_default", at.pack_with_default, at.with_default(5, -0.0))]
    for name, pack, value in cases:
        data = packed(pack, value)
        code, out, err = c_helper(name, data)
        assert (code, err) == (0, ""), (name, err)
        assert out == data, name  # C decoded Python's bytes and encodes exactly them again
    # And C rejects what Python rejects: a truncated value, an undeclared enum.
    assert c_helper("everything", packed(at.pack_everything, at.everything())[:-4])[0] == 1
    assert c_helper("scalars", b"\0" * 48 + b"\0\0\0\7" + b"\0" * 16)[0] == 1
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_scalars, b"\0" * 48 + b"\0\0\0\7" + b"\0" * 16)


# --- a generated client and server against the C peers ---

def test_peers_module_shape(peers):
    assert peers.TESTPROG == 0x20000123 and peers.TEST_ECHO == 2
    assert issubclass(peers.TestprogClient, onc.Client)
    assert issubclass(peers.TestprogServer, onc.Program)
    assert peers.int_pair(1, 2) == peers.int_pair(a=1, b=2)


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_generated_client_calls_c_server(peers, onc_testd, kind):
    port = onc_testd.tcp if kind == "tcp" else onc_testd.udp
    with peers.TestprogClient(f"{kind}://127.0.0.1:{port}", timeout=5) as c:
        assert c.null() is None
        assert c.add(40, 2) == 42
        assert c.add(a=-5, b=3, timeout=5) == -2
        assert c.add(2**31 - 1, 1) == -2**31  # int32 arithmetic on the C side
        assert c.echo("hello from python") == "hello from python"
        assert c.echo(arg="é" * 32) == "é" * 32
        with pytest.raises(onc.XdrError) as e:
            c.echo("x" * 65)  # str64: refused before anything is sent
        assert e.value.status == onc.Status.TOO_LONG
        assert c.echo("still fine") == "still fine"


class _Impl:
    def __init__(self):
        self.calls = []

    def add(self, a, b):
        self.calls.append(("add", a, b))
        return a + b

    def echo(self, arg):
        self.calls.append(("echo", arg))
        return arg


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_generated_server_answers_c_client(peers, kind):
    impl_cls = type("Impl", (_Impl, peers.TestprogServer), {})
    impl = impl_cls()
    impl.__init__()
    s = onc.Server()
    s.register(impl)
    port = s.listen(f"{kind}://127.0.0.1:0")
    with s:
        r = subprocess.run([peer_path("onc_testc"), f"{kind}://127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=30)
        assert (r.returncode, r.stdout, r.stderr) == \
            (0, "null ok\nadd 42\necho hello from onc\n", "")
        with peers.TestprogClient(f"{kind}://127.0.0.1:{port}", timeout=5) as c:
            assert c.add(a=1, b=2) == 3
    assert ("add", 1, 2) in impl.calls and ("echo", "hello from onc") in impl.calls


def test_generated_server_base_is_unavailable(peers):
    s = onc.Server()
    s.register(peers.TestprogServer())  # not subclassed: every procedure but NULL unavailable
    port = s.listen("tcp://127.0.0.1:0")
    with s, peers.TestprogClient(f"tcp://127.0.0.1:{port}", timeout=5) as c:
        assert c.null() is None
        with pytest.raises(onc.ProcUnavail):
            c.add(1, 2)
