"""`onc gen --lang python`: the generated modules compile and import (all_types.x and every
/usr/include/rpcsvc/*.x the C generator accepts), hand-picked values and random values of
every type (xdr_random) round-trip, Python-encoded bytes are what the C codecs generated from
the same file decode and encode again byte for byte, and a generated client and server talk
to the C test peers over TCP and UDP (all_types.x's: test_all_types_wire.py)."""

import dataclasses
import glob
import json
import os
import py_compile
import re
import shutil
import struct
import subprocess
import typing

import pytest

import onc
from conftest import (ALL_TYPES_X, ROOT, build_dir, gen, generate, load, onc_bin, packed,
                      peer_path, unpacked)
from onc import rpcb_prot
from onc.record import frame
from onc.transport import Channel
from xdr_random import RandomValues, codec_types, unrun_lines

PEERS_X = ROOT / "tests" / "peers" / "peers.x"
RPCSVC = sorted(glob.glob("/usr/include/rpcsvc/*.x"))


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    return generate(PEERS_X, tmp_path_factory.mktemp("peers"))


def roundtrip(pack, unpack, v, what=None):
    p = onc.Packer()
    pack(p, v)
    data = p.get_buffer()
    u = onc.Unpacker(data, strict_padding=True)
    back = unpack(u)
    u.done()
    assert back == v, what
    return data


RANDOM_VALUES = 50  # of every type, in each test of random values
CORPUS_C_VALUES = 20  # of every type of a corpus file, compared with C's bytes
# Generated code no valid value reaches: the default arm of objdata (nis_object.x, which
# nis.x includes), whose cases name every member of its discriminant's enum.
UNREACHABLE = {"nis.x": ["return cls(d, di_data=None)"], "nis_object.x": ["return cls(d, di_data=None)"]}


def random_roundtrips(mod, seed):
    """Random values of every type of mod (see xdr_random) decode from their encoding to an
    equal value, which encodes to the same bytes. Returns the lines of the module's codecs
    that were not run (those raising errors apart)."""
    values = RandomValues(mod, seed)

    def run():
        for t in codec_types(mod):
            pack, unpack = getattr(mod, "pack_" + t), getattr(mod, "unpack_" + t)
            for i in range(RANDOM_VALUES):
                what = f"{t} #{i} (seed {seed!r})"
                data = roundtrip(pack, unpack, values.of(t), what)
                assert packed(pack, unpacked(unpack, data)) == data, what
    return [line.split(": ", 1)[1] for line in unrun_lines(mod, run)]


def xdr_error(status, fn, *args):
    with pytest.raises(onc.XdrError) as e:
        fn(*args)
    assert e.value.status == status, e.value
    return e.value


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
        typing.get_type_hints(cls)  # every annotation names something the module has
    # Random values of every type, reaching every line of the codecs.
    name = os.path.basename(x)
    assert random_roundtrips(mod, name) == UNREACHABLE.get(name, [])
    # And the C codecs generated from the same file decode Python's bytes of them and encode
    # exactly those bytes again.
    helper = build_c_helper(x, tmp_path / "c_helper")
    assert not random_c_mismatches(mod, helper, name, CORPUS_C_VALUES)
    if "nfs_prot" in x:  # a generated client class per program version
        assert issubclass(mod.NfsClient, onc.Client) and hasattr(mod.NfsClient, "getattr")
        assert mod.NfsServer.PROCEDURES[mod.NFSPROC_GETATTR].name == "getattr"


# --- all_types.x in Python ---

