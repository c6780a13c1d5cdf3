"""The runtime's modules depend on each other one way (DESIGN.md: rpcbind sits on top of the
client and the server, never under): read off python/onc/*.py with ast, lazy imports inside
functions included."""

import ast

import pytest

from conftest import ROOT

ONC = ROOT / "python" / "onc"
MODULES = sorted(p.stem for p in ONC.glob("*.py") if p.stem != "__init__")


def onc_imports(path):
    """The onc modules that the file at path imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").split(".")[0] != "onc":
                continue
            parts = (node.module or "").split(".")[0 if node.level else 1:]
            found.update([parts[0]] if parts and parts[0] else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("onc."))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", None)) in ("import_module", "__import__"):
            found.add("<dynamic import>")
    return found


def graph():
    return {m: onc_imports(ONC / f"{m}.py") - {m} for m in MODULES}


def test_the_import_reader(tmp_path):
    """onc_imports sees every form of import, also inside functions."""
    src = ("from . import net, xdr\nfrom .rpc import X\nimport onc.record\n"
           "from onc.errors import Y\nfrom onc import client\nimport os\n"
           "def f():\n    from .rpcbind import find_port\n    importlib.import_module('x')\n")
    p = tmp_path / "sample.py"
    p.write_text(src)
    assert onc_imports(p) == {"net", "xdr", "rpc", "record", "errors", "client", "rpcbind",
                              "<dynamic import>"}


@pytest.mark.parametrize("module", ["transport", "server", "net", "record", "rpc", "xdr",
                                    "errors"])
def test_below_rpcbind_nothing_imports_it(module):
    g = graph()
    assert module in g, f"python/onc/{module}.py is missing"
    assert not g[module] & {"rpcbind", "client"}, f"{module} imports {g[module]}"


def test_rpcbind_uses_the_call_engine_not_the_client():
    g = graph()
    assert "client" not in g["rpcbind"]
    assert "transport" in g["rpcbind"]
    assert "server" not in g["rpcbind"]


def test_client_is_the_engine_plus_rpcbind():
    assert {"transport", "rpcbind"} <= graph()["client"]


def test_no_cycles_and_no_dynamic_imports():
    g = graph()
    assert not any("<dynamic import>" in deps for deps in g.values()), g
    done, path = set(), []

    def visit(m):
        if m in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(m):] + [m]))
        if m in done:
            return
        path.append(m)
        for d in sorted(g.get(m, ())):
            visit(d)
        path.pop()
        done.add(m)

    for m in MODULES:
        visit(m)
