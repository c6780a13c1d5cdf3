"""The onc command's arguments: numbers in decimal or hex, programs by name from /etc/rpc,
--help exits 0 in every command, and anything wrong is an error naming the argument."""

import subprocess

import pytest

from conftest import onc_bin
from fake_rpcbind import FakeRpcbind


def onc(*args):
    return subprocess.run([onc_bin(), *args], capture_output=True, text=True, timeout=20)


@pytest.fixture
def rpcb():
    r = FakeRpcbind()
    yield r
    r.stop()


@pytest.mark.parametrize("args", [["--help"], ["gen", "--help"], ["info", "--help"],
                                  ["rpcbind", "--help"], ["info", "-h"]])
def test_help_exits_0(args):
    r = onc(*args)
    assert r.returncode == 0, r.stderr
    assert "usage" in r.stdout or args[0] in r.stdout


@pytest.mark.parametrize("args,message,status", [
    # onc info answers bad arguments in rpcinfo's words and with its status, 1
    (["info", "--bogus"], "onc info: unknown option '--bogus'", 1),
    (["gen", "--bogus"], "onc gen: unknown option '--bogus'", 2),
    (["rpcbind", "--bogus"], "onc rpcbind: unknown option '--bogus'", 2),
    (["rpcbind", "--port", "abc"], "onc rpcbind: port 'abc' is not a number from 0 to 65535", 2),
    (["rpcbind", "--port", "70000"], "onc rpcbind: port '70000' is not a number from 0 to 65535",
     2),
    (["info", "--port", "x1", "-p", "h"], "onc info: x1 is illegal port number", 1),
    (["info", "-t", "127.0.0.1", "nosuchprogram"], "onc info: nosuchprogram is unknown service",
     1),
    (["info", "-t", "127.0.0.1", "100003", "2x"], "onc info: 2x is illegal version number", 1),
    (["info", "-l", "127.0.0.1", "100000"], "onc info: -l takes a HOST, a PROG and a VERS", 1),
    (["info", "-b", "100000", "x"], "onc info: x is illegal version number", 1),
    (["info", "-s", "-m"], "onc info: one of -p, -t, -u, -d, --tls, -s, -m, -l and -b", 1),
])
def test_bad_arguments_are_named(args, message, status):
    r = onc(*args)
    assert r.returncode == status
    assert r.stderr.startswith(message), r.stderr


@pytest.mark.parametrize("prog,number", [("0x20001234", 0x20001234), ("536875572", 0x20001234),
                                         ("nfs", 100003), ("portmapper", 100000)])
def test_programs_in_hex_or_by_name(rpcb, prog, number):
    """The program reaches the portmapper as its number: none is registered here, so onc
    info says which it looked for."""
    r = onc("info", "--port", str(rpcb.port), "-t", "127.0.0.1", prog)
    assert r.returncode == 1
    assert r.stderr == f"onc info: program {number} is not registered for tcp\n"