def test_type_hints(at):
    """Annotations resolve, to Python's types where all_types.x defines a `struct list` of its
    own, and through typedefs (which have no Python name)."""
    arrays, everything = typing.get_type_hints(at.arrays), typing.get_type_hints(at.everything)
    assert arrays["fi"] == list[int] and arrays["s"] is str and arrays["vo"] is bytes
    assert everything["li"] == list[at.list] and everything["tr"] == list[at.tree]
    assert everything["lists"] == list[list[at.list]]
    assert typing.get_type_hints(at.shape)["label"] == typing.Optional[str]
    # A linked list's struct is one element: its members but the pointer to the next node.
    assert typing.get_type_hints(at.list) == {"value": int, "tag": str}
    assert typing.get_type_hints(at.tree) == {"key": int, "left": list[at.tree]}


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
    lst = [at.list(1, "a"), at.list(2, "bb"), at.list(3, "ccc")]
    # 10 with 5 on its left and 20 on its right, 30 on 20's right: the right pointers make
    # the list, the left ones lists inside its elements.
    tree = [at.tree(10, [at.tree(5)]), at.tree(20), at.tree(30)]
    chain = at.chain(at.chain(None, 2), 1)
    return at.everything(
        sc=at.scalars(i=1, u=2, h=3, b=True, c=at.GREEN, sp=at.S_MID),
        ar=sample_arrays(at),
        ne=at.nested(at.small(1, at.RED, 2), -9, [at.small(3, at.GREEN, 4), at.small(5, at.BLUE, 6)]),
        op=at.optionals(oi=5, os=at.small(1, at.BLUE, 1), name="opt", oh=None),
        li=lst, tr=tree, ch=chain,
        sh=at.shape(at.GREEN, label="label"), mb=at.maybe(True, at.small(9, at.RED, 9)),
        wd=at.with_default(77, f=2.5), bc=at.big_case(4000000000, big=-1), ov=at.only_void(at.S_HIGH),
        mi=[1, 2, 3], nm="name", hs=bytes(range(16)), bl=b"blob", cs=[at.RED] * 4,
        sm=[at.small(i, at.RED, i) for i in range(10)], nms=["a", "bc", ""],
        shp=at.shape(at.RED, radius=12), hy=[-1, 2**63 - 1], sa=at.small_alias(2, at.GREEN, 3),
        no=b"netobj", shapes=[at.shape(at.RED, radius=1), at.shape(at.BLUE, label="b")],
        lists=[[at.list(1, "x")], [at.list(2, "y"), at.list(3, "z")]])


def test_random_values_roundtrip(at):
    assert random_roundtrips(at, "all_types") == []  # every line of every codec ran


def test_everything_roundtrip(at):
    roundtrip(at.pack_everything, at.unpack_everything, at.everything())  # defaults encode
    data = roundtrip(at.pack_everything, at.unpack_everything, sample_everything(at))
    for n in (0, 4, len(data) // 2, len(data) - 1):  # every prefix is truncated
        xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_everything, data[:n])


def test_sizes_are_the_c_headers(at, tmp_path):
    """T_SIZE and T_MAXSIZE: the same types and numbers as the C header of the same file (both
    come from the one plan), and random values encode to at most T_MAXSIZE bytes (exactly
    T_SIZE where it is fixed)."""
    r = gen(ALL_TYPES_X, tmp_path)
    assert r.returncode == 0, r.stderr
    header = (tmp_path / "all_types.h").read_text()
    c = {m[0]: int(m[1])
         for m in re.findall(r"^#define (\w+_(?:MAX)?SIZE) (\d+)u\b", header, re.M)}
    types = codec_types(at)
    py = {f"{t}{k}": getattr(at, f"{t}{k}") for t in types for k in ("_SIZE", "_MAXSIZE")
          if hasattr(at, f"{t}{k}")}
    assert py == {k: v for k, v in c.items() if k.rsplit("_", 1)[0] in types}
    assert len(py) > 20 and "everything_MAXSIZE" not in py  # unbounded: no maximum
    values = RandomValues(at, "sizes")
    for t in types:
        for _ in range(RANDOM_VALUES):
            n = len(packed(getattr(at, "pack_" + t), values.of(t)))
            assert n <= py.get(t + "_MAXSIZE", n), t
            assert n == py.get(t + "_SIZE", n), t


