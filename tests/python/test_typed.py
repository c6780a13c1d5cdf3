"""The generated modules are typed: those of the rpcsvc corpus, of the test and example .x
files, and the example client written on one, pass Debian's mypy in strict mode, checked
against the runtime's own annotations (python/onc has py.typed)."""

import glob
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, gen

X_FILES = sorted(glob.glob("/usr/include/rpcsvc/*.x")) + [
    str(ROOT / p) for p in ("tests/compiler/all_types.x", "tests/compiler/forward.x",
                            "tests/conformance/conform.x", "tests/peers/peers.x",
                            "examples/calc/calc.x")]
# nis_callback.x uses types it never defines (onc gen refuses it).
X_FILES = [x for x in X_FILES if not x.endswith("nis_callback.x")]

def mypy(*args):
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--no-incremental", "--cache-dir=/dev/null", *args],
                          capture_output=True, text=True, timeout=600,
                          env={"MYPYPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"})

def test_generated_modules_pass_mypy_strict(tmp_path):
    assert len(X_FILES) >= 20
    for x in X_FILES:
        r = gen(x, tmp_path, "--lang", "python")
        assert r.returncode == 0, r.stderr
    shutil.copy(ROOT / "examples" / "calc" / "client.py", tmp_path / "calc_client.py")
    modules = sorted(str(p) for p in tmp_path.glob("*.py"))
    assert len(modules) == len(X_FILES) + 1
    r = mypy(*modules)
    assert r.returncode == 0, r.stdout + r.stderr

def test_mypy_finds_a_wrong_type(tmp_path):
    """The check can fail: a call with a wrong argument type and a union arm used without
    its None check are both reported."""
    assert gen(str(ROOT / "examples" / "calc" / "calc.x"), tmp_path, "--lang", "python").returncode == 0
    (tmp_path / "bad.py").write_text(
        "from calc import CalcClient\n\n\n"
        "def f(c: CalcClient) -> int:\n"
        "    c.add('40', 2)\n"
        "    return c.divide(1, 2).result.quot\n")
    r = mypy(str(tmp_path / "bad.py"), str(tmp_path / "calc.py"))
    assert r.returncode == 1
    assert 'Argument 1 to "add" of "CalcClient" has incompatible type "str"' in r.stdout
    assert 'Item "None" of "Optional[quotient]" has no attribute "quot"' in r.stdout

