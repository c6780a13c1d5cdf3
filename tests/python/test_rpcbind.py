"""rpcbind: universal addresses, lookup (v4, v3 GETADDR, then portmapper v2 GETPORT, as the C
side does), and servers registering: the Python server, and the C server with Python's."""

import signal
import socket
import subprocess
import threading
import time

import pytest

import onc
from conftest import _have_ipv6, onc_bin, peer_path
from fake_rpcbind import FakeRpcbind
from onc import rpcbind
from onc.net import make_uaddr, uaddr_port
from onc.transport import Channel
from testprog import TESTPROG, Testprog, TestprogClient


@pytest.fixture
def rpcb():
    r = FakeRpcbind()
    yield r
    r.stop()


@pytest.fixture
def pmap_only():
    r = FakeRpcbind(versions=(2,))
    yield r
    r.stop()


@pytest.mark.parametrize("uaddr,port", [
    ("127.0.0.1.8.1", 2049), ("0.0.0.0.0.111", 111), ("::1.255.255", 65535),
    ("fe80::1:2.0.0", 0), (".1.2", 258),
])
def test_uaddr_port(uaddr, port):
    assert uaddr_port(uaddr) == port


@pytest.mark.parametrize("bad", ["", "1.2", "127.0.0.1.256.1", "127.0.0.1.1.-1", "a.b.c",
                                 "127.0.0.1..1", "127.0.0.1.1.", "127.0.0.1.x.1", "h.1.\u0661"])
def test_malformed_uaddr(bad):
    with pytest.raises(onc.AddressError):
        uaddr_port(bad)


def test_make_uaddr():
    assert make_uaddr("127.0.0.1", 2049) == "127.0.0.1.8.1"
    assert make_uaddr("[::1]", 258) == "::1.1.2"
    assert uaddr_port(make_uaddr("10.0.0.1", 54321)) == 54321


def register(r, prog, vers, netid, port):
    r.table.entries.append([prog, vers, netid, make_uaddr("127.0.0.1", port), "test"])


def test_find_port_asks_rpcbind_v4_first(rpcb):
    register(rpcb, 7777, 1, "tcp", 1234)
    register(rpcb, 7777, 1, "udp", 4321)
    assert rpcbind.find_port("127.0.0.1", "tcp", 7777, 1, port=rpcb.port) == 1234
    assert rpcbind.find_port("127.0.0.1", "udp", 7777, 1, port=rpcb.port) == 4321
    assert rpcb.table.calls == [(4, 3), (4, 3)]
    with pytest.raises(onc.ProgUnavail):
        rpcbind.find_port("127.0.0.1", "tcp", 7777, 2, port=rpcb.port)


def test_find_port_falls_back_to_portmapper_v2(pmap_only):
    register(pmap_only, 7777, 1, "tcp", 1234)
    assert rpcbind.find_port("127.0.0.1", "tcp", 7777, 1, port=pmap_only.port) == 1234
    # v4 and v3 got PROG_MISMATCH (the server's own answer), then GETPORT
    assert pmap_only.table.calls == [(2, 3)]
    with pytest.raises(onc.ProgUnavail):
        rpcbind.find_port("127.0.0.1", "udp", 7777, 1, port=pmap_only.port)


def test_pmap_calls(rpcb):
    pmap = rpcb.udp
    assert rpcbind.pmap_set(pmap, 5555, 1, onc.net.IPPROTO_TCP, 999) is True
    assert rpcbind.pmap_set(pmap, 5555, 1, onc.net.IPPROTO_TCP, 998) is False  # taken
    assert rpcbind.pmap_getport(pmap, 5555, 1, onc.net.IPPROTO_TCP) == 999
    assert rpcbind.pmap_dump(pmap) == [rpcbind.Mapping(5555, 1, 6, 999)]
    assert rpcbind.pmap_unset(pmap, 5555, 1) is True
    assert rpcbind.pmap_dump(pmap) == []
    with pytest.raises(onc.ProgUnavail):
        rpcbind.pmap_getport(pmap, 5555, 1, onc.net.IPPROTO_TCP)


@pytest.mark.parametrize("versions", [(2, 3, 4), (2,)])
def test_python_server_registers_and_unregisters(versions):
    r = FakeRpcbind(versions)
    try:
        s = onc.Server()
        s.register(Testprog(1))
        tcp = s.listen("tcp://127.0.0.1:0")
        udp = s.listen("udp://127.0.0.1:0")
        rpcbind.use_portmapper(s, r.udp)
        with s:
            got = sorted((e[0], e[1], e[2], uaddr_port(e[3])) for e in r.table.entries)
            assert got == [(TESTPROG, 1, "tcp", tcp), (TESTPROG, 1, "udp", udp)]
            if versions == (2, 3, 4):  # rpcbind SET, with the server's own address
                assert {e[3] for e in r.table.entries} == {make_uaddr("127.0.0.1", tcp),
                                                           make_uaddr("127.0.0.1", udp)}
            # and a client without a port finds it there
            with TestprogClient("tcp://127.0.0.1", rpcbind_port=r.port, timeout=5) as c:
                assert c.add(1, 2) == 3
            with TestprogClient("udp://127.0.0.1", rpcbind_port=r.port, timeout=5) as c:
                assert c.add(3, 4) == 7
        assert r.table.entries == []
    finally:
        r.stop()


