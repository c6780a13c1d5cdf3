"""XDR: exact bytes, round trips, and every limit and truncation (the C side's checks)."""

import math
import struct

import pytest

import onc
from onc import Packer, Status, Unpacker, XdrError


def packed(fn, *args):
    p = Packer()
    getattr(p, fn)(*args)
    return p.get_buffer()


def status_of(fn):
    with pytest.raises(XdrError) as e:
        fn()
    return e.value.status


# --- RFC 4506 section 7: the "sillyprog" file, byte for byte ---

RFC4506_EXAMPLE = bytes.fromhex(
    "00000009 7369 6c6c 7970 726f 6700 0000"  # name "sillyprog" + 3 bytes fill
    "00000002"  # filekind EXEC
    "00000004 6c697370"  # interpretor "lisp"
    "00000004 6a6f686e"  # owner "john"
    "00000006 28717569 74290000".replace(" ", ""))  # data "(quit)" + 2 bytes fill


def test_rfc4506_example_encodes_byte_for_byte():
    p = Packer()
    p.pack_string("sillyprog", 255)  # filename<MAXNAMELEN>
    p.pack_enum(2)  # union filetype switch (filekind kind): EXEC
    p.pack_string("lisp", 255)  # interpretor<MAXNAMELEN>
    p.pack_string("john", 32)  # owner<MAXUSERNAME>
    p.pack_opaque(b"(quit)", 65535)  # filedata<MAXFILELEN>
    assert p.get_buffer() == RFC4506_EXAMPLE
    assert len(RFC4506_EXAMPLE) == 48


def test_rfc4506_example_decodes():
    u = Unpacker(RFC4506_EXAMPLE, strict_padding=True)
    assert u.unpack_string(255) == "sillyprog"
    assert u.unpack_enum() == 2
    assert u.unpack_string(255) == "lisp"
    assert u.unpack_string(32) == "john"
    assert u.unpack_opaque(65535) == b"(quit)"
    u.done()


# --- exact bytes of every primitive ---

@pytest.mark.parametrize("fn,value,hexbytes", [
    ("pack_int", 1, "00000001"),
    ("pack_int", -1, "ffffffff"),
    ("pack_int", -2**31, "80000000"),
    ("pack_uint", 2**32 - 1, "ffffffff"),
    ("pack_enum", 7, "00000007"),
    ("pack_bool", True, "00000001"),
    ("pack_bool", False, "00000000"),
    ("pack_hyper", -2, "fffffffffffffffe"),
    ("pack_uhyper", 2**64 - 1, "ffffffffffffffff"),
    ("pack_hyper", 0x0102030405060708, "0102030405060708"),
    ("pack_float", 1.0, "3f800000"),
    ("pack_double", -2.0, "c000000000000000"),
    ("pack_opaque", b"", "00000000"),
    ("pack_opaque", b"\x01", "00000001 01000000"),
    ("pack_opaque", b"abcd", "00000004 61626364"),
    ("pack_opaque", b"abcde", "00000005 61626364 65000000"),
    ("pack_string", "", "00000000"),
    ("pack_string", None, "00000000"),
    ("pack_string", "h\u00e9", "00000003 68c3a9 00"),
])
def test_exact_bytes(fn, value, hexbytes):
    assert packed(fn, value) == bytes.fromhex(hexbytes.replace(" ", ""))


def test_a_str_subclass_is_a_string():
    """A StrEnum's member (a str subclass) is sent as its UTF-8 text, as a str is; pack_string
    tested the class for str exactly and raised TypeError "can't concat" (found by mypy)."""
    import enum
    word = enum.StrEnum("Word", {"HE": "h\u00e9"}).HE
    assert packed("pack_string", word, 3) == bytes.fromhex("00000003 68c3a9 00".replace(" ", ""))


def test_fixed_opaque_is_padded_and_round_trips():
    assert packed("pack_fopaque", 3, b"xyz") == b"xyz\0"
    assert packed("pack_fopaque", 0, b"") == b""
    assert Unpacker(b"xyz\0").unpack_fopaque(3) == b"xyz"
    assert status_of(lambda: packed("pack_fopaque", 4, b"xyz")) == Status.BAD_VALUE


def test_quadruple_is_16_bytes():
    q = bytes(range(16))
    assert packed("pack_quadruple", q) == q
    assert Unpacker(q).unpack_quadruple() == q


