"""The Python server on the table of cases that the C server also answers
(tests/conformance/server_cases.txt, or the file $CASES names): the same call bytes must get
the same reply bytes, through Server.process() and the module `onc gen --lang python` writes
for conform.x, with handlers that do what tests/conformance/test_server_cases.c's do."""

import os
import threading
import time
from pathlib import Path

import pytest

import onc
from conftest import ROOT, generate

CASES = ROOT / "tests" / "conformance" / "server_cases.txt"
CONFORM_X = ROOT / "tests" / "conformance" / "conform.x"


def read_cases(path):
    """[(name, call bytes, reply bytes or None)] from `case NAME` / `call HEX` / `reply
    HEX|none` lines; other lines (comments, blank) are skipped."""
    cases, name, call = [], None, None
    for line in path.read_text().splitlines():
        word, _, rest = line.partition(" ")
        if word == "case":
            name = rest.strip()
        elif word == "call":
            call = bytes.fromhex(rest)
        elif word == "reply":
            assert name is not None and call is not None, f"{path}: reply before case/call"
            cases.append((name, call, None if rest.strip() == "none" else bytes.fromhex(rest)))
            name = call = None
    return cases


def hex_words(b):
    if b is None:
        return "none"
    return " ".join(b[i:i + 4].hex() for i in range(0, len(b), 4))


# --- the handlers, as test_server_cases.c writes them, bound by procedure number ---

def echo(self, n):
    return n


def fail(self, n):
    raise {1: onc.ProcUnavail(), 2: onc.GarbageArgs(), 3: onc.SystemErr(),
           4: onc.AuthError(onc.AuthStat.AUTH_TOOWEAK),
           5: onc.ProgUnavail()}.get(n, RuntimeError(f"fail({n}): no RPC meaning"))


def defer(self, n):
    d = onc.defer()

    def answer_later():
        time.sleep(0.001)
        assert d.reply(n + 1) is True

    threading.Thread(target=answer_later).start()


def wrong(self, n):
    return 42  # the procedure returns a string<4>


def implement(base, conform):
    """A subclass of the generated server base whose methods are the handlers above."""
    by_proc = {conform.CONFORM_ECHO: echo, conform.CONFORM_FAIL: fail,
               conform.CONFORM_DEFER: defer, conform.CONFORM_WRONG: wrong}
    methods = {p.name: by_proc[n] for n, p in base.PROCEDURES.items()}
    return type(base.__name__ + "Impl", (base,), methods)()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    conform = generate(CONFORM_X, tmp_path_factory.mktemp("conform"))
    s = onc.Server()
    s.register(implement(conform.ConformV1Server, conform))
    s.register(implement(conform.ConformV3Server, conform))
    return s


def mismatches(server, cases):
    """One text per case that server answers otherwise, naming it, with both replies."""
    out = []
    for name, call, want in cases:
        got = server.process(call)
        if got != want:
            out.append(f"case {name}\n  want {hex_words(want)}\n  got  {hex_words(got)}")
    return out


def test_every_case(server):
    cases = read_cases(Path(os.environ["CASES"]) if os.environ.get("CASES") else CASES)
    assert len(cases) >= 25
    bad = mismatches(server, cases)
    assert not bad, f"{len(bad)} of {len(cases)} cases answered otherwise:\n" + "\n".join(bad)


def test_a_changed_reply_is_reported(server):
    """The comparison itself: a case whose expected reply is changed, or whose expected
    silence is, is reported by name with both replies."""
    cases = read_cases(CASES)
    name, call, want = next(c for c in cases if c[0] == "ECHO 7")
    changed = want[:-1] + bytes([want[-1] ^ 1])
    assert mismatches(server, [(name, call, changed)]) == [
        f"case ECHO 7\n  want {hex_words(changed)}\n  got  {hex_words(want)}"]
    silent = next(c for c in cases if c[2] is None)
    assert len(mismatches(server, [(silent[0], silent[1], b"\0\0\0\0")])) == 1
