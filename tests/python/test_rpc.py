"""RPC messages: call and reply headers byte for byte, AUTH_SYS and its limits, errors."""

import pytest

import onc
from onc import AuthStat, AuthSys, OpaqueAuth, Packer, Status, Unpacker, XdrError
from onc.rpc import (AcceptStat, CallHeader, accepted_reply, auth_error_reply,
                     decode_call, decode_reply, encode_call, encode_reply, prog_mismatch_reply,
                     rpc_mismatch_reply)


def words(*ws):
    return b"".join(w.to_bytes(4, "big") for w in ws)


def enc(fn, h):
    p = Packer()
    fn(p, h)
    return p.get_buffer()


def test_call_header_bytes():
    h = CallHeader(xid=0x01020304, prog=100000, vers=2, proc=3)
    assert enc(encode_call, h) == words(0x01020304, 0, 2, 100000, 2, 3, 0, 0, 0, 0)
    u = Unpacker(enc(encode_call, h))
    assert decode_call(u) == h
    assert u.remaining() == 0


def test_call_with_auth_sys_round_trips():
    cred = AuthSys(stamp=7, machinename="host", uid=1000, gid=100, gids=[4, 27]).credential()
    h = CallHeader(1, 2, 3, 4, cred=cred)
    data = enc(encode_call, h)
    assert data[24:28] == words(1)  # flavor AUTH_SYS
    assert decode_call(Unpacker(data)) == h


def test_auth_sys_bytes():
    a = AuthSys(stamp=0x11, machinename="abc", uid=1, gid=2, gids=[3])
    assert a.encode() == words(0x11, 3) + b"abc\0" + words(1, 2, 1, 3)
    assert AuthSys.decode(OpaqueAuth(1, a.encode())) == a


def test_auth_sys_limits_when_encoding():
    with pytest.raises(XdrError) as e:
        AuthSys(machinename="m" * 256).encode()
    assert e.value.status == Status.TOO_LONG
    with pytest.raises(XdrError) as e:
        AuthSys(gids=list(range(17))).encode()
    assert e.value.status == Status.TOO_LONG
    biggest = AuthSys(machinename="m" * 255, gids=list(range(16)))
    assert len(biggest.encode()) == 4 + 4 + 256 + 4 + 4 + 4 + 64  # 340 <= 400
    assert AuthSys.decode(biggest.credential()) == biggest


@pytest.mark.parametrize("body", [
    words(0, 256) + b"m" * 256 + words(0, 0, 0),  # name over 255
    words(0, 0, 0, 0, 17) + words(*range(17)),  # 17 gids
    words(0, 0, 0, 0, 1),  # truncated gids
    words(0, 0, 0, 0, 0, 0),  # bytes left over
    words(0, 9) + b"ab",  # truncated name
])
def test_malformed_auth_sys_is_badcred(body):
    with pytest.raises(onc.AuthError) as e:
        AuthSys.decode(OpaqueAuth(1, body))
    assert e.value.stat == AuthStat.AUTH_BADCRED


def test_auth_sys_of_wrong_flavor_is_badcred():
    with pytest.raises(onc.AuthError):
        AuthSys.decode(OpaqueAuth(0, AuthSys().encode()))


def test_local_credentials_encode():
    a = AuthSys.local()
    assert len(a.gids) <= 16
    assert AuthSys.decode(a.credential()) == a


def test_decode_call_refusals_carry_the_xid():
    rpcvers3 = words(9, 0, 3, 1, 1, 0, 0, 0, 0, 0)
    with pytest.raises(onc.RpcMismatch) as e:
        decode_call(Unpacker(rpcvers3))
    assert (e.value.xid, e.value.low, e.value.high) == (9, 2, 2)
    big_cred = words(10, 0, 2, 1, 1, 0, 1, 401) + bytes(404)
    with pytest.raises(onc.AuthError) as e:
        decode_call(Unpacker(big_cred))
    assert (e.value.xid, e.value.stat) == (10, AuthStat.AUTH_BADCRED)
    big_verf = words(11, 0, 2, 1, 1, 0, 0, 0, 6, 401) + bytes(404)
    with pytest.raises(onc.AuthError) as e:
        decode_call(Unpacker(big_verf))
    assert (e.value.xid, e.value.stat) == (11, AuthStat.AUTH_BADVERF)
    with pytest.raises(onc.ProtocolError) as e:
        decode_call(Unpacker(words(12, 1, 2)))
    assert e.value.status == Status.NOT_CALL
    with pytest.raises(XdrError) as e:
        decode_call(Unpacker(words(13, 0, 2, 1, 1)))
    assert e.value.status == Status.TRUNCATED


