"""Layers that point one way (docs/architecture.md, "Layers"): the import graph of ``fiscalrisk/``.

Every module under ``fiscalrisk/`` is parsed with ``ast``; its imports — at module level and inside
functions, relative ones resolved, ``importlib.import_module("...")`` with a literal name included,
those under ``if TYPE_CHECKING:`` left out (never executed) — are the edges of the graph.
``from package import name`` is an edge to ``package.name`` when that is a module, else to the package's
``__init__`` (a re-export).

- No cycle: a module never imports, directly or through others, a module that imports it.
- Every module has its layer (:data:`LAYERS`), and imports modules of its own layer or below.
- Only the command layer imports ``fiscalrisk.cli``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fiscalrisk"

#: The layers, bottom first (docs/architecture.md, "Layers"): a module imports modules of its own layer
#: or of the layers below. A module belongs to the layer of the longest name here that is the module or
#: a package holding it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundations", ("fiscalrisk.errors", "fiscalrisk.version", "fiscalrisk.hierarchy", "fiscalrisk.calendar",
                     "fiscalrisk.cells", "fiscalrisk.workbook", "fiscalrisk.safe_yaml", "fiscalrisk.codes",
                     "fiscalrisk.frames", "fiscalrisk.resources", "fiscalrisk.analyst_hook")),
    ("configuration", ("fiscalrisk.params", "fiscalrisk.param_catalogue", "fiscalrisk.ruleset",
                       "fiscalrisk.findings")),
    ("data", ("fiscalrisk.data", "fiscalrisk.staging")),
    ("measures", ("fiscalrisk.indicators", "fiscalrisk.detectors")),
    ("scan", ("fiscalrisk.series", "fiscalrisk.scan", "fiscalrisk.partitions", "fiscalrisk.api", "fiscalrisk")),
    ("register", ("fiscalrisk.register",)),
    ("presentation", ("fiscalrisk.report",)),
    ("subcommands", ("fiscalrisk.inputs", "fiscalrisk.command", "fiscalrisk.runner", "fiscalrisk.export",
                     "fiscalrisk.dashboard", "fiscalrisk.dashboard_kernel", "fiscalrisk.dashboard_server",
                     "fiscalrisk.casedesk", "fiscalrisk.register.cli", "fiscalrisk.register.rulesets_cli",
                     "fiscalrisk.samples")),
    ("command", ("fiscalrisk.cli", "fiscalrisk.mainjob")),
]

#: The modules above ``fiscalrisk.cli``: ``./run main`` runs a sequence of ``fiscalrisk`` commands.
COMMAND_LAYER = {"fiscalrisk.cli", "fiscalrisk.mainjob"}

#: Imports that close the cycles left in modules being reworked elsewhere, each to be removed there: the
#: cycle test leaves them out of the graph, the layer test lets them point up, and a test fails when one
#: of them is gone (remove it here), so the list only shrinks.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({module_path(self.source)}:{self.line})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def module_path(name: str) -> str:
    return str(MODULES[name].relative_to(ROOT)) if name in MODULES else name


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(importer: str, level: int, module: str | None) -> str:
    """``from ..x import y`` in ``importer``: the absolute name of ``..x``."""
    if not level:
        return module or ""
    base = importer.split(".") if _is_package(importer) else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def _known(name: str) -> str | None:
    """The module of ``fiscalrisk`` that importing ``name`` runs last (``a.b.c`` → ``a.b.c``); None outside."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (imported by type checkers only)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skip.update(id(n) for n in ast.walk(child))
    return skip


def imports_of(importer: str) -> Iterator[Edge]:
    tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"), filename=str(MODULES[importer]))
    skip = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(importer, node.level, node.module)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
                if text.startswith("."):  # import_module(".x", __package__)
                    level = len(text) - len(text.lstrip("."))
                    text = _absolute(importer, level, text.lstrip(".") or None)
                targets = [text]
        for target in targets:
            known = _known(target)
            if known is not None and known != importer:
                yield Edge(importer, known, node.lineno)


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module")


def import_graph() -> dict[str, list[Edge]]:
    return {name: sorted(set(imports_of(name)), key=lambda e: (e.target, e.line)) for name in MODULES}


