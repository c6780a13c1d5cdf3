"""XDR (RFC 4506): Packer encodes, Unpacker decodes, with the C side's checks.

- Every length read off the wire is checked against its declared maximum (TOO_LONG) and
  against what is left of the input (TRUNCATED) before anything is sliced or allocated.
- Booleans are 0 or 1, anything else is BAD_VALUE; values that do not fit their type are
  BAD_VALUE when encoding.
- Padding is skipped, or must be zero when the Unpacker is made with strict_padding=True.
- Arrays of 4- and 8-byte scalars are encoded and decoded with one struct call per array.
- Errors are XdrError exceptions carrying a Status.
- Data nested deeper than max_depth optionals, or deeper than the interpreter's recursion
  limit lets the decoders go, is TOO_DEEP: generated decoders recurse a few frames per level
  of a recursive type, so at the default limit (1000 frames) about 250 levels decode where C
  takes 1024 (a RecursionError is never what a decoder raises).

Generated code calls these methods directly; for runs of fixed-size fields it may use
pack_struct()/unpack_struct() with a precompiled struct.Struct (one call for the run).
"""

import array
import collections.abc
import operator
import struct
import sys
from enum import IntEnum
from typing import Any, Callable, Optional, Sequence, TypeVar, Union, overload

from .errors import Status, XdrError

T = TypeVar("T")
E = TypeVar("E", bound=IntEnum)

UNLIMITED = 0xFFFFFFFF  # the maximum of "string<>", "opaque<>" and "T<>"
DEFAULT_DEPTH = 1024  # ONC_XDR_DEFAULT_DEPTH: nesting allowed for recursive types

_U32 = struct.Struct(">I")
_I32 = struct.Struct(">i")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")  # indexed by n % 4


def too_deep() -> XdrError:
    """The error for data nested too deeply, also made of a RecursionError at the edges of
    a decode (an except clause at the recursion limit that cannot make it raises a new
    RecursionError, which the level above turns into this)."""
    return XdrError(status=Status.TOO_DEEP)
_ZERO4 = b"\0\0\0\0"

# Integer kinds also go through array.array (one call, range-checked), whose type codes of
# the right size are picked here; floats stay with struct, which refuses out-of-range floats.
_ARRAY_CODES = {c: a for c, a in (("i", "i"), ("I", "I"), ("q", "q"), ("Q", "Q"))
                if array.array(a).itemsize == struct.calcsize(c)}
_LITTLE = sys.byteorder == "little"

# Bulk formats: (struct code, size); one struct call with a repeat count per array.
_BULK = {"int": ("i", 4), "uint": ("I", 4), "hyper": ("q", 8), "uhyper": ("Q", 8),
         "float": ("f", 4), "double": ("d", 8), "bool": ("I", 4)}


def pad(n: int) -> int:
    """Bytes of padding after n bytes of opaque data."""
    return -n & 3


def _bad_value(what: str, value: object) -> XdrError:
    return XdrError(f"{what} {value!r}", status=Status.BAD_VALUE)


