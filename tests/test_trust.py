"""Issue 23, "Trust": what a user relies on without checking. ``--keep-going`` skips only the bad
record, ``--overwrite`` replaces only what dedupe-docs wrote, ``explain`` and ``report`` work on
every run that ``clean`` finished, zero documents is not a success, and every user error is one
readable line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clihelp import invoke

PARA = (
    "The quick committee read the minutes of the last meeting twice, and then voted to "
    "print the whole bulletin again for the members who had missed the first printing."
)


def report_of(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def ids_of(out: Path) -> list[str]:
    lines = (out / "provenance.jsonl").read_bytes().splitlines()
    return [json.loads(line)["id"] for line in lines]


# 1. --keep-going on Parquet skips the bad row only


def test_keep_going_on_parquet_skips_only_the_bad_row(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [{"id": f"r{i}", "text": f"{PARA} Row {i}.\n"} for i in range(10)]
    rows[4]["text"] = None
    src = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src, row_group_size=3)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--keep-going")
    assert code == 0, err
    out = tmp_path / "out"
    kept = [f"r{i}" for i in range(10) if i != 4]
    assert ids_of(out) == kept
    assert [r["id"] for r in pq.read_table(out / "clean.parquet").to_pylist()] == kept
    (error,) = report_of(out)["errors"]
    assert error["file"] == str(src) and error["row"] == 4
    assert "field 'text' is null" in error["reason"]
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "o2"))
    assert code == 1 and f"{src} row 4: field 'text' is null" in err