@pytest.mark.parametrize("fn,value", [
    ("int", 0), ("int", 2**31 - 1), ("int", -2**31), ("uint", 0), ("uint", 2**32 - 1),
    ("hyper", -2**63), ("hyper", 2**63 - 1), ("uhyper", 2**64 - 1), ("bool", True),
    ("bool", False), ("float", 0.5), ("float", -math.inf), ("double", math.pi),
    ("double", 1e300), ("enum", -5), ("string", "x" * 70), ("opaque", bytes(range(256))),
])
def test_round_trip(fn, value):
    u = Unpacker(packed("pack_" + fn, value))
    assert getattr(u, "unpack_" + fn)() == value
    u.done()


def test_nan_round_trips():
    assert math.isnan(Unpacker(packed("pack_double", math.nan)).unpack_double())


# --- values that do not fit their type ---

@pytest.mark.parametrize("fn,value", [
    ("pack_int", 2**31), ("pack_int", -2**31 - 1), ("pack_uint", -1), ("pack_uint", 2**32),
    ("pack_hyper", 2**63), ("pack_uhyper", -1), ("pack_uhyper", 2**64), ("pack_bool", 2),
    ("pack_bool", -1), ("pack_int", "7"), ("pack_float", 1e40), ("pack_double", "x"),
])
def test_out_of_range_values_are_bad_value(fn, value):
    assert status_of(lambda: packed(fn, value)) == Status.BAD_VALUE


def test_errors_carry_status_and_readable_message():
    with pytest.raises(onc.RpcError) as e:
        Unpacker(b"\0\0").unpack_int()
    assert e.value.status == Status.TRUNCATED
    assert str(e.value) == "message truncated: 4 bytes needed, 2 left"
    assert isinstance(e.value, XdrError)


# --- decoding: booleans, lengths against maximum and against what is left, padding ---

@pytest.mark.parametrize("raw", [2, 3, 0xFFFFFFFF])
def test_bool_only_zero_or_one(raw):
    assert status_of(lambda: Unpacker(struct.pack(">I", raw)).unpack_bool()) == Status.BAD_VALUE


@pytest.mark.parametrize("fn,size", [("int", 4), ("uint", 4), ("bool", 4), ("enum", 4),
                                     ("hyper", 8), ("uhyper", 8), ("float", 4), ("double", 8)])
def test_every_scalar_truncated(fn, size):
    for n in range(size):
        assert status_of(lambda: getattr(Unpacker(b"\0" * n), "unpack_" + fn)()) == \
            Status.TRUNCATED


def test_string_longer_than_max_is_too_long_before_reading():
    data = packed("pack_string", "x" * 65)
    assert status_of(lambda: Unpacker(data).unpack_string(64)) == Status.TOO_LONG
    assert Unpacker(data).unpack_string(65) == "x" * 65
    assert Unpacker(packed("pack_string", "x" * 64)).unpack_string(64) == "x" * 64


def test_encoding_beyond_max_is_too_long():
    assert status_of(lambda: packed("pack_string", "x" * 65, 64)) == Status.TOO_LONG
    assert status_of(lambda: packed("pack_opaque", b"12345", 4)) == Status.TOO_LONG
    assert status_of(lambda: Packer().pack_array_len(17, 16)) == Status.TOO_LONG
    assert status_of(lambda: Packer().pack_int_array([1] * 3, 2)) == Status.TOO_LONG


def test_huge_length_is_refused_not_allocated():
    # 4 GiB - 1 announced with 4 bytes behind it: TRUNCATED (or TOO_LONG with a max), at once.
    data = b"\xff\xff\xff\xff" + b"abcd"
    assert status_of(lambda: Unpacker(data).unpack_opaque()) == Status.TRUNCATED
    assert status_of(lambda: Unpacker(data).unpack_opaque(1000)) == Status.TOO_LONG
    assert status_of(lambda: Unpacker(data).unpack_array_len()) == Status.TRUNCATED
    assert status_of(lambda: Unpacker(data).unpack_int_array()) == Status.TRUNCATED
    assert status_of(lambda: Unpacker(data).unpack_array(lambda: None)) == Status.TRUNCATED


def test_opaque_truncated_in_data_and_in_padding():
    full = packed("pack_opaque", b"abcde")  # 4 + 5 + 3 padding
    for n in range(len(full)):
        assert status_of(lambda: Unpacker(full[:n]).unpack_opaque()) == Status.TRUNCATED
    assert Unpacker(full).unpack_opaque() == b"abcde"


def test_padding_skipped_unless_strict():
    data = bytes.fromhex("00000001 41 7f0000".replace(" ", ""))
    assert Unpacker(data).unpack_opaque() == b"A"
    assert status_of(lambda: Unpacker(data, strict_padding=True).unpack_opaque()) == \
        Status.BAD_PADDING
    good = bytes.fromhex("00000001 41 000000".replace(" ", ""))
    assert Unpacker(good, strict_padding=True).unpack_opaque() == b"A"


