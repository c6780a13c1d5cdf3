"""TESTPROG (tests/peers/peers.x plus the onc test server's extra procedures), written the way
`onc gen --lang python` is meant to write it: a client class and a server base class on top of
the onc runtime, then a server implementation as a programmer would write it."""

import time

import onc

TESTPROG = 0x20000123
PROC_NULL, PROC_ADD, PROC_ECHO, PROC_SLEEP, PROC_FAIL = range(5)
STR64 = 64


# --- "generated" codecs ---

def encode_int_pair(p, a, b):
    p.pack_int(a)
    p.pack_int(b)


def decode_int_pair(u):
    return u.unpack_int(), u.unpack_int()


def decode_str64(u):
    return u.unpack_string(STR64)


def encode_str64(p, s):
    p.pack_string(s, STR64)


# --- "generated" client ---

class TestprogClient(onc.Client):
    __test__ = False  # not a pytest test class
    PROGRAM = TESTPROG
    VERSION = 1

    def add(self, a, b, *, timeout=None):
        return self.call(PROC_ADD, lambda p: encode_int_pair(p, a, b), onc.Unpacker.unpack_int,
                         timeout=timeout)

    def echo(self, s, *, timeout=None):
        return self.call(PROC_ECHO, lambda p: encode_str64(p, s), decode_str64, timeout=timeout)

    def sleep(self, ms, *, timeout=None):
        return self.call(PROC_SLEEP, lambda p: p.pack_int(ms), None, timeout=timeout)

    def fail(self, *, timeout=None):
        return self.call(PROC_FAIL, timeout=timeout)


# --- "generated" server base ---

class TestprogServer(onc.Program):
    __test__ = False  # not a pytest test class
    PROGRAM = TESTPROG
    VERSION = 1
    PROCEDURES = {
        PROC_NULL: onc.Procedure("null"),
        PROC_ADD: onc.Procedure("add", decode_int_pair, onc.Packer.pack_int),
        PROC_ECHO: onc.Procedure("echo", lambda u: (decode_str64(u),), encode_str64),
        PROC_SLEEP: onc.Procedure("sleep", lambda u: (u.unpack_int(),)),
        PROC_FAIL: onc.Procedure("fail"),
    }


# --- the implementation, as the onc C test server behaves ---

class Testprog(TestprogServer):
    def __init__(self, version=1):
        self.VERSION = version
        self.calls = []  # (proc name, auth_sys) of each call, for the tests

    def null(self):
        self.calls.append(("null", onc.current_call().auth_sys))

    def add(self, a, b):
        self.calls.append(("add", onc.current_call().auth_sys))
        return (a + b + 2**31) % 2**32 - 2**31  # int32 arithmetic, as the C server's

    def echo(self, s):
        return s

    def sleep(self, ms):
        time.sleep(ms / 1000)

    def fail(self):
        raise onc.SystemErr()
