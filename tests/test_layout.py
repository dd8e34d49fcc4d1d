"""The package's layers, read from its imports: no cycles, and no arrow from a lower layer to a
higher one. Every import counts, at module level or inside a function (a lazy import still ties
two modules together)."""

from __future__ import annotations

import ast
from pathlib import Path

import dedupe_docs

PACKAGE = Path(dedupe_docs.__file__).parent

LAYERS = [
    ("errors", "_version"),
    ("types", "config"),
    ("runtime",),
    ("formats",),
    ("stages",),
    ("drivers",),
    ("pipeline",),
    ("report",),
    ("cli", "integrations", "__init__", "__main__"),
]
"""Lowest first: a module imports only from its own layer and the layers above it here."""


def modules() -> dict[str, Path]:
    """Dotted name below the package (``stages.sign``) → file, for every module."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever the import statement stands."""
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(["dedupe_docs", *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" for a in node.names] + [module]
        for target in targets:
            if not target.startswith("dedupe_docs"):
                continue
            inner = target.removeprefix("dedupe_docs").lstrip(".")
            while inner and inner not in known:  # a name imported from a module
                inner = inner.rpartition(".")[0]
            if inner and inner != name and not name.startswith(inner + "."):
                found.add(inner)
    return found


def layer(name: str) -> int:
    top = name.split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if top in names)


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_every_module_has_a_layer() -> None:
    for name in graph():
        layer(name)


def test_no_arrow_points_to_a_higher_layer() -> None:
    wrong = [
        f"{a} -> {b}" for a, targets in graph().items() for b in targets if layer(b) > layer(a)
    ]
    assert not wrong, wrong


def test_runtime_knows_no_documents() -> None:
    for name, targets in graph().items():
        if name.startswith("runtime"):
            assert all(t.startswith("runtime") or t == "errors" for t in targets), (name, targets)


def test_report_does_not_import_click() -> None:
    for name, path in modules().items():
        if not name.startswith("cli"):
            assert "import click" not in path.read_text(encoding="utf-8"), name


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_each_folder_says_what_lives_there() -> None:
    for folder in ("runtime", "formats", "stages", "drivers", "report", "cli", "integrations"):
        doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
        assert doc, folder