def test_trailing_data_detected():
    u = Unpacker(b"\0\0\0\1\0")
    assert u.unpack_int() == 1
    assert u.remaining() == 1
    assert status_of(u.done) == Status.TRAILING_DATA


def test_array_count_checked_against_min_element_size():
    # 3 elements of at least 8 bytes cannot fit in 20 bytes.
    data = struct.pack(">I", 3) + bytes(20)
    assert status_of(lambda: Unpacker(data).unpack_array_len(10, 8)) == Status.TRUNCATED
    assert Unpacker(data).unpack_array_len(10, 4) == 3
    assert status_of(lambda: Unpacker(data).unpack_array_len(2, 4)) == Status.TOO_LONG


def test_generic_arrays_and_optional():
    p = Packer()
    p.pack_array(["a", "bc"], lambda s: p.pack_string(s, 8), 4)
    p.pack_farray(2, [7, 8], p.pack_uhyper)
    p.pack_optional(None, p.pack_int)
    p.pack_optional(5, p.pack_int)
    u = Unpacker(p.get_buffer())
    assert u.unpack_array(lambda: u.unpack_string(8), 4) == ["a", "bc"]
    assert u.unpack_farray(2, u.unpack_uhyper, 8) == [7, 8]
    assert u.unpack_optional(u.unpack_int) is None
    assert u.unpack_optional(u.unpack_int) == 5
    u.done()
    assert status_of(lambda: Packer().pack_farray(3, [1], Packer().pack_int)) == Status.BAD_VALUE


def test_optional_nesting_is_limited():
    # a linked list of optional nodes, decoded recursively: depth 3 allowed, 4 is TOO_DEEP.
    def chain(n):
        return b"\0\0\0\1" * n + b"\0\0\0\0"

    def node(u):
        return u.unpack_optional(lambda: node(u))

    assert node(Unpacker(chain(3), max_depth=3)) is None
    assert status_of(lambda: node(Unpacker(chain(4), max_depth=3))) == Status.TOO_DEEP


# --- bulk arrays: one struct call, same bytes as element by element ---

@pytest.mark.parametrize("kind,values", [
    ("int", [0, 1, -1, 2**31 - 1, -2**31]),
    ("uint", [0, 2**32 - 1, 12345]),
    ("hyper", [-2**63, 2**63 - 1, 0]),
    ("uhyper", [2**64 - 1, 1]),
    ("float", [0.5, -2.0, math.inf]),
    ("double", [math.pi, -0.0, 1e-300]),
    ("bool", [True, False, True]),
])
def test_bulk_arrays_match_element_by_element(kind, values):
    one = Packer()
    one.pack_uint(len(values))
    for v in values:
        getattr(one, "pack_" + kind)(v)
    bulk = Packer()
    bulk.pack_scalar_array(kind, values, 16)
    assert bulk.get_buffer() == one.get_buffer()
    u = Unpacker(bulk.get_buffer())
    assert u.unpack_scalar_array(kind, 16) == values
    u.done()
    fixed = Packer()
    fixed.pack_fixed_scalars(kind, len(values), values)
    assert fixed.get_buffer() == one.get_buffer()[4:]
    assert Unpacker(fixed.get_buffer()).unpack_fixed_scalars(kind, len(values)) == values


def test_bulk_typed_helpers():
    p = Packer()
    p.pack_int_array([1, -2])
    p.pack_uint_array([3])
    p.pack_hyper_array([-4])
    p.pack_uhyper_array([5])
    p.pack_float_array([6.5])
    p.pack_double_array([7.25])
    u = Unpacker(p.get_buffer())
    assert (u.unpack_int_array(), u.unpack_uint_array(), u.unpack_hyper_array(),
            u.unpack_uhyper_array(), u.unpack_float_array(), u.unpack_double_array()) == \
        ([1, -2], [3], [-4], [5], [6.5], [7.25])
    u.done()