LOCAL_NAMES_X = """
const p = 2;
enum e { d = 1, node = 2 };
struct u { int a; };
struct v { u inner; string s<p>; };
union head switch (e k) {
case d:
    v new;
case node:
    void;
};
typedef u cls[p];
program PROG { version VERS { head GET(v) = 1; } = 1; } = 0x20000777;
"""


def test_names_of_generated_locals(tmp_path):
    """Types, constants and enum members named as the generated functions' parameters and
    locals (p, u, v, d, node, head, new) get a trailing underscore, so that none is shadowed
    where it is used (`return u.unpack(u)` unpacked with the Unpacker)."""
    x = tmp_path / "local_names.x"
    x.write_text(LOCAL_NAMES_X)
    m = generate(x, tmp_path)
    assert m.p_ == 2 and m.e.d_ == m.d_ == 1 and m.node_ == 2
    value = m.head_(m.d_, m.v_(m.u_(5), "ab"))
    data = roundtrip(m.pack_head, m.unpack_head, value)
    assert data == bytes.fromhex("00000001" "00000005" "00000002" "61620000")
    assert roundtrip(m.pack_cls, m.unpack_cls, [m.u_(1), m.u_(2)]) == bytes.fromhex("0000000100000002")
    xdr_error(onc.Status.TOO_LONG, packed, m.pack_v, m.v_(m.u_(1), "abc"))  # s<p>: p is 2
    assert m.ProgClient.get  # the client's method of GET


def test_encoding_errors_name_the_field(at):
    """A value that cannot be encoded raises an XdrError whose path names the field, from
    the outermost value down through elements and union arms, and whose text gives the
    limit; a value of the wrong type (TypeError inside) is one too."""
    def path_of(v):
        with pytest.raises(onc.XdrError) as e:
            packed(at.pack_everything, v)
        assert str(e.value).startswith(e.value.path + ": "), e.value
        return e.value.path, str(e.value)

    v = at.everything()
    v.ne.inner.big = "x"  # a run of fixed-size fields: the one that does not fit
    assert path_of(v) == ("ne.inner.big", "ne.inner.big: value out of range for its type: "
                          "unsigned hyper 'x'")
    v = at.everything()
    v.ne.pair[1].a = 2**40  # an element of a fixed array, then its field
    assert path_of(v)[0] == "ne.pair[1].a"
    v = at.everything()
    v.ar.vib = [1, 2, "z"]  # a bulk array of scalars
    assert path_of(v)[0] == "ar.vib[2]"
    v = at.everything()
    v.ar.sb = "x" * 300  # a string over its bound: the limit is in the text
    assert path_of(v) == ("ar.sb", "ar.sb: length exceeds the declared maximum: 300 bytes, "
                          "at most 32")
    v = at.everything()
    v.li = [at.list(1, "a"), at.list(2, "b" * 9)]  # an element of a linked list
    assert path_of(v)[0] == "li[1].tag"
    v = at.everything()
    v.shapes = [at.shape(at.RED, radius=1), at.shape(at.GREEN)]  # a union's empty arm
    assert path_of(v)[0] == "shapes[1].label"
    v = at.everything()
    v.ne.pair = 5  # the wrong type altogether
    assert path_of(v)[0] == "ne.pair"


