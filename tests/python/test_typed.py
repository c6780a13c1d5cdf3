"""The runtime and the generated modules are typed: the runtime's modules, those of the
rpcsvc corpus, of the test and example .x files, the samples `--sample` writes and the
example client written on one, pass Debian's mypy in strict mode, checked against the
runtime's own annotations (python/onc has py.typed, and so has what pip installs). And the
samples work."""

import glob
import shutil
import subprocess
import sys

import onc
from conftest import ROOT, gen, load

X_FILES = sorted(glob.glob("/usr/include/rpcsvc/*.x")) + [
    str(ROOT / p) for p in ("tests/compiler/all_types.x", "tests/compiler/forward.x",
                            "tests/conformance/conform.x", "tests/peers/peers.x",
                            "tests/python/lists.x", "examples/calc/calc.x")]
# nis_callback.x uses types it never defines (onc gen refuses it).
X_FILES = [x for x in X_FILES if not x.endswith("nis_callback.x")]

def mypy(*args):
    # Debian's mypy, whichever Python runs the tests (the pyenv 3.13 has none of its own).
    return subprocess.run(["/usr/bin/python3", "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--no-incremental", "--cache-dir=/dev/null", *args],
                          capture_output=True, text=True, timeout=600,
                          env={"MYPYPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"})

RUNTIME = ROOT / "python" / "onc"


def test_the_runtime_passes_mypy_strict():
    """Every module of python/onc (rpcb_prot.py, generated, too) passes mypy --strict."""
    modules = sorted(str(p) for p in RUNTIME.glob("*.py"))
    assert len(modules) >= 13 and (RUNTIME / "py.typed").exists()
    r = mypy(*modules)
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_installed_runtime_is_typed(tmp_path):
    """What `pip install ./python` installs carries py.typed (PEP 561), so that mypy checks a
    program's calls against the runtime's annotations (the build backend packed the .py
    files only, and mypy skipped onc as "missing library stubs or py.typed marker")."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    r = subprocess.run(["/usr/bin/python3", "-m", "pip", "--python", str(venv / "bin" / "python"),
                        "install", "--no-index", "--no-build-isolation", "--no-cache-dir", "-q",
                        str(ROOT / "python")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "user.py").write_text("import onc\n\nonc.Packer().pack_int('x')\n")
    r = subprocess.run(["/usr/bin/python3", "-m", "mypy", "--strict", "--no-incremental",
                        "--cache-dir=/dev/null", "--python-executable", str(venv / "bin" / "python"),
                        "user.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 1
    assert 'Argument 1 to "pack_int" of "Packer" has incompatible type "str"' in r.stdout, r.stdout


def test_generated_modules_pass_mypy_strict(tmp_path):
    assert len(X_FILES) >= 20
    for x in X_FILES:
        r = gen(x, tmp_path, "--lang", "python")
        assert r.returncode == 0, r.stderr
    samples = [x for x in X_FILES if x.endswith(("calc.x", "all_types.x", "nfs_prot.x"))]
    for x in samples:
        assert gen(x, tmp_path, "--lang", "python", "--sample", "--force").returncode == 0
    shutil.copy(ROOT / "examples" / "calc" / "client.py", tmp_path / "calc_client.py")
    modules = sorted(str(p) for p in tmp_path.glob("*.py"))
    assert len(modules) == len(X_FILES) + 2 * len(samples) + 1
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



def test_sample_server_answers_and_samples_are_kept(tmp_path):
    """The server sample's class serves every procedure (its placeholder results); a second
    --sample does not overwrite the samples, which may hold the programmer's code."""
    calc_x = str(ROOT / "examples" / "calc" / "calc.x")
    assert gen(calc_x, tmp_path, "--lang", "python", "--sample").returncode == 0
    sys.path.insert(0, str(tmp_path))  # the sample imports calc
    try:
        sample = load(tmp_path / "calc_server_sample.py")
        calc = sys.modules["calc"]
        s = onc.Server()
        s.register(sample.Calc())
        port = s.listen("tcp://127.0.0.1:0")
        with s, calc.CalcClient(f"tcp://127.0.0.1:{port}", timeout=5) as c:
            assert (c.add(1, 2), c.echo("x"), c.sum([1])) == (0, "", 0)
            assert c.divide(7, 2) == calc.division()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("calc", None)
    (tmp_path / "calc_server_sample.py").write_text("# my code\n")
    r = gen(calc_x, tmp_path, "--lang", "python", "--sample")
    assert r.returncode == 2 and "calc_server_sample.py exists" in r.stderr
    assert (tmp_path / "calc_server_sample.py").read_text() == "# my code\n"