def test_bulk_limits_and_bad_values():
    data = Packer()
    data.pack_int_array(list(range(10)))
    assert status_of(lambda: Unpacker(data.get_buffer()).unpack_int_array(9)) == Status.TOO_LONG
    assert status_of(lambda: Unpacker(data.get_buffer()[:-1]).unpack_int_array()) == \
        Status.TRUNCATED
    # 3 hypers announced, 20 bytes present: refused on the count, before decoding.
    assert status_of(lambda: Unpacker(struct.pack(">I", 3) + bytes(20)).unpack_hyper_array()) \
        == Status.TRUNCATED
    assert status_of(lambda: Packer().pack_int_array([1, 2**31])) == Status.BAD_VALUE
    assert status_of(lambda: Packer().pack_scalar_array("bool", [1, 2])) == Status.BAD_VALUE
    bad_bools = struct.pack(">III", 2, 1, 5)
    assert status_of(lambda: Unpacker(bad_bools).unpack_scalar_array("bool")) == Status.BAD_VALUE
    assert status_of(lambda: Packer().pack_fixed_scalars("int", 3, [1])) == Status.BAD_VALUE


def test_struct_runs():
    st = struct.Struct(">iIqd")
    p = Packer()
    p.pack_struct(st, -1, 2, -3, 4.5)
    assert p.get_buffer() == packed("pack_int", -1) + packed("pack_uint", 2) + \
        packed("pack_hyper", -3) + packed("pack_double", 4.5)
    assert Unpacker(p.get_buffer()).unpack_struct(st) == (-1, 2, -3, 4.5)
    assert status_of(lambda: Unpacker(p.get_buffer()[:-1]).unpack_struct(st)) == Status.TRUNCATED
    assert status_of(lambda: Packer().pack_struct(st, 2**31, 0, 0, 0.0)) == Status.BAD_VALUE
    assert onc.check_bool(True) == 1 and onc.check_bool(0) == 0
    assert status_of(lambda: onc.check_bool(3)) == Status.BAD_VALUE


def test_strings_are_utf8_and_bytes_accepted():
    assert Unpacker(packed("pack_string", b"\xff\xfe")).unpack_string_bytes() == b"\xff\xfe"
    # undecodable bytes survive a decode/encode round trip
    s = Unpacker(packed("pack_string", b"\xff")).unpack_string()
    assert packed("pack_string", s) == packed("pack_string", b"\xff")


def test_unpacker_position_and_memoryview_input():
    data = memoryview(b"\0\0\0\1\0\0\0\2")
    u = Unpacker(data)
    assert u.unpack_int() == 1
    assert u.get_position() == 4
    u.set_position(0)
    assert u.unpack_struct(struct.Struct(">ii")) == (1, 2)
    assert status_of(lambda: u.set_position(9)) == Status.INVALID_ARG


@pytest.mark.parametrize("kind,lo,hi", [("int", -2**31, 2**31 - 1), ("uint", 0, 2**32 - 1),
                                        ("hyper", -2**63, 2**63 - 1), ("uhyper", 0, 2**64 - 1),
                                        ("bool", 0, 1)])
def test_big_bulk_arrays(kind, lo, hi):
    # long arrays take the array.array path: same bytes, same range checks
    values = [lo, hi] + [(lo + hi) // 2 + i for i in range(-50, 50)]
    if kind == "bool":
        values = [bool(i % 3) for i in range(102)]
    one = Packer()
    for v in values:
        getattr(one, "pack_" + kind)(v)
    bulk = Packer()
    bulk.pack_fixed_scalars(kind, len(values), values)
    assert bulk.get_buffer() == one.get_buffer()
    assert Unpacker(bulk.get_buffer()).unpack_fixed_scalars(kind, len(values)) == values
    for bad in (lo - 1, hi + 1, "1"):
        with pytest.raises(XdrError) as e:
            Packer().pack_scalar_array(kind, values[:50] + [bad] + values[50:])
        assert e.value.status == Status.BAD_VALUE
        assert repr(bad) in str(e.value)


def test_enum_values_checked_against_the_declaration():
    import enum

    class Color(enum.IntEnum):
        RED = 0
        BLUE = 7

    assert Unpacker(packed("pack_enum", Color.BLUE)).unpack_enum(Color) is Color.BLUE
    assert Unpacker(packed("pack_enum", 3)).unpack_enum() == 3
    with pytest.raises(XdrError) as e:
        Unpacker(packed("pack_enum", 3)).unpack_enum(Color)
    assert e.value.status == Status.BAD_VALUE
    assert "Color 3" in str(e.value)


def test_string_with_nul_inside_is_refused_as_in_c():
    wire = bytes([0, 0, 0, 4]) + b"ab\0c"
    assert status_of(lambda: Unpacker(wire).unpack_string()) == Status.BAD_VALUE
    assert status_of(lambda: Unpacker(wire).unpack_string_bytes()) == Status.BAD_VALUE
    assert Unpacker(wire).unpack_opaque() == b"ab\0c"