@pytest.mark.parametrize("header,wire", [
    (accepted_reply(5), words(5, 1, 0, 0, 0, 0)),
    (accepted_reply(5, AcceptStat.PROC_UNAVAIL), words(5, 1, 0, 0, 0, 3)),
    (prog_mismatch_reply(5, 1, 3), words(5, 1, 0, 0, 0, 2, 1, 3)),
    (rpc_mismatch_reply(5), words(5, 1, 1, 0, 2, 2)),
    (auth_error_reply(5, AuthStat.AUTH_TOOWEAK), words(5, 1, 1, 1, 5)),
])
def test_reply_header_bytes_and_round_trip(header, wire):
    assert enc(encode_reply, header) == wire
    u = Unpacker(wire)
    back = decode_reply(u)
    assert u.remaining() == 0
    assert enc(encode_reply, back) == wire


@pytest.mark.parametrize("wire,cls,attrs", [
    (words(1, 1, 0, 0, 0, 1), onc.ProgUnavail, {}),
    (words(1, 1, 0, 0, 0, 2, 4, 7), onc.ProgMismatch, {"low": 4, "high": 7}),
    (words(1, 1, 0, 0, 0, 3), onc.ProcUnavail, {}),
    (words(1, 1, 0, 0, 0, 4), onc.GarbageArgs, {}),
    (words(1, 1, 0, 0, 0, 5), onc.SystemErr, {}),
    (words(1, 1, 1, 0, 2, 3), onc.RpcMismatch, {"low": 2, "high": 3}),
    (words(1, 1, 1, 1, 2), onc.AuthError, {"stat": AuthStat.AUTH_REJECTEDCRED}),
])
def test_reply_errors(wire, cls, attrs):
    err = decode_reply(Unpacker(wire)).error()
    assert type(err) is cls
    assert isinstance(err, onc.ReplyError) and isinstance(err, onc.RpcError)
    for k, v in attrs.items():
        assert getattr(err, k) == v


def test_success_has_no_error():
    assert decode_reply(Unpacker(words(1, 1, 0, 0, 0, 0))).error() is None


@pytest.mark.parametrize("wire,status", [
    (words(1, 0), Status.NOT_REPLY),  # a call
    (words(1, 1, 2), Status.BAD_VALUE),  # reply_stat 2
    (words(1, 1, 0, 0, 0, 6), Status.BAD_VALUE),  # accept_stat 6
    (words(1, 1, 1, 2), Status.BAD_VALUE),  # reject_stat 2
    (words(1, 1, 0, 0, 401) + bytes(404) + words(0), Status.TOO_LONG),  # verifier > 400
    (words(1, 1, 0, 0, 0, 2, 1), Status.TRUNCATED),  # PROG_MISMATCH without high
    (words(1, 1, 1, 1), Status.TRUNCATED),  # AUTH_ERROR without stat
    (words(1), Status.TRUNCATED),
])
def test_malformed_replies(wire, status):
    with pytest.raises(onc.RpcError) as e:
        decode_reply(Unpacker(wire))
    assert e.value.status == status


def test_readable_messages():
    assert str(onc.ProgMismatch(1, 3)) == \
        "program version mismatch: server supports versions 1 to 3"
    assert str(onc.AuthError(AuthStat.AUTH_TOOWEAK)) == "authentication error: AUTH_TOOWEAK"
    assert str(onc.AuthError(99)) == "authentication error: auth_stat 99"
    assert str(onc.Timeout()) == "timed out"
    assert onc.strerror(Status.GARBAGE_ARGS) == "server could not decode the arguments"
    assert onc.strerror(999) == "unknown status"


def test_error_for_maps_every_status():
    from onc.errors import error_for
    for st in Status:
        if st == Status.OK:
            continue
        err = error_for(st)
        assert isinstance(err, onc.RpcError)
        assert err.status == st
