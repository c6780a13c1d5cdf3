"""python/onc/errors.py's status list against the C one (include/onc/status.h's
ONC_STATUS_LIST), read from the built libonc.so through onc_status_name() and onc_strerror():
the same values, names and texts, in both directions. Then the failures that keep their OS
cause (issue 17), on real loopback sockets: the status, the errno, and str() against the C
side's onc_error_text() for the same status and detail (tests/runtime/test_errors.c does the
same failures in C)."""

import ctypes
import errno
import os
import socket
import struct
import threading

import pytest

import onc
from conftest import build_dir
from onc import errors
from onc.errors import Status
from testprog import Testprog, TestprogClient

UNKNOWN_NAME = "ONC_UNKNOWN_STATUS"


@pytest.fixture(scope="module")
def libonc():
    path = build_dir() / "lib" / "libonc.so"
    if not os.access(path, os.R_OK):
        pytest.fail(f"{path} is missing: cmake --build {build_dir()} --target onc_shared",
                    pytrace=False)
    lib = ctypes.CDLL(str(path))
    for f in (lib.onc_status_name, lib.onc_strerror):
        f.argtypes = [ctypes.c_int]
        f.restype = ctypes.c_char_p
    return lib


def c_name(status):
    """The C enum's name of a Python Status: OK is ONC_OK, NOMEM is ONC_ERR_NOMEM."""
    return "ONC_OK" if status is Status.OK else f"ONC_ERR_{status.name}"


@pytest.fixture(scope="module")
def c_statuses(libonc):
    """{value: (name, text)} of every C status: the list runs from 0 without gaps (its values
    are the places in ONC_STATUS_LIST), up to the first unknown value."""
    out = {}
    while (name := libonc.onc_status_name(len(out)).decode()) != UNKNOWN_NAME:
        out[len(out)] = (name, libonc.onc_strerror(len(out)).decode())
    return out


def test_every_c_status_is_in_python(c_statuses):
    for value, (name, text) in c_statuses.items():
        try:
            status = Status(value)
        except ValueError:
            pytest.fail(f"C has {name} = {value}, python/onc/errors.py's Status has no {value}")
        assert c_name(status) == name, f"value {value}"
        assert errors.strerror(status) == text, f"{name}"


def test_every_python_status_is_in_c(c_statuses):
    for status in Status:
        assert status.value in c_statuses, f"Status.{status.name} = {status.value} is not in C"
        assert c_statuses[status.value] == (c_name(status), errors.strerror(status))
    assert len(Status) == len(c_statuses)


def test_unknown_values(libonc, c_statuses):
    for value in (-1, len(c_statuses), 1000):
        assert errors.strerror(value) == libonc.onc_strerror(value).decode() == "unknown status"
        assert libonc.onc_status_name(value).decode() == UNKNOWN_NAME


class CallError(ctypes.Structure):
    """include/onc/client.h's onc_call_error."""
    _fields_ = [("low", ctypes.c_uint32), ("high", ctypes.c_uint32), ("auth", ctypes.c_int),
                ("os_error", ctypes.c_int), ("gai_error", ctypes.c_int)]


def c_text(libonc, status, **detail):
    """onc_error_text() of the C library."""
    f = libonc.onc_error_text
    f.argtypes = [ctypes.c_int, ctypes.POINTER(CallError), ctypes.c_char_p, ctypes.c_size_t]
    f.restype = ctypes.c_char_p
    buf = ctypes.create_string_buffer(256)
    return f(int(status), ctypes.byref(CallError(**detail)), buf, len(buf)).decode()


