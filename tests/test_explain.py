"""dedupe-docs explain: each removed span beside its source, with the differences marked."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from conftest import SEEDS

import dedupe_docs
from dedupe_docs.cli import main
from dedupe_docs.report.explain import Explanation, explain, explain_documents

LETTER_DOC = "000_44233688ec9489a4.txt"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "out"
    assert invoke("clean", str(SEEDS), "--out", str(out))[0] == 0
    return out


def test_report_json_records_the_inputs(seeds_out: Path) -> None:
    report = json.loads((seeds_out / "report.json").read_text())
    assert report["inputs"] == {
        "paths": [str(SEEDS.absolute())],
        "in_memory": 0,
        "text_field": "text",
        "id_field": "id",
        "on_error": "raise",
        "encoding_errors": "strict",
        "encoding": "utf-8",
        "hashes": [report["inputs"]["hashes"][0]],
    }
    assert sorted(report["inputs"]["hashes"][0]) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert report["version"] == dedupe_docs.__version__
    assert report["config"]["min_tokens"] == 24


def test_explain_shows_the_second_letter_beside_the_first(seeds_out: Path) -> None:
    code, out, err = invoke("explain", str(seeds_out), LETTER_DOC, "--reason", "duplicate")
    assert code == 0, err
    # The second copy of the letter (lines 110-141) repeats the first (lines 78-109), and the two
    # copies are the same text character for character.
    head = re.search(
        rf"^{re.escape(LETTER_DOC)}:110-141 \[(\d+):(\d+)\] duplicate, similarity 1\.00 "
        rf"of {re.escape(LETTER_DOC)}:78-109 \[(\d+):(\d+)\] \(identical text\)$",
        out,
        re.MULTILINE,
    )
    assert head, out[:2000]
    text = (SEEDS / LETTER_DOC).read_text(encoding="utf-8")
    start, end, src_start, src_end = map(int, head.groups())
    assert text[start:end] == text[src_start:src_end]
    assert "  Dear Suki," in out
    # The second printing of the bulletin differs from the first by one colon: marked.
    assert "we will continue to demand{+:+}" in out
    assert "\x1b[" not in out  # piped: plain text, no colour
    assert "boilerplate" not in out


def test_explain_marks_typos_in_a_fuzzy_copy(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    path = corpus / LETTER_DOC
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[109] == "Suki Binning, Chief Executive"  # line 110: start of the second letter
    lines[111] = lines[111].replace("12 May 2019", "12 May 2019.")
    lines[112] = lines[112].replace("Dear Suki", "Dear Sukie")
    path.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("clean", str(corpus), "--out", str(out))[0] == 0

    found = [
        e
        for e in explain(out, LETTER_DOC, reason="duplicate")
        if e.source_line is not None and e.source_line <= 80 <= e.source_end_line
    ]
    assert len(found) == 1
    e = found[0]
    assert isinstance(e, Explanation) and not e.identical
    assert 0.8 <= e.similarity <= 1.0
    changed = [(e.source_text[a0:a1], e.text[b0:b1]) for _, a0, a1, b0, b1 in e.differences()]
    assert ("", ".") in changed and ("", "e") in changed
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.start = 0  # type: ignore[misc]

    code, plain, _ = invoke("explain", str(out), LETTER_DOC)
    assert code == 0
    assert "12 May 2019{+.+}" in plain and "Dear Suki{+e+}," in plain
    code, coloured, _ = invoke("explain", str(out), LETTER_DOC, "--color")
    assert code == 0
    assert "\x1b[" in coloured and "{+" not in coloured
    assert re.search(r"Dear Suki(\x1b\[[0-9;]*m)+e\x1b\[0m,", coloured)


def test_explain_boilerplate_has_no_source(seeds_out: Path) -> None:
    code, out, _ = invoke("explain", str(seeds_out), "--reason", "boilerplate")
    assert code == 0
    assert out.count(" boilerplate\n") == 107
    assert " of " not in out.split("\n", 1)[0]


def test_explain_finds_moved_inputs_only_when_told(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    out = tmp_path / "out"
    assert invoke("clean", str(corpus), "--out", str(out))[0] == 0
    corpus.rename(tmp_path / "moved")
    code, _, err = invoke("explain", str(out))
    assert code == 1
    assert f"{corpus}: input of the run in {out} is missing (moved or deleted?)" in err
    assert "--input" in err
    code, text, _ = invoke("explain", str(out), "--input", str(tmp_path / "moved"))
    assert code == 0 and "duplicate, similarity" in text
    # A source that changed since the run is refused, not explained wrongly.
    (tmp_path / "moved" / LETTER_DOC).write_text("changed\n", encoding="utf-8")
    code, _, err = invoke("explain", str(out), "--input", str(tmp_path / "moved"))
    assert code == 1 and f"{tmp_path / 'moved' / LETTER_DOC}: changed since the run" in err


def test_explain_in_memory_run_needs_the_texts(tmp_path: Path) -> None:
    texts = {"a": "The letter was printed twice.\n", "b": "THE  LETTER was printed twice!\n"}
    out = tmp_path / "out"
    dedupe_docs.run(list(texts.items()), out, dedupe_docs.Config(min_tokens=3))
    with pytest.raises(dedupe_docs.InputError, match="given in memory"):
        list(explain(out))
    (e,) = explain(out, texts=texts)
    assert (e.id, e.source.id, e.text) == ("b", "a", "THE  LETTER was printed twice!")
    cleaned = dedupe_docs.clean(list(texts.items()), min_tokens=3)
    assert list(explain_documents(cleaned, texts)) == [e]


def test_explain_unknown_document(seeds_out: Path) -> None:
    code, _, err = invoke("explain", str(seeds_out), "nope.txt")
    assert code == 1 and "no document 'nope.txt'" in err
    code, _, err = invoke("explain", str(seeds_out / "missing"))
    assert code == 1 and "provenance.jsonl: No such file or directory" in err
