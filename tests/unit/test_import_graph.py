"""rawns' import graph, read from the source with ast: no cycles, no upward imports.

Three kinds of edge are kept apart: module-level imports, imports inside a
function (both run, so both count for cycles and layers), and imports under
``if TYPE_CHECKING:`` (never run: allowed upward, for annotations only).
The layers are STYLE.md §1's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "rawns"

# STYLE.md §1, bottom up: a module of one of these layers imports only from
# the layers below it. rawns._check (issue 11: one function per value kind)
# needs nothing of the codec, and rawns._rtnl's check_ifname delegates to it,
# so it sits right above errors; the generated constants sit under the
# family modules that re-export them.
CODEC_ORDER = [
    {"rawns.errors"},
    {"rawns._enum"},  # builds the generated enums (issue 13); imports nothing of rawns
    {"rawns._dataclass_code"},  # generated __init__ templates (issue 12); imports nothing
    {"rawns._dataclass_init"},  # makes the __init__s, from the templates when it can
    {"rawns._dataclass"},  # dataclasses without exec at import; imports only the two above
    {"rawns._typing"},  # typing's cast/overload/NamedTuple without typing; imports nothing
    {"rawns._check_core"},  # rawns._check is split by concept; it re-exports these
    {"rawns._check_enums", "rawns._check_tc", "rawns._check_kinds"},
    {"rawns._check"},
    {"rawns._wire"},
    {"rawns._rtnl_consts", "rawns._rtnl_kind_consts", "rawns._nfnl_consts"},
    {"rawns._rtnl", "rawns._nfnl"},
]
SESSION = {"rawns._conversation", "rawns.transport"}
HELPERS = {"rawns.compose", "rawns.topology", "rawns.demo"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_pkg: bool) -> list[str]:
    """The rawns modules an import statement loads (``from . import x`` loads ``pkg.x``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "rawns"]
    if node.level:
        base = module.split(".") if is_pkg else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        where = ".".join(base + ([node.module] if node.module else []))
    else:
        where = node.module or ""
    if where.split(".")[0] != "rawns":
        return []
    return [where] + [f"{where}.{a.name}" for a in node.names]


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_pkg: bool) -> None:
        self.module, self.is_pkg = module, is_pkg
        self.edges: dict[str, set[str]] = {"module": set(), "function": set(), "typing": set()}
        self._depth = 0
        self._typing = 0

    def _add(self, node: ast.Import | ast.ImportFrom) -> None:
        kind = "typing" if self._typing else "function" if self._depth else "module"
        self.edges[kind].update(_targets(node, self.module, self.is_pkg))

    visit_Import = _add
    visit_ImportFrom = _add

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._typing += 1
            for child in node.body:
                self.visit(child)
            self._typing -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)


def _graph() -> dict[str, dict[str, set[str]]]:
    """module -> {"module" | "function" | "typing": the rawns modules it imports}."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, dict[str, set[str]]] = {}
    for name, path in files.items():
        c = _Collector(name, path.name == "__init__.py")
        c.visit(ast.parse(path.read_text(), str(path)))
        # ``from .x import y`` names a module or an attribute: keep the modules. A
        # module's own packages are imported before it in any case (``from . import
        # _args`` in rawns/nft/rules.py runs no more of rawns.nft than is running).
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = {
            k: {t for t in v if t in files and t != name and t not in own}
            for k, v in c.edges.items()
        }
    return graph


GRAPH = _graph()


def _runtime(module: str) -> set[str]:
    e = GRAPH[module]
    return e["module"] | e["function"]


def _cycles() -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), sorted.

    Edges from a module to its own packages are left out (see :func:`_graph`).
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(_runtime(v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return sorted(out)


def _edge_kinds(a: str, b: str) -> str:
    e = GRAPH[a]
    return "+".join(k for k in ("module", "function") if b in e[k])


def test_the_graph_sees_the_whole_package() -> None:
    # A parser that found nothing would pass every test below.
    assert {"rawns.errors", "rawns._wire", "rawns.nft.transaction", "rawns.link"} <= set(GRAPH)
    assert "rawns._wire" in GRAPH["rawns._conversation"]["module"]
    assert "rawns.handle" in GRAPH["rawns.nft._msg"]["typing"]
    assert "rawns.handle" not in _runtime("rawns.nft._msg")


def test_no_import_cycles() -> None:
    cycles = _cycles()
    detail = [
        [f"{a} -> {b} ({_edge_kinds(a, b)})" for a in c for b in sorted(_runtime(a)) if b in c]
        for c in cycles
    ]
    assert cycles == [], "\n\n".join("\n".join(d) for d in detail)


def test_errors_imports_nothing_from_rawns() -> None:
    e = GRAPH["rawns.errors"]
    assert e["module"] | e["function"] | e["typing"] == set()


@pytest.mark.parametrize("module", sorted(set().union(*CODEC_ORDER[1:])))
def test_codec_layers_import_only_downward(module: str) -> None:
    level = next(i for i, layer in enumerate(CODEC_ORDER) if module in layer)
    allowed = set().union(*CODEC_ORDER[:level])
    assert _runtime(module) <= allowed, sorted(_runtime(module) - allowed)


@pytest.mark.parametrize("module", sorted(SESSION))
def test_conversation_and_transport_never_import_object_modules(module: str) -> None:
    below = set().union(*CODEC_ORDER) | SESSION | {"rawns._native", "rawns._inet"}
    assert _runtime(module) <= below, sorted(_runtime(module) - below)


OBJECTS = sorted(
    m
    for m in GRAPH
    if m.split(".")[1:2] in (["link"], ["addr"], ["route"], ["neigh"], ["rule"], ["nft"])
)


@pytest.mark.parametrize("module", OBJECTS)
def test_object_modules_never_import_helpers_built_on_them(module: str) -> None:
    assert not _runtime(module) & HELPERS, sorted(_runtime(module) & HELPERS)
