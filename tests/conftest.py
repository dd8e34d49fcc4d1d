"""Shared fixtures: real prose (Python's own documentation ships in every install)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def prose_paragraphs() -> list[str]:
    """Distinct English paragraphs of 40+ words from ``pydoc_data.topics``, unwrapped."""
    from pydoc_data.topics import topics

    seen, out = set(), []
    for key in sorted(topics):
        for para in re.split(r"\n\s*\n", topics[key]):
            if para.startswith((" ", "*", "-")) or ">>>" in para:
                continue
            flat = " ".join(para.split())
            if len(flat.split()) >= 40 and flat.lower() not in seen:
                seen.add(flat.lower())
                out.append(flat)
    return out


@pytest.fixture(scope="session")
def paragraphs() -> list[str]:
    return prose_paragraphs()


SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(autouse=True)
def _inputs_stay_byte_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every in-process CLI run in every test: the files it names (except --out, --html and --index)
    are hashed before and after, and must be byte-identical (``tests/clihelp.py``)."""
    from click.testing import CliRunner
    from clihelp import input_paths, unchanged

    real = CliRunner.invoke

    def invoke(
        self: CliRunner, cli: object, args: object = None, *a: object, **kw: object
    ) -> object:
        names = [str(x) for x in args] if isinstance(args, (list, tuple)) else []
        with unchanged(input_paths(names)):
            return real(self, cli, args, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(CliRunner, "invoke", invoke)
