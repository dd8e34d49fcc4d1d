"""Shared fixtures: real prose (Python's own documentation ships in every install)."""

from __future__ import annotations

import pytest

from tests.helpers.corpus import prose_paragraphs


@pytest.fixture(scope="session")
def paragraphs() -> list[str]:
    return prose_paragraphs()


@pytest.fixture(autouse=True)
def _inputs_stay_byte_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every in-process CLI run in every test: the files it names (except --out, --html and --index)
    are hashed before and after, and must be byte-identical (``tests/helpers/clihelp.py``)."""
    from click.testing import CliRunner

    from tests.helpers.clihelp import input_paths, unchanged

    real = CliRunner.invoke

    def invoke(
        self: CliRunner, cli: object, args: object = None, *a: object, **kw: object
    ) -> object:
        names = [str(x) for x in args] if isinstance(args, (list, tuple)) else []
        with unchanged(input_paths(names)):
            return real(self, cli, args, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(CliRunner, "invoke", invoke)
