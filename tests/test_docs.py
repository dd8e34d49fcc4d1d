"""The README and docs/ stay true: every CLI option and every public name is documented, the
seed example is what the tool prints, the test references name real tests, and the docs site
builds without a warning."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedupe_docs
from dedupe_docs.cli import main
from tests.helpers.corpus import SEEDS

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_readme_is_at_most_250_lines() -> None:
    assert len(README.splitlines()) <= 250


def test_readme_starts_with_the_two_setup_commands() -> None:
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert "dedupe-docs clean seeds --out cleaned" in block[0]
    assert block[1].startswith("bash scripts/test.sh")


def test_seed_summary_in_readme_is_what_the_tool_prints(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "cleaned")])
    printed = [re.sub(r" in [0-9.]+ s$", "", line) for line in result.stderr.splitlines()[:2]]
    for text in (README, doc("cli.md")):
        lines = [line for line in text.splitlines() if line.startswith("dedupe-docs: ")]
        # The summary, after the progress bars and stage logs the docs may show first.
        first = next(i for i, line in enumerate(lines) if re.match(r"dedupe-docs: \d+ doc", line))
        documented = [re.sub(r" in [0-9.]+ s$", "", line) for line in lines[first : first + 2]]
        assert printed == documented


def options(command: object) -> list[str]:
    """Every flag of a click command (long and short, both sides of a --x/--no-x pair), but
    --help."""
    return [
        opt
        for param in command.params  # type: ignore[attr-defined]
        for opt in [*param.opts, *param.secondary_opts]
        if opt.startswith("-") and opt not in ("--help", "-h")
    ]


def test_every_option_of_clean_is_in_the_cli_docs() -> None:
    clean = main.commands["clean"]
    flags = options(clean)
    assert "--out" in flags and "--max-memory" in flags
    section = doc("cli.md").split("## `dedupe-docs clean`", 1)[1].split("\n## ", 1)[0]
    missing = [opt for opt in flags if f"`{opt}`" not in section]
    assert not missing, missing


def test_every_option_of_every_command_is_in_the_cli_docs() -> None:
    assert set(main.commands) == {"clean", "explain", "report", "index"}
    cli = doc("cli.md")
    commands = {name: main.commands[name] for name in ("clean", "explain", "report")}
    commands["index info"] = main.commands["index"].commands["info"]  # type: ignore[attr-defined]
    commands["index compact"] = main.commands["index"].commands["compact"]  # type: ignore[attr-defined]
    for name, command in commands.items():
        assert f"dedupe-docs {name} " in README, name
        section = cli.split(f"## `dedupe-docs {name}`", 1)[1].split("\n## ", 1)[0]
        missing = [opt for opt in options(command) if f"`{opt}`" not in section]
        assert not missing, (name, missing)


def test_every_public_name_is_in_the_api_docs() -> None:
    api = doc("api.md")
    missing = [name for name in dedupe_docs.__all__ if f"`{name}`" not in api]
    assert not missing, missing


def test_every_docs_page_is_in_the_site_and_linked_from_the_readme() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert {
        "index.md",
        "how-it-works.md",
        "scaling.md",
        "bounded-memory.md",
        "bad-input.md",
        "benchmarks.md",
        "cli.md",
        "api.md",
    } <= set(pages)
    for page in pages:
        assert f": {page}" in config, page
        assert f"(docs/{page}" in README, page


def table_refs(text: str) -> list[tuple[str, str]]:
    """The ``file.py::test`` references in the rows of the Markdown tables of ``text``."""
    rows = "\n".join(line for line in text.splitlines() if line.startswith("| "))
    return re.findall(r"`(?:(test_\w+)\.py)?::(test_\w+)`", rows)


def test_test_references_in_the_bad_input_docs_name_existing_tests() -> None:
    page = doc("bad-input.md")
    refs = table_refs(page)
    assert len(refs) >= 25
    module = None
    for file, name in refs:
        module = file or module
        assert module and hasattr(importlib.import_module(f"tests.{module}"), name), (module, name)
    # The README's table is the short form of this page's: some of its rows, in its order.
    readme = README.split("## Bad input and failures", 1)[1].split("\n## ", 1)[0]
    shown = table_refs(readme)
    assert len(shown) >= 15 and shown == [r for r in refs if r in set(shown)]


def test_no_lab_notebook_wording() -> None:
    texts = {"README.md": README} | {p.name: p.read_text("utf-8") for p in DOCS.glob("*.md")}
    for name, text in texts.items():
        for phrase in ("an hour earlier", "on a slower day", "this session", "in the run before"):
            assert phrase not in text.lower(), (name, phrase)


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs and mkdocstrings are not installed (pip install -e '.[docs]')",
)
def test_docs_site_builds_strict(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "api" / "index.html").exists()


def test_readme_python_snippets_define_every_name_they_use() -> None:
    """Each Python block of the README runs as it stands once pasted: every name it uses is
    imported, assigned or a builtin (no ``ds`` or ``records`` from nowhere)."""
    import ast
    import builtins

    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        tree = ast.parse(block)
        defined = set(dir(builtins))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert used <= defined, (sorted(used - defined), block)
