"""--config FILE.toml: options from a file, command-line flags win, unknown keys are errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe_docs import ConfigError
from dedupe_docs.cli import main
from dedupe_docs.cli.settings import load_config, read_settings
from tests.helpers.corpus import SEEDS


def clean(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["clean", str(SEEDS), "--out", str(out), "--overwrite", *args]
    )
    report = json.loads((out / "report.json").read_text()) if result.exit_code == 0 else {}
    return result.exit_code, result.stderr, report


def test_file_options_apply_and_flags_win(tmp_path: Path) -> None:
    conf = tmp_path / "dd.toml"
    conf.write_text(
        'min-tokens = 12\nunit = "paragraph"\nthreshold = 0.9\nsplit_sentences = false\n'
        "dolma-attributes = true\n",
        encoding="utf-8",
    )
    code, err, report = clean(tmp_path, "--config", str(conf), "--threshold", "0.85")
    assert code == 0, err
    config = report["config"]
    assert config["min_tokens"] == 12 and config["unit"] == "paragraph"
    assert config["split_sentences"] is False
    assert config["threshold"] == 0.85  # given on the command line
    assert (tmp_path / "out" / "attributes.jsonl").exists()


def test_clean_table_and_record_fields(tmp_path: Path) -> None:
    records = tmp_path / "in.jsonl"
    records.write_text(
        json.dumps({"key": "a", "body": "Hello world, this is it.\n"})
        + "\n"
        + json.dumps({"key": "b", "body": "Hello world, this is it.\n"})
        + "\n"
    )
    conf = tmp_path / "dd.toml"
    conf.write_text('[clean]\ntext-field = "body"\nid_field = "key"\nmin-tokens = 3\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["clean", str(records), "--out", str(out), "--config", str(conf)]
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(x) for x in (out / "clean.jsonl").read_text().splitlines()]
    assert lines == [{"key": "a", "body": "Hello world, this is it.\n"}, {"key": "b", "body": ""}]
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"]["text_field"] == "body" and report["inputs"]["id_field"] == "key"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("min-tokns = 3\n", "unknown option 'min-tokns'"),
        ("out = 'x'\n", "unknown option 'out'"),
        ("threshold = 3.0\n", "threshold"),
        ('unit = "page"\n', "unit"),
        ("min-tokens = 3\nmin_tokens = 4\n", "given twice"),
        ("min-tokens = \n", "not valid TOML"),
        ("output-parts = 0\n", "output-parts must be a whole number of 1 or more"),
        ("storage-options = 3\n", "storage-options must be a table"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    conf = tmp_path / "dd.toml"
    conf.write_text(content)
    code, err, _ = clean(tmp_path, "--config", str(conf))
    assert code == 1 and message in err and "dd.toml" in err, err
    assert not (tmp_path / "out").exists()


def test_library_api(tmp_path: Path) -> None:
    conf = tmp_path / "dd.toml"
    conf.write_text('keep = "longest"\ntext-field = "body"\n')
    assert read_settings(conf) == {"keep": "longest", "text_field": "body"}
    assert load_config(conf).keep == "longest"
    with pytest.raises(ConfigError, match="No such file"):
        read_settings(tmp_path / "missing.toml")


def test_output_parts_and_storage_options_from_a_file(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    conf = tmp_path / "dd.toml"
    conf.write_text(
        "[clean]\noutput-parts = 2\n[clean.storage-options]\nskip_instance_cache = true\n"
    )
    out = f"memory://{tmp_path.name}/out"
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "--out", out, "--config", str(conf)])
    assert result.exit_code == 0, result.stderr
    fs = fsspec.filesystem("memory")
    try:
        found = sorted(p.rpartition("/")[2] for p in fs.find(f"/{tmp_path.name}/out/clean"))
        assert found == ["part-00000.jsonl", "part-00001.jsonl"]
    finally:
        fs.rm(f"/{tmp_path.name}", recursive=True)