def test_unions(at):
    # Each arm is a field named as in the .x file; the one the discriminant selects is set.
    assert packed(at.pack_shape, at.shape(at.RED, radius=7)) == b"\0\0\0\0\0\0\0\7"
    assert packed(at.pack_shape, at.shape(at.BLUE, label="ab")) == b"\0\0\0\2\0\0\0\2ab\0\0"
    assert unpacked(at.unpack_shape, b"\0\0\0\2\0\0\0\2ab\0\0") == \
        at.shape(at.BLUE, radius=None, label="ab")
    assert packed(at.pack_maybe, at.maybe(False)) == b"\0\0\0\0"
    assert unpacked(at.unpack_maybe, b"\0\0\0\0") == at.maybe(False, None)
    for v in (at.with_default(1, h=-5), at.with_default(2, h=None, data=b"xyz"),
              at.with_default(-3, h=None), at.with_default(12345, h=None, f=0.5),
              at.big_case(0), at.big_case(4000000000, big=3),
              at.only_void(at.S_LOW), at.only_void(at.S_MID)):
        roundtrip(getattr(at, "pack_" + type(v).__name__), getattr(at, "unpack_" + type(v).__name__), v)
    assert packed(at.pack_with_default, at.with_default(9, f=1.0)) == b"\0\0\0\x09\x3f\x80\0\0"
    # The selected arm left empty: BAD_VALUE naming the field.
    e = xdr_error(onc.Status.BAD_VALUE, packed, at.pack_shape, at.shape(at.GREEN))
    assert e.path == "label" and str(e).startswith("label: ") and "no value for the arm" in str(e)
    # No default arm: an undeclared discriminant is BAD_VALUE both ways.
    xdr_error(onc.Status.BAD_VALUE, packed, at.pack_big_case, at.big_case(1))
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_big_case, b"\0\0\0\1")
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_shape, b"\0\0\0\7\0\0\0\0")  # enum
    xdr_error(onc.Status.TOO_LONG, packed, at.pack_shape, at.shape(at.GREEN, label="x" * 17))


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


def chain_bytes(values, behind_pointer):
    """all_types.x's `list` of (value, tag) pairs in the bytes of the chain of nodes, written
    out by hand: each node's members, then TRUE when another node follows, FALSE after the
    last; behind a pointer (listptr), TRUE before the first node (FALSE alone: no node)."""
    p = onc.Packer()
    if behind_pointer:
        p.pack_bool(bool(values))
    for i, (value, tag) in enumerate(values):
        p.pack_int(value)
        p.pack_string(tag)
        p.pack_bool(i + 1 < len(values))
    return p.get_buffer()


def test_linked_lists_are_python_lists(at):
    """A linked list of the .x is a Python list of its elements, in the chain's bytes, and is
    decoded in a loop: 100,000 elements, far past Python's recursion limit."""
    n = 100000
    values = [(i, str(i % 100)) for i in range(n)]
    lst = [at.list(value, tag) for value, tag in values]
    data = packed(at.pack_list, lst)  # a node by value: one element at least
    assert data == chain_bytes(values, False) and len(data) == n * 16
    assert unpacked(at.unpack_list, data) == lst
    data = packed(at.pack_listptr, lst)  # behind a pointer: TRUE first
    assert data == chain_bytes(values, True) and data[:4] == b"\0\0\0\1"
    assert unpacked(at.unpack_listptr, data) == lst
    assert packed(at.pack_listptr, []) == b"\0\0\0\0" == chain_bytes([], True)
    assert unpacked(at.unpack_listptr, b"\0\0\0\0") == []
    # Inside a struct, and a list whose elements hold lists (tree: right is the link).
    e = sample_everything(at)
    assert roundtrip(at.pack_everything, at.unpack_everything, e)
    assert packed(at.pack_listptr, e.li) == chain_bytes([(1, "a"), (2, "bb"), (3, "ccc")], True)
    # What is not a list of elements, and a node by value with none, are refused by name.
    for pack, bad in ((at.pack_listptr, None), (at.pack_listptr, at.list(1, "x")),
                      (at.pack_list, [])):
        assert "list" in str(xdr_error(onc.Status.BAD_VALUE, packed, pack, bad))


def test_hostile_lists_are_bounded(at):
    """A list whose end never comes stops at the end of the input (TRUNCATED: each element
    costs the 4 bytes of its TRUE at least, so the input bounds the count), a "more" that is
    not a bool is BAD_VALUE, lists nested in lists count against max_depth (TOO_DEEP); the
    C decoders say the same of the same bytes (test_python_bytes_equal_c_bytes)."""
    endless = b"\0\0\0\1" + (b"\0\0\0\7" + b"\0\0\0\0" + b"\0\0\0\1") * 100000
    xdr_error(onc.Status.TRUNCATED, unpacked, at.unpack_listptr, endless)
    # rpcbind's DUMP answer, every word TRUE: nodes of mapping(1, 1, 1, 1) while it lasts.
    xdr_error(onc.Status.TRUNCATED, unpacked, rpcb_prot.unpack_pmaplist_ptr,
              b"\0\0\0\1" * 250001)
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_listptr, chain_bytes([(1, "")], True)[:-4]
              + b"\0\0\0\2")
    deep = HOSTILE_TREE
    xdr_error(onc.Status.TOO_DEEP, at.unpack_tree, onc.Unpacker(deep, max_depth=10))
    xdr_error(onc.Status.TOO_DEEP, unpacked, at.unpack_tree, deep)  # at the default depth