def strongly_connected(graph: dict[str, list[Edge]]) -> list[set[str]]:
    """Tarjan's algorithm, without recursion: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            edge = next(edges, None)
            if edge is not None:
                if edge.target not in index:
                    index[edge.target] = low[edge.target] = len(index)
                    stack.append(edge.target)
                    on_stack.add(edge.target)
                    work.append((edge.target, iter(graph[edge.target])))
                elif edge.target in on_stack:
                    low[node] = min(low[node], index[edge.target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def one_cycle(graph: dict[str, list[Edge]], group: set[str]) -> list[Edge]:
    """A shortest cycle through the group's first module (breadth first), as its import statements."""
    start = min(group)
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for edge in graph[node]:
                if edge.target == start:
                    path = [edge]
                    while path[0].source != start:
                        path.insert(0, came[path[0].source])
                    return path
                if edge.target in group and edge.target not in came:
                    came[edge.target] = edge
                    following.append(edge.target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a group always has one


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Edge]]:
    return import_graph()


def test_the_graph_sees_imports_inside_functions_and_relative_ones(graph):
    targets = {e.target for e in graph["fiscalrisk.cli"]}
    assert {"fiscalrisk.runner", "fiscalrisk.casedesk", "fiscalrisk.register.cli", "fiscalrisk.command"} <= targets
    assert "fiscalrisk.api" in {e.target for e in graph["fiscalrisk"]}  # the facade's lazy __getattr__
    assert "fiscalrisk.scan" in {e.target for e in graph["fiscalrisk"]}  # importlib.import_module("fiscalrisk.scan")


def test_no_import_cycle(graph):
    graph = {name: [e for e in edges if (e.source, e.target) not in KNOWN_CYCLE_EDGES] for name, edges in graph.items()}
    groups = strongly_connected(graph)
    message = "\n\n".join(
        f"import cycle among {', '.join(sorted(g))}:\n  " + "\n  ".join(str(e) for e in one_cycle(graph, g))
        for g in groups
    )
    assert not groups, message


def test_the_known_cycle_edges_are_still_there(graph):
    present = {(e.source, e.target) for edges in graph.values() for e in edges}
    gone = sorted(set(KNOWN_CYCLE_EDGES) - present)
    assert not gone, f"no longer imported (remove them from KNOWN_CYCLE_EDGES): {gone}"


def test_only_the_command_layer_imports_the_cli(graph):
    offenders = [str(e) for name, edges in graph.items() if name not in COMMAND_LAYER
                 for e in edges if e.target == "fiscalrisk.cli"]
    assert not offenders, "modules below the command layer import fiscalrisk.cli:\n  " + "\n  ".join(offenders)


def layer_of(name: str) -> int:
    """The index in :data:`LAYERS` of the module's layer (-1: in none)."""
    best, found = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), i
    return found


def test_every_module_has_its_layer():
    assert not [name for name in MODULES if layer_of(name) < 0], "add these modules to LAYERS (and the drawing)"


def test_no_module_imports_a_layer_above_its_own(graph):
    upward = [
        f"{e} imports layer {LAYERS[layer_of(e.target)][0]} from layer {LAYERS[layer_of(name)][0]}"
        for name, edges in graph.items() for e in edges
        if layer_of(e.target) > layer_of(name) and (e.source, e.target) not in KNOWN_CYCLE_EDGES
    ]
    assert not upward, "\n  ".join(upward)


def test_internal_modules_do_not_import_the_package_facade(graph):
    """``import fiscalrisk`` runs the API facade; modules take what they need from its modules
    (``fiscalrisk.version.__version__``)."""
    offenders = [str(e) for name, edges in graph.items() for e in edges if e.target == "fiscalrisk"]
    assert not offenders, "\n  ".join(offenders)


def test_the_architecture_page_draws_these_layers():
    """docs/architecture.md, "Layers": the drawing names the layers of :data:`LAYERS`, top first."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = text.split("## Layers", 1)[1].split("```", 2)[1]
    names = {name for name, _ in LAYERS}
    drawn = [line.split()[0] for line in drawing.splitlines() if line[:1].isalpha() and line.split()[0] in names]
    assert drawn == [name for name, _ in reversed(LAYERS)]
