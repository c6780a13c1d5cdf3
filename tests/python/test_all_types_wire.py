"""all_types.x, the file with every construct of the RPC language, over the wire between
Python and C, over TCP and UDP: the generated Python client calls the server onc gen generates
(with the procedures of tests/compiler/all_types_impl.c) and the one rpcgen generates (on
libtirpc, with those of tests/compiler/rpcgen_server.c); onc gen's C client stubs call a
server made of the generated Python server classes. Every procedure of both versions is
called, with random values (xdr_random), and the answers and the arguments the servers got
are compared with what was sent and what the procedures compute."""

import subprocess

import pytest

import onc
from conftest import Peer, packed, peer_path, unpacked
from xdr_random import INT_RANGE, RandomValues

CALLS = 20  # random calls of each procedure but NULL, in each test
INT32_MIN = INT_RANGE["int"][0]
# Arguments over UDP stay under libtirpc's datagram buffers (UDPMSGSIZE, 8800 bytes, less
# the RPC header), and so do the replies, which echo them.
UDP_MAX = 8000


def wrap32(n):
    return (n + 2**31) % 2**32 - 2**31


def random_calls(at, seed, kind):
    """[(version, method, arguments)]: NULL of both versions, ADD on the edges, then CALLS
    random calls of ADD, NAME, LIST and ECHO. ECHO's arguments are the fields of a random
    `everything` (the generated client takes a struct argument's fields)."""
    small = dict(items=3, nbytes=40, depth=3) if kind == "udp" else {}
    values = RandomValues(at, seed, **small)
    calls = [(1, "null", ()), (2, "null", ()), (1, "add", (2**31 - 1, 1)),
             (1, "add", (INT32_MIN, 1))]
    for _ in range(CALLS):
        everything = values.of("everything")
        while kind == "udp" and len(packed(at.pack_everything, everything)) > UDP_MAX:
            everything = values.of("everything")
        # LIST's procedures add the hyper to ints in 64-bit arithmetic: keep clear of overflow.
        hyper = values.rng.randint(-2**62, 2**62)
        calls += [(1, "add", (values.of("myint"), values.of("myint"))),
                  (1, "name", (values.of("name"),)),
                  (2, "list", (values.of("smalls"), values.of("color"), hyper)),
                  (1, "echo", tuple(vars(everything).values()))]
    return calls


def answer(at, method, args):
    """What the C procedures answer: onc.SystemErr (the class) for an error reply."""
    if method == "null":
        return None
    if method == "add":
        return onc.SystemErr if args[0] == INT32_MIN else wrap32(args[0] + args[1])
    if method == "name":
        return "hello, " + args[0]
    if method == "list":  # a node per small (its a plus the hyper), then one with the color
        items, color, hyper = args
        return [at.list(wrap32(item.a + hyper), "") for item in items] + [at.list(int(color), "end")]
    assert method == "echo"
    return at.everything(*args)


def check(at, method, args, got):
    """got is what answer() gives; echoed values are also the same bytes (-0.0 == 0.0)."""
    want = answer(at, method, args)
    assert got == want, (method, args)
    if method == "echo":
        assert packed(at.pack_everything, got) == packed(at.pack_everything, want)


def call_all(at, addr, calls):
    """Makes the calls with the generated Python client and checks every answer."""
    with at.AllTypesV1Client(addr, timeout=20) as v1, at.AllTypesV2Client(addr, timeout=20) as v2:
        for version, method, args in calls:
            call = getattr(v1 if version == 1 else v2, method)
            try:
                got = call(*args)
            except onc.SystemErr:
                got = onc.SystemErr
            check(at, method, args, got)


@pytest.fixture(scope="module")
def onc_c_server():
    p = Peer("all_types_testd")
    yield p
    err = p.stop()
    assert (p.proc.returncode, err) == (0, ""), "all_types_testd did not exit cleanly"


@pytest.fixture(scope="module")
def rpcgen_server():
    p = Peer("all_types_rpcgen_testd")
    yield p
    p.stop()


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_python_client_calls_onc_c_server(at, onc_c_server, kind):
    port = onc_c_server.tcp if kind == "tcp" else onc_c_server.udp
    call_all(at, f"{kind}://127.0.0.1:{port}", random_calls(at, "onc_c " + kind, kind))


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_python_client_calls_rpcgen_server(at, rpcgen_server, kind):
    # rpcgen ran with -DRPCGEN_SUBSET, which leaves out the quadruple and inline definitions;
    # no procedure uses them, so the values need no other restriction than UDP_MAX.
    port = rpcgen_server.tcp if kind == "tcp" else rpcgen_server.udp
    call_all(at, f"{kind}://127.0.0.1:{port}", random_calls(at, "rpcgen " + kind, kind))


class Recorder:
    """The procedures as the C ones answer them, keeping the calls in `calls`: mixed into the
    generated server classes."""

    def __init__(self, at, calls):
        self.at, self.calls = at, calls

    def _call(self, method, *args):
        self.calls.append((self.VERSION, method, args))
        result = answer(self.at, method, args)
        if result is onc.SystemErr:
            raise onc.SystemErr()
        return result

    def null(self):
        self._call("null")

    def add(self, *args):
        return self._call("add", *args)

    def name(self, *args):
        return self._call("name", *args)

    def list(self, *args):
        return self._call("list", *args)

    def echo(self, *args):
        return self._call("echo", *args)


def c_line(at, version, method, args):
    """A call as all_types_testc reads it."""
    if method == "null":
        return f"null {version}"
    if method == "add":
        return f"add {args[0]} {args[1]}"
    if method == "name":
        return "name " + packed(at.pack_name, args[0]).hex()
    if method == "list":
        return f"list {packed(at.pack_smalls, args[0]).hex()} {int(args[1])} {args[2]}"
    return "echo " + packed(at.pack_everything, at.everything(*args)).hex()


def c_answer(at, line):
    """An answer all_types_testc printed, as answer() gives it."""
    what, _, rest = line.partition(" ")
    if line == "error " + onc.strerror(onc.Status.SYSTEM_ERR):
        return onc.SystemErr
    if what == "null" and rest == "ok":
        return None
    if what == "add":
        return int(rest)
    if what == "name":
        return bytes.fromhex(rest).decode("utf-8", "surrogateescape")
    if what in ("list", "echo"):
        return unpacked(at.unpack_list if what == "list" else at.unpack_everything,
                        bytes.fromhex(rest))
    return line  # an error


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_c_client_calls_python_server(at, kind):
    calls, got = random_calls(at, "python " + kind, kind), []
    server = onc.Server()
    server.register(type("V1", (Recorder, at.AllTypesV1Server), {})(at, got))
    server.register(type("V2", (Recorder, at.AllTypesV2Server), {})(at, got))
    port = server.listen(f"{kind}://127.0.0.1:0")
    with server:
        r = subprocess.run([peer_path("all_types_testc"), f"{kind}://127.0.0.1:{port}"],
                           input="".join(c_line(at, *c) + "\n" for c in calls),
                           capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stderr) == (0, "")
    answers = r.stdout.splitlines()
    assert len(answers) == len(calls)
    for (version, method, args), line in zip(calls, answers):
        check(at, method, args, c_answer(at, line))
    # The server got the arguments the C client encoded (compared in XDR, to the bit).
    if kind == "udp":  # a datagram the client sent again would reach the server twice
        got = [c for i, c in enumerate(got) if i == 0 or c != got[i - 1]]
    assert [c_line(at, *c) for c in got] == [c_line(at, *c) for c in calls]
