"""xids are unique across the channels of a process and across a fork (as the C client's,
tests/runtime/test_xids.c): 100 channels made in a tight loop call 3 times each over TCP and
UDP, a forked child calls too, and the server sees no xid twice."""
import os
import random
import threading

import pytest

import onc
from onc.transport import Channel

PROG = 0x20000127


class _Recorder(onc.Program):
    PROGRAM, VERSION = PROG, 1

    def __init__(self):
        self.xids = []
        self.lock = threading.Lock()

    def dispatch(self, call, args, results):
        with self.lock:
            self.xids.append(call.header.xid)


@pytest.fixture
def recorder():
    r = _Recorder()
    s = onc.Server()
    s.register(r)
    tcp = s.listen("tcp://127.0.0.1:0")
    udp = s.listen("udp://127.0.0.1:0")
    with s:
        yield r, f"tcp://127.0.0.1:{tcp}", f"udp://127.0.0.1:{udp}"


def test_channels_of_a_process(recorder):
    r, tcp, udp = recorder
    for addr in (tcp, udp):
        channels = [Channel(addr, PROG, 1, timeout=5) for _ in range(100)]
        for _ in range(3):
            for c in channels:
                c.call(0)
        for c in channels:
            c.close()
    assert len(r.xids) == 600
    assert len(set(r.xids)) == 600


def test_fork(recorder):
    r, _, udp = recorder

    def calls():
        with Channel(udp, PROG, 1, timeout=5) as c:
            for _ in range(3):
                c.call(0)

    calls()
    pid = os.fork()
    if pid == 0:
        try:
            calls()
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    calls()
    assert len(r.xids) == 9
    assert len(set(r.xids)) == 9


def test_seeding_random_does_not_repeat_xids(recorder):
    """A program that seeds the random module (simulations, tests) does not make its channels
    start at the same xid (each channel used to draw its first xid from it)."""
    r, tcp, _ = recorder
    for _ in range(2):
        random.seed(7)
        with Channel(tcp, PROG, 1, timeout=5) as c:
            c.call(0)
    assert len(set(r.xids)) == 2
