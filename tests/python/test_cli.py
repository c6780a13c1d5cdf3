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


@pytest.mark.parametrize("args,message", [
    (["info", "--bogus"], "onc info: unknown option '--bogus'"),
    (["gen", "--bogus"], "onc gen: unknown option '--bogus'"),
    (["rpcbind", "--bogus"], "onc rpcbind: unknown option '--bogus'"),
    (["rpcbind", "--port", "abc"], "onc rpcbind: port 'abc' is not a number from 0 to 65535"),
    (["rpcbind", "--port", "70000"], "onc rpcbind: port '70000' is not a number from 0 to 65535"),
    (["info", "--port", "x1", "-p", "h"], "onc info: port 'x1' is not a number from 1 to 65535"),
    (["info", "-t", "127.0.0.1", "nosuchprogram"],
     "onc info: program 'nosuchprogram' is neither a number (decimal or 0x hex) nor a name in "
     "/etc/rpc"),
    (["info", "-t", "127.0.0.1", "100003", "2x"], "onc info: version '2x' is not a number"),
])
def test_bad_arguments_are_named(args, message):
    r = onc(*args)
    assert r.returncode == 2
    assert r.stderr.startswith(message), r.stderr


@pytest.mark.parametrize("prog,number", [("0x20001234", 0x20001234), ("536875572", 0x20001234),
                                         ("nfs", 100003), ("portmapper", 100000)])
def test_programs_in_hex_or_by_name(rpcb, prog, number):
    """The program reaches the portmapper as its number: none is registered here, so onc
    info says which it looked for."""
    r = onc("info", "--port", str(rpcb.port), "-t", "127.0.0.1", prog)
    assert r.returncode == 1
    assert r.stderr == f"onc info: program {number} is not registered for tcp\n"
