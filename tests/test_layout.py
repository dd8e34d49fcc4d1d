"""The package's layers, read from its imports: no cycles, and no arrow from a lower layer to a
higher one. Every import counts, at module level or inside a function (a lazy import still ties
two modules together)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
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


def external_imports(path: Path) -> set[str]:
    """The top-level names of what ``path`` imports from outside the package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_only_the_cli_imports_click() -> None:
    assert "click" in external_imports(PACKAGE / "cli" / "main.py")  # the check can fail
    wrong = [n for n, p in modules().items() if "click" in external_imports(p)]
    assert all(n.startswith("cli") for n in wrong), wrong


def literal_strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that are not docstrings, with their line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_library_messages_name_parameters_not_flags() -> None:
    """Outside the CLI, no message names a command-line flag: the library writes its parameter
    in backquotes (`` `max_memory` ``) and the CLI turns it into the flag (``--max-memory``)."""
    flag = re.compile(r"(?<![\w-])--[a-z]")
    assert flag.search("see --text-field") and not flag.search("a -- b, x--y")
    wrong = [
        f"{name}:{line}: {text!r}"
        for name, path in modules().items()
        if not name.startswith("cli")
        for line, text in literal_strings(path)
        if flag.search(text)
    ]
    assert not wrong, wrong


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


DOTTED = re.compile(r"(?<![\w/.])dedupe_docs(?:\.[A-Za-z_]\w*)+")
"""A dotted name below the package, as docstrings and comments cite it."""
MOD = re.compile(r":mod:`~?([\w.]+)`")


def resolves(name: str) -> bool:
    """Whether ``name`` (``dedupe_docs.stages.settle.settle``) is a module of the package or an
    attribute of one."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:i]))
        except ImportError:  # a parent is no package
            spec = None
        if spec is None:
            continue
        if i == len(parts):  # a module, not imported: an optional extra may be missing
            return True
        found: object = importlib.import_module(".".join(parts[:i]))
        for part in parts[i:]:
            if not hasattr(found, part):
                return False
            found = getattr(found, part)
        return True
    return False


def test_every_module_named_in_docstrings_and_comments_exists() -> None:
    """Every dotted name below the package and every :mod: reference (absolute, or relative with a
    leading dot) in the sources and the tests names a real module or attribute: a module that
    moved or went away leaves no stale pointer behind."""
    tests = Path(__file__).parent
    wrong = []
    for path in sorted([*PACKAGE.rglob("*.py"), *tests.rglob("*.py")]):
        inside = path.is_relative_to(PACKAGE)
        package = ".".join(["dedupe_docs", *path.relative_to(PACKAGE).parts[:-1]]) if inside else ""
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            names = DOTTED.findall(line)
            for target in MOD.findall(line):
                if target.startswith("."):  # relative to the module's package
                    names.append(package + target)
                elif not target.startswith("dedupe_docs"):
                    names.append(target)  # a bare name is not enough to find the module
            wrong += [f"{path.name}:{n}: {name}" for name in names if not resolves(name)]
    assert not wrong, wrong
