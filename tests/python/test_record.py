"""Record marking: framing, reassembly from pieces of any size, the size limit."""

import struct

import pytest

from onc import RecordReader, Status, XdrError, frame
from onc.record import LAST_FRAG


def hdr(n, last=True):
    return struct.pack(">I", n | (LAST_FRAG if last else 0))


def test_frame_single_fragment():
    assert frame(b"abcd") == bytes.fromhex("80000004") + b"abcd"
    assert frame(b"") == bytes.fromhex("80000000")


def test_frame_splits_into_fragments():
    data = bytes(range(10))
    out = frame(data, max_frag=4)
    assert out == hdr(4, False) + data[:4] + hdr(4, False) + data[4:8] + hdr(2) + data[8:]
    assert RecordReader().feed(out) == [data]


def test_fed_one_byte_at_a_time():
    records = [b"", b"x" * 5, bytes(range(256)) * 3]
    stream = b"".join(frame(r, max_frag=7) for r in records)
    r = RecordReader(1000)
    got = []
    for i in range(len(stream)):
        got += r.feed(stream[i:i + 1])
        # a record comes out exactly when its last byte arrives, and not before
    assert got == records
    assert not r.pending()


def test_records_split_at_every_position():
    stream = frame(b"hello") + frame(b"world!!", max_frag=3)
    for cut in range(len(stream) + 1):
        r = RecordReader()
        assert r.feed(stream[:cut]) + r.feed(stream[cut:]) == [b"hello", b"world!!"]


def test_many_records_in_one_piece():
    recs = [bytes([i]) * i for i in range(20)]
    assert RecordReader().feed(b"".join(frame(x) for x in recs)) == recs


def test_pending_tracks_partial_records():
    r = RecordReader()
    assert r.feed(hdr(4)[:2]) == []
    assert r.pending()
    assert r.feed(hdr(4)[2:] + b"ab") == []
    assert r.feed(b"cd") == [b"abcd"]
    assert not r.pending()


def test_limit_enforced_on_the_header_before_buffering():
    r = RecordReader(max_record=100)
    with pytest.raises(XdrError) as e:
        r.feed(hdr(101))  # the header alone: refused before any data arrives
    assert e.value.status == Status.RECORD_TOO_BIG
    with pytest.raises(XdrError):  # after an error the stream stays unusable
        r.feed(frame(b"ok"))


def test_limit_counts_all_fragments_of_a_record():
    r = RecordReader(max_record=10)
    assert r.feed(hdr(6, False) + b"123456") == []
    with pytest.raises(XdrError) as e:
        r.feed(hdr(5))  # 6 + 5 > 10
    assert e.value.status == Status.RECORD_TOO_BIG


def test_limit_exactly_reached_is_fine():
    r = RecordReader(max_record=10)
    assert r.feed(hdr(4, False) + b"1234" + hdr(6) + b"567890") == [b"1234567890"]
    assert r.feed(frame(b"0123456789")) == [b"0123456789"]


def test_limit_with_one_byte_feeding():
    r = RecordReader(max_record=8)
    data = hdr(9)
    for i in range(3):
        assert r.feed(data[i:i + 1]) == []
    with pytest.raises(XdrError):
        r.feed(data[3:])


def test_huge_fragment_header_is_refused():
    r = RecordReader()  # 4 MiB default
    with pytest.raises(XdrError) as e:
        r.feed(b"\xff\xff\xff\xff")
    assert e.value.status == Status.RECORD_TOO_BIG
