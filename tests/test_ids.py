"""Hostile ids: whatever a record's id holds, nothing is written outside OUT, and ids are only
ever written inside JSON; ``safe_name`` is the one way an id may become a file name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import Document, OutputError, safe_name
from tests.helpers.clihelp import invoke

HOSTILE = [
    "../../x",
    "/etc/x",
    "a/../../b",
    "a\x00b",
    "x" * 10_000,
    "CON",
    "nul.txt",
    ".",
    "..",
    "",
    "\ud800lone",
    "clean",
    "report.json",
    "..\\..\\win",
    "C:\\x",
    "line\nbreak",
    "\u202eevil\u202c",
]
SHARED = "This sentence is shared by every hostile record so that each of them is cleaned."


def test_hostile_ids_never_leave_out_and_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in" / "ids.jsonl"
    src.parent.mkdir()
    lines = [
        json.dumps({"id": i, "text": f"{SHARED}\nown text {n}\n"}) for n, i in enumerate(HOSTILE)
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    code, _, err = invoke("clean", str(src), "--out", str(work / "out"), "--min-tokens", "5")
    assert code == 0, err
    every = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert every == [
        "in",
        "in/ids.jsonl",
        "work",
        "work/deep",
        "work/deep/out",
        "work/deep/out/clean.jsonl",
        "work/deep/out/provenance.jsonl",
        "work/deep/out/report.json",
    ]
    for name in ("clean.jsonl", "provenance.jsonl"):
        raw = (work / "out" / name).read_bytes()
        raw.decode("utf-8")  # strictly valid UTF-8, even for a lone surrogate (escaped)
        records = [json.loads(line) for line in raw.splitlines()]
        assert [r["id"] for r in records] == HOSTILE
    prov = [json.loads(x) for x in (work / "out" / "provenance.jsonl").read_bytes().splitlines()]
    assert all(r["removed"][0]["source"]["id"] == "../../x" for r in prov[1:])


@pytest.mark.parametrize(
    "path", ["../escape.txt", "/tmp/abs.txt", "a/../../b.txt", "a/./b.txt", "a//b", "", "x\x00.txt"]
)
def test_a_document_path_that_could_escape_is_refused(tmp_path: Path, path: str) -> None:
    docs = [Document("d", "some text\n", path=path)]
    with pytest.raises(OutputError, match="not a safe relative output path"):
        dedupe_docs.run(docs, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_nested_document_paths_are_written_inside_clean(tmp_path: Path) -> None:
    docs = [Document("d", "some text\n", path="a/b/c.txt")]
    dedupe_docs.run(docs, tmp_path / "out")
    assert (tmp_path / "out" / "clean" / "a" / "b" / "c.txt").read_text() == "some text\n"


RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


@pytest.mark.parametrize("doc_id", HOSTILE)
def test_safe_name_of_hostile_ids(tmp_path: Path, doc_id: str) -> None:
    name = safe_name(doc_id)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}-[0-9a-f]{12}", name), name
    assert name.split(".")[0].upper() not in RESERVED
    (tmp_path / name).write_text("x")  # a real file name on this system, inside tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [name]


@given(st.text(), st.text())
def test_safe_name_is_bounded_stable_and_keeps_ids_apart(a: str, b: str) -> None:
    name = safe_name(a)
    assert name == safe_name(a) and len(name) <= 77
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name not in (".", "..")
    assert name.isascii()
    if a != b:
        assert safe_name(b) != name
