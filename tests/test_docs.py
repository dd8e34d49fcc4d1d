"""The README stays true: every CLI option is documented, the seed example is what the tool prints."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from conftest import SEEDS

from dedupe_docs.cli import main

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_option_of_every_command_is_in_the_readme() -> None:
    assert set(main.commands) == {"clean", "explain", "report", "index"}
    options = README.split("## Options", 1)[1].split("\n## ", 1)[0]
    for name, command in main.commands.items():
        assert f"dedupe-docs {name} " in README, name
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}" in options or f"/ {opt}`" in options, (name, opt)


def test_seed_summary_in_readme_is_what_the_tool_prints(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "cleaned")])
    printed = [re.sub(r" in [0-9.]+ s$", "", line) for line in result.stderr.splitlines()[:2]]
    documented = [
        re.sub(r" in [0-9.]+ s$", "", line)
        for line in README.splitlines()
        if line.startswith("dedupe-docs: ")
    ][:2]
    assert printed == documented


def test_readme_starts_with_the_two_setup_commands() -> None:
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert "dedupe-docs clean seeds --out cleaned" in block[0]
    assert block[1].startswith("bash scripts/test.sh")