def test_lists_in_every_place(tmp_path):
    """tests/python/lists.x: a list of empty elements, optional data of a list, a list in a
    union arm and in an array, in the bytes the C codecs decode and encode again."""
    x = ROOT / "tests" / "python" / "lists.x"
    m = generate(x, tmp_path)
    node = m.node_  # `node` is a name the generated functions use for a local
    h = m.holder(pp=[node(1), node(2)], ap=[], o=[m.only(), m.only()], pk=m.pick(1, l=[]),
                 arr=[[node(5)], [node(6), node(7)]])
    data = roundtrip(m.pack_holder, m.unpack_holder, h)
    words = [1, 1, 1, 1, 2, 0,  # pp: present, then the list [1, 2]
             0,  # ap: []
             1, 1, 0,  # o: two empty elements
             1, 0,  # pk: k = 1, l = []
             2, 5, 0, 6, 1, 7, 0,  # arr: two lists by value
             1, 0]  # sv: b = TRUE, arr = []
    assert data == struct.pack(f">{len(words)}I", *words)
    assert packed(m.pack_holder, m.holder(pp=None))[:4] == b"\0\0\0\0"
    assert m.pick().l == [] and m.holder().arr == [] and m.several().arr == []
    helper = build_c_helper(x, tmp_path / "c")
    assert helper([("holder", data), ("nodes", packed(m.pack_nodes, []))]) == \
        [(0, data), (0, b"\0\0\0\0")]


# A tree whose left lists nest 2000 deep: each node's key, then TRUE (a left list follows).
HOSTILE_TREE = b"\0\0\0\5\0\0\0\1" * 2000


def test_onc_call_json_and_python_lists_have_one_shape(at):
    """onc call's JSON and the Python values of the same bytes have one shape: a linked list
    is an array of objects of the node's members but the link, and a Python list of the
    dataclasses of the same members. onc call sends tests/cli/everything.json to a generated
    Python server, which gets it as Python values and echoes them; and LIST answers a Python
    list, which onc call prints as a JSON array."""
    got = []

    class Impl(at.AllTypesV1Server):
        def echo(self, *args):
            got.append(at.everything(*args))
            return got[-1]

    class ImplV2(at.AllTypesV2Server):
        def list(self, items, color, hyper):
            return [at.list(item.a + hyper, "") for item in items] + [at.list(int(color), "end")]

    s = onc.Server()
    s.register(Impl())
    s.register(ImplV2())
    port = s.listen("tcp://127.0.0.1:0")
    sent = (ROOT / "tests" / "cli" / "everything.json").read_text()

    def call(proc, arg):
        r = subprocess.run([onc_bin(), "call", str(ALL_TYPES_X), f"tcp://127.0.0.1:{port}",
                            f"ALL_TYPES_PROG.{proc}", arg], capture_output=True, text=True,
                           timeout=30)
        assert (r.returncode, r.stderr) == (0, ""), r
        return json.loads(r.stdout)

    with s:
        echoed = call("ALL_TYPES_V1.ALL_ECHO", sent)
        listed = call("ALL_TYPES_V2.ALL_LIST", '[[{"a": 1, "c": "RED", "big": 0}], "BLUE", 10]')
    sent, python = json.loads(sent), dataclasses.asdict(got[0])
    for field in ("li", "tr", "lists"):
        assert python[field] == sent[field] == echoed[field], field
    assert python["li"] == [{"value": 1, "tag": "one"}, {"value": 2, "tag": "two"}]
    assert listed == [{"value": 11, "tag": ""}, {"value": 2, "tag": "end"}]


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
    at.AllTypesV2Server.PROCEDURES[4].encode_result(p, [at.list(1, "t")])
    assert p.get_buffer() == b"\0\0\0\1\0\0\0\1t\0\0\0\0\0\0\0"
    with pytest.raises(onc.ProcUnavail):
        at.AllTypesV1Server().add(1, 2)


