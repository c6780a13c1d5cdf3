"""Record marking on stream transports (RFC 5531 section 11).

A record is one or more fragments, each behind a 4-byte big-endian header whose top bit marks
the record's last fragment and whose low 31 bits give the fragment's length.
"""

import struct
from typing import Optional, Union

from .errors import Status, XdrError

LAST_FRAG = 0x80000000
MAX_FRAG = 0x7FFFFFFF
DEFAULT_MAX_RECORD = 4 << 20  # ONC_RM_DEFAULT_MAX_RECORD: an NFS transfer of 1 MiB fits

_HDR = struct.Struct(">I")


def frame(data: bytes, max_frag: int = MAX_FRAG) -> bytes:
    """data as one record: a single fragment, or fragments of at most max_frag bytes."""
    if not 0 < max_frag <= MAX_FRAG:
        max_frag = MAX_FRAG
    n = len(data)
    if n <= max_frag:
        return _HDR.pack(n | LAST_FRAG) + data
    out = bytearray()
    for off in range(0, n, max_frag):
        piece = data[off:off + max_frag]
        out += _HDR.pack(len(piece) | (LAST_FRAG if off + max_frag >= n else 0))
        out += piece
    return bytes(out)


class RecordReader:
    """Reassembles records from bytes arriving in pieces of any size.

    feed() returns the records completed by the data given. A fragment header that would take
    the record past max_record raises XdrError(RECORD_TOO_BIG) before any of the fragment is
    buffered, and memory grows only as data actually arrives. After an error the stream is
    unusable (the reader keeps failing).
    """

    __slots__ = ("max_record", "_hdr", "_frag_left", "_last", "_in_frag", "_record", "_failed")

    def __init__(self, max_record: int = DEFAULT_MAX_RECORD) -> None:
        self.max_record = max_record or DEFAULT_MAX_RECORD
        self._hdr = b""  # a header not yet complete
        self._frag_left = 0
        self._last = False
        self._in_frag = False
        self._record = bytearray()
        self._failed: Optional[XdrError] = None

    def pending(self) -> bool:
        """True when part of a record (or of a header) has arrived but not all of it."""
        return bool(self._hdr or self._in_frag or self._record)

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> list[bytes]:
        if self._failed:
            raise self._failed
        records = []
        at, n = 0, len(data)
        # Fast path: whole single-fragment records lying in data, with nothing pending.
        while not self.pending() and n - at >= 4:
            (h,) = _HDR.unpack_from(data, at)
            length = h & MAX_FRAG
            if not h & LAST_FRAG or n - at - 4 < length:
                break
            self._check(length)
            records.append(bytes(data[at + 4:at + 4 + length]))
            at += 4 + length
        while at < n:
            if not self._in_frag:
                take = min(4 - len(self._hdr), n - at)
                self._hdr += bytes(data[at:at + take])
                at += take
                if len(self._hdr) < 4:
                    break
                (h,) = _HDR.unpack(self._hdr)
                self._hdr = b""
                self._last = bool(h & LAST_FRAG)
                self._frag_left = h & MAX_FRAG
                self._check(len(self._record) + self._frag_left)
                self._in_frag = True
            else:
                take = min(self._frag_left, n - at)
                self._record += data[at:at + take]
                self._frag_left -= take
                at += take
            if self._in_frag and self._frag_left == 0:
                self._in_frag = False
                if self._last:
                    records.append(bytes(self._record))
                    self._record = bytearray()
        return records

    def _check(self, total: int) -> None:
        if total > self.max_record:
            self._failed = XdrError(f"{total} bytes, limit {self.max_record}",
                                    status=Status.RECORD_TOO_BIG)
            raise self._failed
