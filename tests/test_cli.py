"""The command line: outputs, summary, errors, atomicity and determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import dedupe_docs
from dedupe_docs import Config
from dedupe_docs.cli import main
from dedupe_docs.cli.options import flag_name, help_text
from dedupe_docs.pipeline import make_config
from tests.helpers.clihelp import (  # invoke checks that every input is left byte-identical
    digest,
    invoke,
)
from tests.helpers.corpus import SEEDS

CHECKER = Path(__file__).parents[2] / "shared" / "tools" / "check_output.py"


def test_clean_seeds_writes_the_contract(tmp_path: Path) -> None:
    code, out, err = invoke("clean", str(SEEDS), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert out == ""
    assert "5 documents" in err and "removed" in err and "boilerplate" in err
    files = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
    )
    assert "provenance.jsonl" in files and "report.json" in files
    assert all(f"clean/{p.name}" in files for p in SEEDS.glob("*.txt"))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["documents"] == 5 and report["removed_chars"]["duplicate"] > 0
    assert report["config"]["shingle_size"] == 5
    if CHECKER.exists():
        run = subprocess.run(
            [sys.executable, str(CHECKER), str(SEEDS), str(tmp_path / "out")],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0 and "0 problem(s)" in run.stdout, run.stdout


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke("clean", str(SEEDS), "--out", str(tmp_path / name))[0] == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_jsonl_records_keep_their_other_fields(tmp_path: Path) -> None:
    lines = [
        {"id": p.name, "text": p.read_text(encoding="utf-8"), "url": f"http://x/{p.stem}", "n": i}
        for i, p in enumerate(sorted(SEEDS.glob("*.txt")))
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    assert invoke("clean", str(src), "--out", str(tmp_path / "j"))[0] == 0
    assert invoke("clean", str(SEEDS), "--out", str(tmp_path / "t"))[0] == 0
    records = [json.loads(x) for x in (tmp_path / "j" / "clean.jsonl").read_text().splitlines()]
    assert [(r["id"], r["url"], r["n"]) for r in records] == [
        (r["id"], r["url"], r["n"]) for r in lines
    ]
    for r in records:
        assert r["text"] == (tmp_path / "t" / "clean" / r["id"]).read_text(encoding="utf-8")
    assert (tmp_path / "j" / "provenance.jsonl").read_bytes() == (
        tmp_path / "t" / "provenance.jsonl"
    ).read_bytes()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda d: (d / "bad.txt").write_bytes(b"ok\n\xff\xfe oops"),
            "bad.txt: not valid UTF-8 at byte 3",
        ),
        (lambda d: None, "missing.txt: no such file or directory"),
        (
            lambda d: (d / "x.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": oops}\n'),
            "x.jsonl:2: not valid JSON",
        ),
        (lambda d: (d / "x.jsonl").write_text('{"id": "a"}\n'), "x.jsonl:1: missing field 'text'"),
        (
            lambda d: (d / "x.jsonl").write_text('{"id": "a", "text": 3}\n'),
            "x.jsonl:1: field 'text' is int",
        ),
    ],
)
def test_bad_input_names_file_and_reason_and_writes_nothing(
    tmp_path: Path, setup, message: str
) -> None:
    setup(tmp_path)
    target = next((p for p in tmp_path.iterdir()), tmp_path / "missing.txt")
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    code, _, err = invoke("clean", str(target), "--out", str(tmp_path / "out"))
    assert code == 1
    assert message in err, err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert {p: p.read_bytes() for p in before} == before


def test_out_inside_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    code, _, err = invoke("clean", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 1 and "inside input folder" in err
    assert not (tmp_path / "out").exists()


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("clean", str(SEEDS), "--out", str(out))[0] == 0
    code, _, err = invoke("clean", str(SEEDS), "--out", str(out))
    assert code == 1 and "--overwrite" in err
    assert invoke("clean", str(SEEDS), "--out", str(out), "--overwrite")[0] == 0


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("clean", str(SEEDS), "--out", str(tmp_path / "o"), "--threshold", "2")
    assert code == 1 and "threshold" in err
    assert invoke("clean", str(SEEDS))[0] == 2


def test_help_and_version() -> None:
    code, out, _ = invoke("clean", "--help")
    assert code == 0 and "Examples:" in out and "--keep" in out
    assert invoke("--version")[0] == 0


@pytest.mark.parametrize(
    ("options", "flags", "library", "command"),
    [
        (
            {"max_memory": "100M"},
            ["--max-memory", "100M"],
            "`max_memory` must",
            "--max-memory must",
        ),
        ({"threshold": 2.0}, ["--threshold", "2"], "`threshold` must", "--threshold must"),
        (
            {"max_memory": "1G", "keep": "longest"},
            ["--max-memory", "1G", "--keep", "longest"],
            '`max_memory` needs `keep="first"`',
            "--max-memory needs --keep first",
        ),
        ({"encoding": "klingon"}, ["--encoding", "klingon"], "`encoding` 'klingon'", "--encoding"),
    ],
)
def test_messages_name_parameters_in_the_library_and_flags_in_the_cli(
    tmp_path: Path, options: dict, flags: list[str], library: str, command: str
) -> None:
    """One mistake, two faces: the library names its parameter, the command line its flag."""
    config = {k: v for k, v in options.items() if k != "encoding"}
    encoding = options.get("encoding", "utf-8")
    with pytest.raises(dedupe_docs.ConfigError) as caught:
        dedupe_docs.run([SEEDS], tmp_path / "lib", make_config(**config), encoding=encoding)
    assert library in str(caught.value) and "--" not in str(caught.value)
    code, _, err = invoke("clean", str(SEEDS), "--out", str(tmp_path / "cli"), *flags)
    assert code in (1, 2), err
    assert err.startswith(f"dedupe-docs: error: {command}"), err
    assert "`" not in err


def test_help_lists_the_options_in_groups() -> None:
    code, out, _ = invoke("clean", "--help")
    assert code == 0
    headings = [line[:-1] for line in out.splitlines() if line.endswith(":") and line[0] != " "]
    assert headings == ["Input", "Matching", "Output", "Performance", "Scale-out", "Run"]
    matching = out.split("\nMatching:\n")[1].split("\nOutput:\n")[0]
    assert "--threshold" in matching and "--jobs" not in matching
    assert "-h, --help" in out.split("\nRun:\n")[1]


def test_every_config_field_is_an_option_with_the_fields_own_help() -> None:
    """Flag, default and help of each Config option come from the field: written once."""
    params = {p.name: p for p in main.commands["clean"].params}
    for field in attrs.fields(Config):
        param = params[field.name]
        assert param.help == help_text(field.name), field.name
        assert param.default == field.default, field.name
        assert flag_name(field.name) in param.opts, field.name
    assert "``" not in help_text("max_memory") and "--work-dir" in help_text("max_memory")
    assert params["unit"].type.choices == ("line", "paragraph")


@pytest.mark.parametrize("args", [[], ["index"]])
def test_a_group_without_arguments_shows_its_help(args: list[str]) -> None:
    code, out, err = invoke(*args)
    assert code == 2 and out == ""
    assert err.startswith("Usage: dedupe-docs") and "Commands:" in err and "error" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["clean", str(SEEDS)],  # no --out
        ["clean", str(SEEDS), "--out", "x", "--unit", "word"],
        ["clean", str(SEEDS), "--out", "x", "--jobs", "many"],
        ["explain"],
        ["report", "x"],
        ["index", "info"],
        ["index", "merge"],
        ["frobnicate"],
        ["--frobnicate"],
    ],
)
def test_usage_errors_have_the_one_error_format(args: list[str]) -> None:
    code, out, err = invoke(*args)
    assert code == 2 and out == ""
    first, hint = err.rstrip("\n").split("\n")
    assert first.startswith("dedupe-docs: error: "), err
    assert re.fullmatch(r"Try 'dedupe-docs[a-z ]* -h' for help\.", hint), err