@pytest.mark.parametrize("versions", [(2, 3, 4), (2,)])
def test_registration_refused_raises(versions):
    rpcb = FakeRpcbind(versions)
    rpcb.table.refuse = True
    s = onc.Server()
    s.register(Testprog(1))
    port = s.listen("tcp://127.0.0.1:0")
    rpcbind.use_portmapper(s, rpcb.udp)
    try:
        with pytest.raises(onc.AddressError) as e:
            s.start()
        assert "refused" in str(e.value)
        assert rpcb.table.entries == []
        s.stop()
        with pytest.raises(onc.ConnectionRefused):  # its listeners are closed
            TestprogClient(f"tcp://127.0.0.1:{port}", timeout=2)
    finally:
        s.stop()
        rpcb.stop()


def test_c_server_registers_with_python_rpcbind(rpcb):
    p = subprocess.Popen([peer_path("onc_testd"), rpcb.udp], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().split()
        tcp = int(line[1])
        for _ in range(50):
            if len(rpcb.table.entries) >= 4:
                break
            time.sleep(0.05)
        assert sorted((e[1], e[2]) for e in rpcb.table.entries) == \
            [(1, "tcp"), (1, "udp"), (3, "tcp"), (3, "udp")]
        with TestprogClient("tcp://127.0.0.1", rpcbind_port=rpcb.port, timeout=5) as c:
            assert c.address.port == tcp
            assert c.add(20, 22) == 42
        with TestprogClient("udp://127.0.0.1", rpcbind_port=rpcb.port, timeout=5) as c:
            assert c.echo("found") == "found"
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        p.stdout.close()
    assert rpcb.table.entries == []  # unregistered on the way out


def test_onc_info_tries_only_the_versions_listed(rpcb, py_server):
    """A hostile portmapper lists versions 1 and 2**32-1: `onc info -t` calls those two, not
    every version between them (billions of GETPORTs and calls)."""
    uaddr = f"127.0.0.1.{py_server.tcp >> 8}.{py_server.tcp & 255}"
    rpcb.table.entries += [[TESTPROG, 1, "tcp", uaddr, ""], [TESTPROG, 0xFFFFFFFF, "tcp", uaddr, ""]]
    try:
        r = subprocess.run([onc_bin(), "info", "--port", str(rpcb.port), "-t", "127.0.0.1",
                            str(TESTPROG)], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"onc info still running after 20 s, {len(rpcb.table.calls)} calls to the "
                    f"portmapper", pytrace=False)
    lines = r.stdout.splitlines()
    assert lines[0] == f"program {TESTPROG} version 1 ready and waiting"
    assert lines[1].startswith(f"program {TESTPROG} version 4294967295 is not available")
    assert len(lines) == 2 and r.returncode == 1
    assert len(rpcb.table.calls) == 3  # DUMP, then one GETPORT per version listed


def test_lookup_without_rpcbind_fails_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(onc.ConnectionRefused):
        TestprogClient("tcp://127.0.0.1", rpcbind_port=port, timeout=2)


@pytest.mark.parametrize("scheme,kind", [("tcp", socket.SOCK_STREAM), ("udp", socket.SOCK_DGRAM)])
def test_lookup_keeps_the_clients_timeout(scheme, kind):
    """A client given no port asks rpcbind within its own timeout (issue 18, item 11), not 5 s
    whatever the timeout: 0.3 s here, against an rpcbind that never answers (a stream socket
    that listens and never accepts, a datagram socket that never reads). The bound leaves
    room for a busy machine."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            s.listen(8)
        start = time.monotonic()
        with pytest.raises(onc.Timeout):
            TestprogClient(f"{scheme}://127.0.0.1", rpcbind_port=s.getsockname()[1], timeout=0.3)
        took = time.monotonic() - start
    assert 0.25 <= took <= 0.3 + 3, f"{took:.2f} s"


def test_the_call_engine_wants_a_port():
    """transport.Channel, under rpcbind, does not look ports up: only Client does."""
    with pytest.raises(onc.AddressError) as e:
        Channel("udp://127.0.0.1", TESTPROG, 1)
    assert "no port" in str(e.value)


def test_client_takes_a_net_address(rpcb):
    """onc.Client takes a net.Address, as its signature says (as transport.Channel and
    onc.aio.Client do): with a port, and without one (asked of rpcbind). mypy found that it
    handed the Address to net.parse, which refused it (AddressError)."""
    s = onc.Server()
    s.register(Testprog())
    port = s.listen("tcp://127.0.0.1:0")
    register(rpcb, TESTPROG, 1, "tcp", port)
    with s:
        for a in (onc.net.parse(f"tcp://127.0.0.1:{port}"), onc.net.parse("tcp://127.0.0.1")):
            with TestprogClient(a, rpcbind_port=rpcb.port, timeout=5) as c:
                assert c.add(40, 2) == 42


def test_onc_info_names_programs_from_etc_rpc(rpcb):
    """As rpcinfo -p: the service column comes from /etc/rpc (getrpcbynumber)."""
    rpcb.table.entries += [[100001, 5, "udp", "127.0.0.1.3.233", ""]]  # rstatd, port 1001
    r = subprocess.run([onc_bin(), "info", "--port", str(rpcb.port), "-p", "127.0.0.1"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    assert "    100001    5   udp   1001  rstatd" in r.stdout.splitlines()


@pytest.mark.skipif(not _have_ipv6(), reason="no IPv6 loopback here")
def test_onc_info_takes_a_bracketed_ipv6_host():
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([onc_bin(), "rpcbind", "--port", str(port)],  # 127.0.0.1 and ::1
                         stdout=subprocess.PIPE, text=True)
    try:
        p.stdout.readline()  # serving
        for host in ("[::1]", "::1"):
            r = subprocess.run([onc_bin(), "info", "--port", str(port), "-p", host],
                               capture_output=True, text=True, timeout=20)
            assert r.returncode == 0, r.stderr
            assert f"    100000    4   tcp  {port:5d}  portmapper" in r.stdout.splitlines()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        p.stdout.close()


def test_use_portmapper_on_a_running_server_registers_at_once():
    """python/README's pattern: `with onc.Server() as s:` starts the server, then listen() and
    use_portmapper(); the registration happens then, and goes when the server stops."""
    r = FakeRpcbind((2, 3, 4))
    try:
        s = onc.Server()
        s.register(Testprog(1))
        with s:
            tcp = s.listen("tcp://127.0.0.1:0")
            rpcbind.use_portmapper(s, r.udp)
            assert [(e[1], e[2], uaddr_port(e[3])) for e in r.table.entries] == [(1, "tcp", tcp)]
        assert r.table.entries == []
    finally:
        r.stop()


def test_serve_forever_removes_its_registration_on_ctrl_c():
    r = FakeRpcbind((2, 3, 4))
    s = onc.Server()
    s.register(Testprog(1))
    s.listen("tcp://127.0.0.1:0")
    rpcbind.use_portmapper(s, r.udp)
    threading.Timer(0.3, lambda: signal.pthread_kill(threading.main_thread().ident,
                                                     signal.SIGINT)).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            s.serve_forever()
        assert r.table.entries == []
    finally:
        s.stop()
        r.stop()


@pytest.fixture
def c_rpcbind():
    """The C `onc rpcbind` on 127.0.0.1, a free port, no Unix socket: its pmap address."""
    p = subprocess.Popen([onc_bin(), "rpcbind", "--host", "127.0.0.1", "--port", "0",
                          "--unix", "none"], stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()  # onc rpcbind: serving on 127.0.0.1 port N (tcp and udp)
        yield f"tcp://127.0.0.1:{line.split(' port ')[1].split()[0]}"
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        p.stdout.close()


def test_rpcb_dump_getaddrlist_getstat(c_rpcbind):
    """rpcbind v3/v4 DUMP, v4 GETADDRLIST and GETSTAT, as onc info -s, -l and -m make them."""
    pmap = c_rpcbind
    port = int(pmap.rsplit(":", 1)[1])
    here = make_uaddr("127.0.0.1", port)
    assert rpcbind.rpcb_set(pmap, 0x20005555, 1, "udp", "127.0.0.1.4.1") is True
    for v in (3, 4):
        listed = rpcbind.rpcb_dump(pmap, v)
        assert onc.rpcb_prot.rpcb(0x20005555, 1, "udp", "127.0.0.1.4.1", "unknown") in listed
        assert onc.rpcb_prot.rpcb(100000, 4, "tcp", here, "superuser") in listed
    # a caller on IPv4 learns of the IPv4 addresses only
    entries = rpcbind.rpcb_getaddrlist(pmap, 100000, 4, "tcp", here)
    assert [(e.r_maddr, e.r_nc_netid, e.r_nc_semantics, e.r_nc_protofmly, e.r_nc_proto)
            for e in entries] == [(here, "tcp", 3, "inet", "tcp"), (here, "udp", 1, "inet", "udp")]
    assert rpcbind.rpcb_getaddrlist(pmap, 100000, 9, "tcp", here) == []
    assert rpcbind.rpcb_getaddr(pmap, 4, 0x20005555, 1, "tcp") == ""  # on udp only
    v2, v3, v4 = rpcbind.rpcb_getstat(pmap)
    assert v4.info[onc.rpcb_prot.RPCBPROC_GETSTAT] == 1  # this call, counted before it answers
    assert v4.info[onc.rpcb_prot.RPCBPROC_GETADDRLIST] == 2 and v4.setinfo == 1
    assert v3.info[onc.rpcb_prot.RPCBPROC_DUMP] == 1 and v2.addrinfo == []
    # each lookup once per prog/vers/netid of the caller, most recent first
    assert [(a.prog, a.vers, a.netid, a.success, a.failure) for a in v4.addrinfo] == [
        (0x20005555, 1, "tcp", 0, 1), (100000, 9, "tcp", 0, 1), (100000, 4, "tcp", 1, 0)]