# --- Python bytes against the C codecs generated from the same file ---

HELPER_C = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include HEADER
/* HEADER, the generated header, and TYPES, X(T) for every type it declares, are defined on
 * the command line. */
#define X(T) static onc_status T##_again(onc_xdr_dec *d, onc_xdr_enc *e) \
	{ T v; memset(&v, 0, sizeof v); onc_status s = T##_decode(d, &v); \
	  if (s == ONC_OK) s = onc_xdr_dec_finish(d); \
	  if (s == ONC_OK) s = T##_encode(e, &v); \
	  T##_free(&v); return s; }
TYPES
#undef X
static const struct {
	const char *name;
	onc_status (*again)(onc_xdr_dec *, onc_xdr_enc *);
} types[] = {
#define X(T) { #T, T##_again },
	TYPES
};

/* One field of stdin: a 4-byte big-endian length, then that many bytes (NUL added). */
static unsigned char *get(size_t *n)
{
	unsigned char h[4];
	if (fread(h, 1, 4, stdin) != 4)
		return NULL;
	*n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	unsigned char *p = malloc(*n + 1);
	if (!p || fread(p, 1, *n, stdin) != *n)
		exit(2);
	p[*n] = 0;
	return p;
}

static void put32(unsigned long v)
{
	unsigned char b[4] = { v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255 };
	fwrite(b, 1, 4, stdout);
}

int main(void)
{
	unsigned char *name, *in;
	size_t len, n;
	while ((name = get(&len)) && (in = get(&n))) {
		onc_xdr_dec d;
		onc_xdr_enc e;
		onc_xdr_dec_init(&d, in, n, NULL);
		onc_xdr_enc_init(&e);
		onc_status s = ONC_ERR_INVALID_ARG;
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcmp((char *)name, types[i].name) == 0)
				s = types[i].again(&d, &e);
		put32((unsigned long)s);
		put32(s == ONC_OK ? onc_xdr_enc_len(&e) : 0);
		if (s == ONC_OK)
			fwrite(onc_xdr_enc_data(&e), 1, onc_xdr_enc_len(&e), stdout);
		onc_xdr_enc_free(&e);
		free(name);
		free(in);
	}
	return 0;
}
'''


def build_c_helper(x, d):
    """A small C program built from `onc gen x` and libonc, for every type the header declares
    (.types). helper([(type name, bytes), ...]) gives for each an (onc_status, bytes): the
    generated C decoder's status on the bytes (the whole of them must be one value), and when
    it is 0 (ONC_OK), what the C encoder makes of the value."""
    cc = shutil.which("cc") or shutil.which("gcc")
    lib = build_dir() / "lib" / "libonc.a"
    if cc is None or not lib.exists():
        pytest.fail(f"need a C compiler and {lib}", pytrace=False)
    r = gen(x, d)
    assert r.returncode == 0, r.stderr
    stem = os.path.basename(x)[:-2]
    types = re.findall(r"onc_status (\w+)_encode\(onc_xdr_enc \*e, const \w+ \*v\)",
                       (d / (stem + ".h")).read_text())
    (d / "helper.c").write_text(HELPER_C)
    exe = d / "helper"
    # The corpus files' `%` lines include <rpc/types.h> and call xdr_ routines (libtirpc's),
    # and carry #pragma ident.
    r = subprocess.run([cc, "-std=c11", "-O1", "-Wall", "-Werror", "-Wno-unknown-pragmas",
                        f"-I{ROOT / 'include'}", f"-I{d}", "-I/usr/include/tirpc",
                        f'-DHEADER="{stem}.h"',
                        "-DTYPES=" + " ".join(f"X({t})" for t in types),
                        str(d / "helper.c"), str(d / (stem + "_xdr.c")), str(lib), "-ltirpc", "-lpthread",
                        "-o", str(exe)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr

    def field(b):
        return struct.pack(">I", len(b)) + b

    def run(cases):
        stdin = b"".join(field(name.encode()) + field(data) for name, data in cases)
        r = subprocess.run([str(exe)], input=stdin, capture_output=True, timeout=120)
        assert (r.returncode, r.stderr) == (0, b"")
        out, pos, results = r.stdout, 0, []
        while pos < len(out):
            status, n = struct.unpack_from(">iI", out, pos)
            results.append((status, out[pos + 8:pos + 8 + n]))
            pos += 8 + n
        assert len(results) == len(cases)
        return results
    run.types = types
    return run


def random_c_mismatches(mod, helper, seed, count):
    """Random values of every type of mod, encoded by Python, that the C codecs generated from
    the same file do not decode and encode to the same bytes again:
    [(case, type, C's status, bytes given, bytes C encoded)]."""
    assert sorted(helper.types) == codec_types(mod)  # the same types on both sides
    values = RandomValues(mod, seed)
    cases = [(t, packed(getattr(mod, "pack_" + t), values.of(t)))
             for t in helper.types for _ in range(count)]
    return [(i, t, onc.Status(status).name, len(data), len(out))
            for i, ((t, data), (status, out)) in enumerate(zip(cases, helper(cases)))
            if (status, out) != (0, data)]


@pytest.fixture(scope="module")
def c_helper(tmp_path_factory):
    return build_c_helper(ALL_TYPES_X, tmp_path_factory.mktemp("c_helper"))


def test_python_bytes_equal_c_bytes(at, c_helper):
    lst = [at.list(i, "t" * (i % 9)) for i in reversed(range(1000))]
    cases = [("everything", at.pack_everything, sample_everything(at)),
             ("everything", at.pack_everything, at.everything()),
             ("quads", at.pack_quads, at.quads(bytes(range(16)), [b"\3" * 16])),
             ("inline_types", at.pack_inline_types,
              at.inline_types(at.inline_types_pos(-1, 1), at.IN_RED, at.inline_types_extra(2),
                              None, [at.inline_types_many(1), at.inline_types_many(2)])),
             ("list", at.pack_list, lst),
             ("listptr", at.pack_listptr, [at.list(i, str(i % 100)) for i in range(100000)]),
             ("listptr", at.pack_listptr, []),
             ("tree", at.pack_tree, sample_everything(at).tr),
             ("scalars", at.pack_scalars,
              at.scalars(-7, 7, 8, -9, 9, 3.25, 1e-300, True, at.GREEN, at.S_LOW, at.C_ONE, -1, 1)),
             ("with_default", at.pack_with_default, at.with_default(-3)),
             ("with_default", at.pack_with_default, at.with_default(5, f=-0.0))]
    cases = [(name, packed(pack, value)) for name, pack, value in cases]
    for (name, data), (status, out) in zip(cases, c_helper(cases)):
        assert status == 0, (name, onc.Status(status))
        assert out == data, name  # C decoded Python's bytes and encodes exactly them again
    # And C rejects what Python rejects, with the same status: a truncated value, an
    # undeclared enum.
    bad_enum = b"\0" * 48 + b"\0\0\0\7" + b"\0" * 16
    assert c_helper([("everything", packed(at.pack_everything, at.everything())[:-4]),
                     ("scalars", bad_enum)]) == [(onc.Status.TRUNCATED, b""),
                                                 (onc.Status.BAD_VALUE, b"")]
    xdr_error(onc.Status.BAD_VALUE, unpacked, at.unpack_scalars, bad_enum)
    # Hostile lists (test_hostile_lists_are_bounded): endless, a "more" of 2, nested deep.
    endless = b"\0\0\0\1" + (b"\0\0\0\7" + b"\0\0\0\0" + b"\0\0\0\1") * 100000
    assert c_helper([("listptr", endless),
                     ("listptr", chain_bytes([(1, "")], True)[:-4] + b"\0\0\0\2"),
                     ("tree", HOSTILE_TREE)]) == [(onc.Status.TRUNCATED, b""),
                                                  (onc.Status.BAD_VALUE, b""),
                                                  (onc.Status.TOO_DEEP, b"")]


def test_random_python_bytes_equal_c_bytes(at, c_helper):
    """Random values of every type of all_types.x, encoded by Python: the C codecs decode
    them and encode the same bytes again."""
    assert not random_c_mismatches(at, c_helper, "c_helper", RANDOM_VALUES)


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
        assert c.echo(str64="é" * 32) == "é" * 32  # named after its typedef
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


# --- data nested too deeply: an onc error, never the interpreter's RecursionError ---

DEEP_X = """
union expr switch (int op) {
case 0:
	int value;
case 1:
	expr *sub;
};
struct node {
	int v;
	node kids<>;
};
program DEEP_PROG {
	version DEEP_V1 {
		int DEEP_EVAL(expr) = 1;
		int DEEP_COUNT(node) = 2;
	} = 1;
} = 0x20000777;
"""


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    d = tmp_path_factory.mktemp("deep")
    (d / "deep.x").write_text(DEEP_X)
    return generate(d / "deep.x", d)


def w(*ws):
    return b"".join(struct.pack(">I", x) for x in ws)


# Encodings of values n levels deep, written by hand (packing them would recurse as deep).
def deep_chain(n):  # chain: next*, after
    return w(1) * n + w(0) + w(0) * (n + 1)


def deep_tree(n):  # tree: key, left*, right* (the left side recursive)
    return w(7, 1) * n + w(7, 0, 0) + w(0) * n


def deep_expr(n):  # a union whose arm points to itself
    return w(1, 1) * n + w(0, 42)


def deep_node(n):  # recursive through an array, with no optional at all
    return w(5, 1) * n + w(5, 0)


def test_too_deep_data_is_an_xdr_error(at, deep):
    # Past ONC_XDR_DEFAULT_DEPTH (1024), and past what the interpreter's recursion limit
    # allows (the Python decoders recurse a few frames per level, the C ones do not).
    for n in (400, 2000, 50000):
        for unpack, data in ((at.unpack_chain, deep_chain(n)), (at.unpack_tree, deep_tree(n)),
                             (deep.unpack_expr, deep_expr(n)), (deep.unpack_node, deep_node(n))):
            xdr_error(onc.Status.TOO_DEEP, unpacked, unpack, data)
    v = unpacked(deep.unpack_expr, deep_expr(50))
    for _ in range(50):
        v = v.sub  # the arm of a union, by its name in the .x
    assert v == deep.expr(0, 42)


def test_too_deep_reply_is_an_xdr_error_on_the_client(fake_server, deep):
    s = fake_server("tcp", lambda req: frame(w(struct.unpack(">I", req[:4])[0], 1, 0, 0, 0, 0) +
                                             deep_expr(3000)))
    with Channel(s.addr, deep.DEEP_PROG, 1, timeout=5) as c:
        xdr_error(onc.Status.TOO_DEEP, c.call, 0, None, deep.unpack_expr)


def test_too_deep_arguments_are_garbage_args_and_not_logged(deep, caplog):
    class Deep(deep.DeepServer):
        def eval(self, e):
            return 0

        def count(self, v, kids):
            return 0

    s = onc.Server()
    s.register(Deep())
    for proc, args in ((1, deep_expr(3000)), (2, deep_node(3000))):
        call = w(9, 0, 2, deep.DEEP_PROG, 1, proc, 0, 0, 0, 0) + args
        assert s.process(call) == w(9, 1, 0, 0, 0, 4)  # GARBAGE_ARGS
    assert caplog.records == []