def _as_bytes(data: Union[str, bytes]) -> bytes:
    """str is encoded as UTF-8 (surrogateescape keeps undecodable bytes round-tripping)."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    return data


class Packer:
    """Encodes into a growing buffer; get_buffer() returns the bytes so far."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def get_buffer(self) -> bytes:
        return bytes(self._buf)

    def __len__(self) -> int:
        return len(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    # --- scalars ---

    def _pack(self, st: struct.Struct, what: str, v: float) -> None:
        try:
            self._buf += st.pack(v)
        except (struct.error, OverflowError, TypeError):
            raise _bad_value(what, v) from None

    def pack_uint(self, v: int) -> None:
        try:
            self._buf += _U32.pack(v)
        except (struct.error, TypeError):
            raise _bad_value("unsigned int", v) from None

    def pack_int(self, v: int) -> None:
        try:
            self._buf += _I32.pack(v)
        except (struct.error, TypeError):
            raise _bad_value("int", v) from None

    pack_enum = pack_int

    def pack_bool(self, v: bool) -> None:
        if v is True or v is False or v == 0 or v == 1:
            self._buf += _U32.pack(1 if v else 0)
        else:
            raise _bad_value("bool", v)

    def pack_uhyper(self, v: int) -> None:
        self._pack(_U64, "unsigned hyper", v)

    def pack_hyper(self, v: int) -> None:
        self._pack(_I64, "hyper", v)

    def pack_float(self, v: float) -> None:
        self._pack(_F32, "float", v)

    def pack_double(self, v: float) -> None:
        self._pack(_F64, "double", v)

    def pack_quadruple(self, v: bytes) -> None:
        """quadruple: its 16 bytes in network order (Python has no binary128 type)."""
        self.pack_fopaque(16, v)

    # --- opaque data and strings ---

    def pack_fopaque(self, n: int, data: bytes) -> None:
        """Fixed-length opaque[n]: exactly n bytes, then zero padding."""
        data = _as_bytes(data)
        if len(data) != n:
            raise XdrError(f"fixed opaque of {n} bytes given {len(data)}", status=Status.BAD_VALUE)
        self._buf += data
        self._buf += _PAD[n & 3]

    def pack_opaque(self, data: bytes, max: int = UNLIMITED) -> None:
        """Variable-length opaque<max>: length, bytes, padding."""
        n = len(data)
        if n > max:
            raise XdrError(f"{n} bytes, at most {max}", status=Status.TOO_LONG)
        buf = self._buf
        buf += _U32.pack(n)
        buf += data
        buf += _PAD[n & 3]

    def pack_string(self, s: Union[str, bytes, None], max: int = UNLIMITED) -> None:
        """string<max>: a str (sent as UTF-8) or bytes; None is the empty string, as in C."""
        if isinstance(s, str):  # a subclass too (a StrEnum's member)
            s = s.encode("utf-8", "surrogateescape")
        elif s is None:
            s = b""
        n = len(s)
        if n > max:
            raise XdrError(f"{n} bytes, at most {max}", status=Status.TOO_LONG)
        buf = self._buf
        buf += _U32.pack(n)
        buf += s
        buf += _PAD[n & 3]

    # --- arrays ---

    def pack_array_len(self, n: int, max: int = UNLIMITED) -> None:
        if n > max:
            raise XdrError(f"{n} elements, at most {max}", status=Status.TOO_LONG)
        self._buf += _U32.pack(n)

    def pack_farray(self, n: int, values: Sequence[T], pack_item: Callable[[T], object]) -> None:
        """Fixed-length T[n] of any type: pack_item(value) for each (packer bound method or
        any callable taking the value)."""
        if len(values) != n:
            raise XdrError(f"fixed array of {n} given {len(values)}", status=Status.BAD_VALUE)
        try:
            for v in values:
                pack_item(v)
        except PACK_ERRORS as e:
            raise _element_error(e, values, v) from None

    def pack_array(self, values: Sequence[T], pack_item: Callable[[T], object],
                   max: int = UNLIMITED) -> None:
        """Variable-length T<max> of any type."""
        self.pack_array_len(len(values), max)
        try:
            for v in values:
                pack_item(v)
        except PACK_ERRORS as e:
            raise _element_error(e, values, v) from None

    def pack_optional(self, value: Optional[T], pack_item: Callable[[T], object]) -> None:
        """Optional data (T *): FALSE for None, else TRUE and the value."""
        if value is None:
            self._buf += _ZERO4
        else:
            self._buf += b"\0\0\0\1"
            pack_item(value)

    def pack_list(self, values: Sequence[T], pack_item: Callable[[T], object], *,
                  nonempty: bool = False) -> None:
        """A linked list of the .x (`struct node { ...; node *next; }`) from a Python list of
        its elements, in the bytes of the chain: TRUE before each value, FALSE after the last.
        nonempty: the list is a node by value (`node n`, not `node *n`), whose first value has
        no TRUE before it, and which holds one value at least (BAD_VALUE otherwise)."""
        if not isinstance(values, collections.abc.Sequence):  # None, a node
            raise _bad_value("linked list (a Python list of its elements)", values)
        if nonempty and not values:
            raise XdrError("a list of at least one node, got an empty list",
                           status=Status.BAD_VALUE)
        buf = self._buf
        try:
            for i, v in enumerate(values):
                if i or not nonempty:
                    buf += b"\0\0\0\1"
                pack_item(v)
        except PACK_ERRORS as e:
            raise _as_xdr_error(e).at(f"[{i}]") from None
        buf += _ZERO4

    # --- bulk: arrays of 4- and 8-byte scalars, one struct call each ---

    def _pack_bulk(self, kind: str, values: Sequence[float]) -> None:
        code, size = _BULK[kind]
        if kind == "bool":
            for i, v in enumerate(values):
                if not (v is True or v is False or v == 0 or v == 1):
                    raise _bad_value("bool", v).at(f"[{i}]")
            values = [1 if v else 0 for v in values]
        try:
            if code in _ARRAY_CODES and len(values) > 16:
                a = array.array(_ARRAY_CODES[code], values)  # range-checked like struct
                if _LITTLE:
                    a.byteswap()
                self._buf += a.tobytes()
            else:
                self._buf += struct.pack(f">{len(values)}{code}", *values)
        except (struct.error, OverflowError, TypeError):
            at = next((i for i, v in enumerate(values) if not _fits(code, v)), None)
            if at is None:
                raise _bad_value(kind, values) from None
            raise _bad_value(kind, values[at]).at(f"[{at}]") from None

    def pack_fixed_scalars(self, kind: str, n: int, values: Sequence[float]) -> None:
        """Fixed-length array T[n] of kind "int", "uint", "hyper", "uhyper", "float",
        "double" or "bool": the values only, no count."""
        if len(values) != n:
            raise XdrError(f"fixed array of {n} given {len(values)}", status=Status.BAD_VALUE)
        self._pack_bulk(kind, values)

    def pack_scalar_array(self, kind: str, values: Sequence[float], max: int = UNLIMITED) -> None:
        """Variable-length array T<max> of scalars: the count, then the values in bulk."""
        self.pack_array_len(len(values), max)
        self._pack_bulk(kind, values)

    def pack_int_array(self, values: Sequence[int], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("int", values, max)

    def pack_uint_array(self, values: Sequence[int], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("uint", values, max)

    def pack_hyper_array(self, values: Sequence[int], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("hyper", values, max)

    def pack_uhyper_array(self, values: Sequence[int], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("uhyper", values, max)

    def pack_float_array(self, values: Sequence[float], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("float", values, max)

    def pack_double_array(self, values: Sequence[float], max: int = UNLIMITED) -> None:
        self.pack_scalar_array("double", values, max)

    # --- runs of fixed-size fields ---

    def pack_struct(self, st: struct.Struct, *values: Any) -> None:
        """Several fixed-size fields at once with a precompiled big-endian struct.Struct (e.g.
        struct.Struct(">iIqd") for int, unsigned, hyper, double). Bools must be passed as 0/1
        (see check_bool)."""
        try:
            self._buf += st.pack(*values)
        except (struct.error, OverflowError, TypeError) as e:
            raise XdrError(str(e), status=Status.BAD_VALUE) from None

    def pack_raw(self, data: bytes) -> None:
        """Bytes already in XDR form (a multiple of 4 long), appended as they are."""
        self._buf += data


# What encoding a value may raise besides XdrError: a value of the wrong type.
PACK_ERRORS = (XdrError, TypeError, ValueError, AttributeError, OverflowError, struct.error)

# A run's struct code, as the .x names the type (field_error()).
_CODE_TYPES = {"i": "int", "I": "unsigned int", "q": "hyper", "Q": "unsigned hyper",
               "f": "float", "d": "double"}


def _as_xdr_error(e: BaseException) -> XdrError:
    if isinstance(e, XdrError):
        return e
    return XdrError(str(e), status=Status.BAD_VALUE)


def _element_error(e: BaseException, values: Sequence[T], v: T) -> XdrError:
    """e, raised by element v of values, naming its index (the first element that is v:
    an earlier one that is v too would have failed first)."""
    at = next(i for i, x in enumerate(values) if x is v)
    return _as_xdr_error(e).at(f"[{at}]")


def field_error(e: BaseException, obj: object) -> XdrError:
    """The error e, raised by the pack() method of obj (an instance of a generated class),
    naming the field it came from. The method's one `except` calls this: its class's _FIELDS
    says what each line of the method after `try:` codes (a field's name, a run of fields
    coded by one struct.Struct, or None)."""
    err = _as_xdr_error(e)
    tb = e.__traceback__
    cls = type(obj)
    fields = getattr(cls, "_FIELDS", ())
    line = tb.tb_lineno - getattr(cls, "pack").__code__.co_firstlineno - 2 if tb else -1
    what = fields[line] if 0 <= line < len(fields) else None
    if isinstance(what, str):
        return err.at(what)
    if isinstance(what, tuple):  # (struct.Struct, name, name...): the value that does not fit
        st, names = what[0], what[1:]
        for name, code in zip(names, st.format.lstrip(">")):
            value = operator.attrgetter(name)(obj)
            if not _fits(code, value):
                return _bad_value(_CODE_TYPES.get(code, code), value).at(name)
    return err


def _fits(code: str, v: float) -> bool:
    try:
        struct.pack(">" + code, v)
        return True
    except (struct.error, OverflowError, TypeError):
        return False


def check_bool(v: object) -> int:
    """0/1 for a value that is a boolean; BAD_VALUE otherwise (for pack_struct)."""
    if v is True or v is False or v == 0 or v == 1:
        return 1 if v else 0
    raise _bad_value("bool", v)


class Unpacker:
    """Decodes from bytes (or a bytearray/memoryview); never reads past the end.

    strict_padding: padding bytes must be zero (BAD_PADDING otherwise).
    max_depth: how deep unpack_optional() may nest (TOO_DEEP beyond, and where the
    interpreter's recursion limit comes first).
    """

    __slots__ = ("_data", "_pos", "_end", "strict_padding", "depth")

    def __init__(self, data: Union[bytes, bytearray, memoryview], *, strict_padding: bool = False,
                 max_depth: int = DEFAULT_DEPTH) -> None:
        self._data = data
        self._pos = 0
        self._end = len(data)
        self.strict_padding = strict_padding
        self.depth = max_depth

    # --- position ---

    def get_position(self) -> int:
        return self._pos

    def set_position(self, pos: int) -> None:
        if not 0 <= pos <= self._end:
            raise XdrError(f"position {pos}", status=Status.INVALID_ARG)
        self._pos = pos

    def remaining(self) -> int:
        """Bytes left to decode."""
        return self._end - self._pos

    def get_buffer(self) -> Union[bytes, bytearray, memoryview]:
        return self._data

    def done(self) -> None:
        """Checks the whole input was consumed (TRAILING_DATA otherwise)."""
        if self._pos != self._end:
            raise XdrError(f"{self._end - self._pos} bytes left", status=Status.TRAILING_DATA)

    def _need(self, n: int) -> None:
        if self._end - self._pos < n:
            raise XdrError(f"{n} bytes needed, {self._end - self._pos} left",
                           status=Status.TRUNCATED)

    # --- scalars ---

    def _unpack(self, st: struct.Struct) -> Any:
        pos = self._pos
        if self._end - pos < st.size:
            self._need(st.size)
        self._pos = pos + st.size
        return st.unpack_from(self._data, pos)[0]

    def unpack_uint(self) -> int:
        pos = self._pos
        if self._end - pos < 4:
            self._need(4)
        self._pos = pos + 4
        v: int = _U32.unpack_from(self._data, pos)[0]
        return v

    def unpack_int(self) -> int:
        pos = self._pos
        if self._end - pos < 4:
            self._need(4)
        self._pos = pos + 4
        v: int = _I32.unpack_from(self._data, pos)[0]
        return v

    @overload
    def unpack_enum(self) -> int: ...

    @overload
    def unpack_enum(self, enum_type: type[E]) -> E: ...

    def unpack_enum(self, enum_type: Optional[type[E]] = None) -> Union[int, E]:
        """An enum's integer; with enum_type (an IntEnum class), that member, a value it does
        not declare being BAD_VALUE."""
        v = self.unpack_int()
        if enum_type is None:
            return v
        try:
            return enum_type(v)
        except ValueError:
            raise _bad_value(enum_type.__name__, v) from None

    def unpack_bool(self) -> bool:
        v = self.unpack_uint()
        if v > 1:
            raise _bad_value("bool", v)
        return v == 1

    def unpack_uhyper(self) -> int:
        v: int = self._unpack(_U64)
        return v

    def unpack_hyper(self) -> int:
        v: int = self._unpack(_I64)
        return v

    def unpack_float(self) -> float:
        v: float = self._unpack(_F32)
        return v

    def unpack_double(self) -> float:
        v: float = self._unpack(_F64)
        return v

    def unpack_quadruple(self) -> bytes:
        return self.unpack_fopaque(16)

    # --- opaque data and strings ---

    def _skip_pad(self, n: int) -> None:
        p = -n & 3
        if not p:
            return
        self._need(p)
        if self.strict_padding and any(self._data[self._pos:self._pos + p]):
            raise XdrError(f"after {n} bytes", status=Status.BAD_PADDING)
        self._pos += p

    def unpack_fopaque(self, n: int) -> bytes:
        """Fixed-length opaque[n] as bytes (padding skipped)."""
        self._need(n)
        pos = self._pos
        data = bytes(self._data[pos:pos + n])
        self._pos = pos + n
        self._skip_pad(n)
        return data

    def unpack_opaque(self, max: int = UNLIMITED) -> bytes:
        """Variable-length opaque<max> as bytes: the length is checked against max and against
        what is left before the bytes are copied."""
        data, pos, end = self._data, self._pos, self._end
        if end - pos < 4:
            self._need(4)
        n = _U32.unpack_from(data, pos)[0]
        if n > max:
            raise XdrError(f"length {n}, at most {max}", status=Status.TOO_LONG)
        pos += 4
        stop = pos + n
        padded = stop + (-n & 3)
        if padded > end:
            self._pos = pos
            self._need(padded - pos)
        if self.strict_padding and any(data[stop:padded]):
            raise XdrError(f"after {n} bytes", status=Status.BAD_PADDING)
        self._pos = padded
        return bytes(data[pos:stop])

    def unpack_string(self, max: int = UNLIMITED) -> str:
        """string<max> as str (UTF-8; undecodable bytes kept by surrogateescape)."""
        return self.unpack_string_bytes(max).decode("utf-8", "surrogateescape")

    def unpack_string_bytes(self, max: int = UNLIMITED) -> bytes:
        """string<max> as the raw bytes; a NUL inside is BAD_VALUE, as in C."""
        data = self.unpack_opaque(max)
        if b"\0" in data:
            raise XdrError("NUL byte inside a string", status=Status.BAD_VALUE)
        return data

    # --- arrays ---

    def unpack_array_len(self, max: int = UNLIMITED, min_elem_size: int = 4) -> int:
        """A variable-length array's count: TOO_LONG above max, TRUNCATED when that many
        elements of at least min_elem_size bytes cannot fit in what is left."""
        n = self.unpack_uint()
        if n > max:
            raise XdrError(f"{n} elements, at most {max}", status=Status.TOO_LONG)
        if min_elem_size and n > (self._end - self._pos) // min_elem_size:
            raise XdrError(f"{n} elements of {min_elem_size}+ bytes, {self._end - self._pos} left",
                           status=Status.TRUNCATED)
        return n

    def unpack_farray(self, n: int, unpack_item: Callable[[], T], min_elem_size: int = 4) -> list[T]:
        """Fixed-length T[n]: a list of unpack_item() results."""
        if min_elem_size and n * min_elem_size > self._end - self._pos:
            self._need(n * min_elem_size)
        try:
            return [unpack_item() for _ in range(n)]
        except RecursionError:  # a type recursive through an array
            raise too_deep() from None

    def unpack_array(self, unpack_item: Callable[[], T], max: int = UNLIMITED,
                     min_elem_size: int = 4) -> list[T]:
        """Variable-length T<max>; min_elem_size is the smallest encoding of one T (4 for
        every XDR type except void), used to refuse counts the input cannot back."""
        n = self.unpack_array_len(max, min_elem_size)
        try:
            return [unpack_item() for _ in range(n)]
        except RecursionError:
            raise too_deep() from None

    def unpack_optional(self, unpack_item: Callable[[], T]) -> Optional[T]:
        """Optional data (T *): None or unpack_item(); counts nesting against max_depth."""
        if not self.unpack_bool():
            return None
        if self.depth <= 0:
            raise XdrError(status=Status.TOO_DEEP)
        self.depth -= 1
        try:
            return unpack_item()
        except RecursionError:  # deeper than the interpreter lets us go
            raise too_deep() from None
        finally:
            self.depth += 1

    def unpack_list(self, unpack_item: Callable[[], T], *, nonempty: bool = False) -> list[T]:
        """A linked list of the .x as a Python list of its elements, read in a loop (a long
        list costs no stack): values while the bool before each is TRUE (so each takes 4 bytes
        at least, and what is left bounds the count: TRUNCATED past the end). Behind a pointer
        (not nonempty), the list counts one level against max_depth, as unpack_optional
        does; nonempty: a node by value, whose first value has no bool before it."""
        if not nonempty:
            items = self.unpack_optional(lambda: self.unpack_list(unpack_item, nonempty=True))
            return [] if items is None else items
        items = [unpack_item()]
        while self.unpack_bool():
            items.append(unpack_item())
        return items

    # --- bulk: arrays of 4- and 8-byte scalars, one struct call each ---

    def unpack_fixed_scalars(self, kind: str, n: int) -> list[Any]:
        """n scalars of kind "int", "uint", "hyper", "uhyper", "float", "double", "bool"
        (fixed-length T[n]) as a list."""
        code, size = _BULK[kind]
        self._need(n * size)
        pos = self._pos
        values = struct.unpack_from(f">{n}{code}", self._data, pos)
        self._pos = pos + n * size
        if kind == "bool":
            if any(v > 1 for v in values):
                raise _bad_value("bool", max(values))
            return [v == 1 for v in values]
        return list(values)

    def unpack_scalar_array(self, kind: str, max: int = UNLIMITED) -> list[Any]:
        """Variable-length T<max> of scalars: count checked, then one bulk decode."""
        n = self.unpack_array_len(max, _BULK[kind][1])
        return self.unpack_fixed_scalars(kind, n)

    def unpack_int_array(self, max: int = UNLIMITED) -> list[int]:
        return self.unpack_scalar_array("int", max)

    def unpack_uint_array(self, max: int = UNLIMITED) -> list[int]:
        return self.unpack_scalar_array("uint", max)

    def unpack_hyper_array(self, max: int = UNLIMITED) -> list[int]:
        return self.unpack_scalar_array("hyper", max)

    def unpack_uhyper_array(self, max: int = UNLIMITED) -> list[int]:
        return self.unpack_scalar_array("uhyper", max)

    def unpack_float_array(self, max: int = UNLIMITED) -> list[float]:
        return self.unpack_scalar_array("float", max)

    def unpack_double_array(self, max: int = UNLIMITED) -> list[float]:
        return self.unpack_scalar_array("double", max)

    # --- runs of fixed-size fields ---

    def unpack_struct(self, st: struct.Struct) -> tuple[Any, ...]:
        """Several fixed-size fields at once with a precompiled struct.Struct: a tuple."""
        pos = self._pos
        if self._end - pos < st.size:
            self._need(st.size)
        self._pos = pos + st.size
        return st.unpack_from(self._data, pos)

    def unpack_raw(self, n: int) -> bytes:
        """n bytes as they are (no padding handling)."""
        self._need(n)
        pos = self._pos
        self._pos = pos + n
        return bytes(self._data[pos:pos + n])


def arm(value: Optional[T]) -> T:
    """The value of a union's arm that its discriminant selects, for encoding: None there
    is BAD_VALUE (generated pack methods call this; field_error() names the arm)."""
    if value is None:
        raise XdrError("no value for the arm the discriminant selects", status=Status.BAD_VALUE)
    return value
