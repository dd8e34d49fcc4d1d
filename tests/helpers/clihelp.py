"""Running the CLI in tests, with every input checked byte for byte before and after."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner

import dedupe_docs
from dedupe_docs.cli import main
from dedupe_docs.report.explain import Provenance
from dedupe_docs.types import CleanedDocument
from tests.helpers.invariants import check

SRC = str(Path(dedupe_docs.__file__).parents[1])


def snapshot(paths: list[Path]) -> dict[str, str]:
    """sha256 of every file below ``paths`` (links recorded as links), keyed by path."""
    state: dict[str, str] = {}
    for root in paths:
        if not (root.exists() or root.is_symlink()):
            continue
        walk = [(str(root.parent), [], [root.name])] if not root.is_dir() else os.walk(root)
        for folder, _dirs, names in walk:
            for name in names:
                p = Path(folder, name)
                if p.is_symlink():
                    state[str(p)] = "link:" + str(p.readlink())
                elif p.is_file():
                    try:
                        state[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
                    except OSError as exc:  # unreadable on purpose
                        state[str(p)] = f"unreadable:{exc.errno}:{p.stat().st_size}"
                else:
                    state[str(p)] = "special"
    return state


def input_paths(args: list[str]) -> list[Path]:
    """The arguments of a command line that name existing inputs (not outputs)."""
    if args[:2] == ["index", "compact"]:  # its one argument is the index it rewrites
        return []
    paths, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--out", "-o", "--html", "--index"):  # outputs, not inputs
            skip = True
        elif (
            arg  # Path("") is the current folder
            and not arg.startswith("-")
            and arg not in ("clean", "explain", "report")
            and Path(arg).exists()
        ):
            paths.append(Path(arg))
        elif not arg.startswith("-") and glob.has_magic(arg):  # a glob: the files it names
            # glob.glob, as the command reads it (Path.glob matches hidden files too)
            paths += [Path(p) for p in sorted(glob.glob(arg, recursive=True))]  # noqa: PTH207
    return paths


@contextlib.contextmanager
def unchanged(paths: list[Path]) -> Iterator[None]:
    """Assert that no file below ``paths`` changes, appears or disappears."""
    before = snapshot(paths)
    yield
    assert snapshot(paths) == before, "an input was modified"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run ``dedupe-docs ARGS`` in-process; inputs must be byte-identical afterwards (here,
    and for every other CliRunner run through the autouse fixture in ``conftest.py``)."""
    with unchanged(input_paths(list(args))):
        result = CliRunner().invoke(main, list(args), prog_name="dedupe-docs")
    return result.exit_code, result.stdout, result.stderr


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m dedupe_docs ARGS`` in a subprocess (this checkout's code)."""
    with unchanged(input_paths(list(args))):
        return subprocess.run(
            [sys.executable, "-m", "dedupe_docs", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": SRC, **(env or {})},
            check=False,
        )


_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)
"""


def peak_rss(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    """Run ``argv``; return its exit status and peak RSS in bytes. A small interpreter starts it:
    a child forked from this (large) test process would report this process's peak as its own
    (Linux carries the peak RSS of the image an ``exec`` replaces)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], env=env, capture_output=True, text=True, check=True
    )
    code, peak = done.stdout.split()
    return int(code), int(peak)


def cli_command(*args: str) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of a subprocess run (for tests that control the process)."""
    return [sys.executable, "-m", "dedupe_docs", *args], {**os.environ, "PYTHONPATH": SRC}


def digest(folder: Path, *, report: bool = False) -> dict[str, str]:
    """sha256 of every output file (report.json holds timings: left out unless asked)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (report or p.name != "report.json")
    }


def as_cleaned(records: list[dict], texts: dict[str, str]) -> list[CleanedDocument]:
    """The CleanedDocuments that provenance records and the cleaned texts describe (for
    ``invariants``), the records read as ``explain`` reads them."""
    out = []
    for record in records:
        p = Provenance.from_json(record)
        out.append(CleanedDocument(p.id, texts[p.id], p.length, p.kept, p.removed))
    return out


def load_output(out: Path) -> list[CleanedDocument]:
    """The CleanedDocuments an output folder of text-file input describes (for ``invariants``)."""
    records = [json.loads(line) for line in (out / "provenance.jsonl").read_bytes().splitlines()]
    texts = {r["id"]: (out / "clean" / r["id"]).read_bytes().decode("utf-8") for r in records}
    return as_cleaned(records, texts)


def check_output_folder(src: Path, out: Path, threshold: float = 0.8) -> None:
    """Invariants 1-4 on an output folder of a folder of ``*.txt`` files."""
    texts = {p.relative_to(src).as_posix(): p.read_bytes().decode() for p in src.rglob("*.txt")}
    check(texts, load_output(out), threshold)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == len(texts)