def closed_port(kind=socket.SOCK_STREAM):
    """A port of 127.0.0.1 where nothing listens: bound a moment and closed."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_listen_on_a_foreign_address(libonc):
    server = onc.Server()
    with pytest.raises(onc.RpcError) as e:
        server.listen("tcp://10.255.255.1:0")  # no address of this host
    assert e.value.status.name == "ADDRESS"
    assert e.value.errno == errno.EADDRNOTAVAIL
    assert isinstance(e.value.__cause__, OSError)
    assert str(e.value) == ("bad or unresolvable address: Cannot assign requested address"
                            " (tcp://10.255.255.1:0)")  # the C side's text, and the address
    assert str(e.value) == (c_text(libonc, e.value.status, os_error=errno.EADDRNOTAVAIL) +
                            " (tcp://10.255.255.1:0)")
    # Any address that cannot be bound is the same status, with its own reason.
    port = server.listen("tcp://127.0.0.1:0")
    for addr, why in ((f"tcp://127.0.0.1:{port}", errno.EADDRINUSE),
                      ("unix:///nonexistent/onc.sock", errno.ENOENT)):
        with pytest.raises(onc.AddressError) as e:
            onc.Server().listen(addr)
        assert e.value.errno == why, addr
        assert str(e.value) == c_text(libonc, e.value.status, os_error=why) + f" ({addr})"
    server.stop()


def test_udp_call_too_big(libonc):
    server = onc.Server()
    server.register(Testprog(1))
    port = server.listen("udp://127.0.0.1:0")
    server.start()
    try:
        with TestprogClient(f"udp://127.0.0.1:{port}", timeout=2) as c:
            with pytest.raises(onc.RpcError) as e:
                c.call(2, lambda p: p.pack_opaque(bytes(65536)))
            assert e.value.status.name == "DATAGRAM_TOO_BIG"
            assert e.value.errno == errno.EMSGSIZE
            assert str(e.value) == "message too large for a UDP datagram: Message too long"
            assert str(e.value) == c_text(libonc, e.value.status, os_error=errno.EMSGSIZE)
            assert c.add(2, 3) == 5  # nothing else failed
    finally:
        server.stop()


@pytest.mark.parametrize("scheme", ["tcp", "udp"])
def test_lookup_with_rpcbind_refusing(libonc, scheme):
    kind = socket.SOCK_STREAM if scheme == "tcp" else socket.SOCK_DGRAM
    with pytest.raises(onc.RpcError) as e:
        TestprogClient(f"{scheme}://127.0.0.1", rpcbind_port=closed_port(kind), timeout=2)
    assert e.value.status.name == "RPCBIND_UNREACHABLE"
    assert e.value.errno == errno.ECONNREFUSED
    assert str(e.value) == "cannot reach the host's rpcbind/portmapper: Connection refused"
    assert str(e.value) == c_text(libonc, e.value.status, os_error=errno.ECONNREFUSED)


def test_connect_keeps_the_os_reason(libonc):
    with pytest.raises(onc.ConnectionRefused) as e:
        TestprogClient(f"tcp://127.0.0.1:{closed_port()}", timeout=2)
    assert e.value.errno == errno.ECONNREFUSED
    assert str(e.value) == "connection refused"  # the OS text says the same: left out
    assert str(e.value) == c_text(libonc, e.value.status, os_error=errno.ECONNREFUSED)
    with pytest.raises(onc.ConnectionRefused) as e:
        TestprogClient("unix:///nonexistent/onc.sock", timeout=2)
    assert e.value.errno == errno.ENOENT
    assert str(e.value) == "connection refused: No such file or directory"
    assert str(e.value) == c_text(libonc, e.value.status, os_error=errno.ENOENT)
    with pytest.raises(onc.AddressError) as e:
        TestprogClient("tcp://no-such-host.invalid:1", timeout=2)
    assert e.value.errno is not None and e.value.errno < 0  # getaddrinfo's EAI_*
    assert str(e.value) == (c_text(libonc, e.value.status, gai_error=e.value.errno) +
                            " (tcp://no-such-host.invalid:1)")


def test_connect_timeout_is_the_clients_own(libonc):
    """A connect that the client's deadline ends (a listener whose backlog is full, so that
    handshakes go unanswered) is Timeout with no errno, and reads as the C client's does:
    "timed out" (test_client_server.c's test_connect_timeout checks the C side)."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(0)
        fill = [socket.socket() for _ in range(4)]
        for s in fill:
            s.setblocking(False)
            s.connect_ex(lsock.getsockname())
        try:
            with pytest.raises(onc.Timeout) as e:
                TestprogClient(f"tcp://127.0.0.1:{lsock.getsockname()[1]}", timeout=0.3).null()
        finally:
            for s in fill:
                s.close()
    assert e.value.errno is None
    assert str(e.value) == "timed out" == c_text(libonc, e.value.status)


def test_reset_while_waiting(libonc):
    """A server that reads the call and resets the connection: ConnectionClosed with the
    errno, reading as the C client's (test_errors.c's test_reset_while_waiting)."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)

        def reset() -> None:
            conn, _ = lsock.accept()
            conn.recv(64)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

        t = threading.Thread(target=reset)
        t.start()
        try:
            with pytest.raises(onc.ConnectionClosed) as e:
                TestprogClient(f"tcp://127.0.0.1:{lsock.getsockname()[1]}", timeout=5).null()
        finally:
            t.join()
    assert e.value.errno == errno.ECONNRESET
    assert str(e.value) == "connection closed: Connection reset by peer"
    assert str(e.value) == c_text(libonc, e.value.status, os_error=errno.ECONNRESET)
