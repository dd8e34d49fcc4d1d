"""Every class of bad input in the README's "Bad input and failures" table, one test each.

Every CLI run here goes through ``clihelp.invoke``, which asserts that the inputs are
byte-identical afterwards.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs import InputError
from dedupe_docs.drivers import memory
from tests.helpers.clihelp import invoke
from tests.helpers.invariants import check

PARA = (
    "The quick committee read the minutes of the last meeting twice, and then voted to "
    "print the whole bulletin again for the members who had missed the first printing."
)


def cleaned_outputs(out: Path) -> tuple[dict, list[dict]]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    prov = [json.loads(line) for line in (out / "provenance.jsonl").read_bytes().splitlines()]
    return report, prov


def check_folder_output(src: Path, out: Path) -> None:
    """Invariants 1-4 on an output folder, the source texts decoded exactly (newline='')."""
    texts = {p.relative_to(src).as_posix(): p.read_bytes().decode() for p in src.rglob("*.txt")}
    docs = dedupe_docs.read([src])
    cleaned = dedupe_docs.clean(docs)
    check(texts, cleaned, dedupe_docs.Config().threshold)
    _, prov = cleaned_outputs(out)
    assert prov == [c.provenance() for c in cleaned]
    for c in cleaned:
        assert (out / "clean" / c.id).read_bytes() == c.text.encode("utf-8")


def test_invalid_utf8_strict_names_file_and_byte(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"ok\nfine\n\xc3\x28 oops")
    code, _, err = invoke("clean", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert code == 1
    assert err.startswith(
        f"dedupe-docs: error: {tmp_path / 'in' / 'bad.txt'}: not valid UTF-8 at byte 8"
    )
    assert "--encoding-errors" in err
    assert not (tmp_path / "out").exists()


def test_invalid_utf8_replace_and_skip_file(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "bad.txt").write_bytes(b"ok\n\xff\xfe oops\n")
    (src / "good.txt").write_text("fine\n")
    code, _, err = invoke(
        "clean", str(src), "--out", str(tmp_path / "r"), "--encoding-errors", "replace"
    )
    assert code == 0, err
    assert (tmp_path / "r" / "clean" / "bad.txt").read_text() == "ok\n\ufffd\ufffd oops\n"
    code, _, err = invoke(
        "clean", str(src), "--out", str(tmp_path / "s"), "--encoding-errors", "skip-file"
    )
    assert code == 0, err
    report, prov = cleaned_outputs(tmp_path / "s")
    assert [p["id"] for p in prov] == ["good.txt"]
    assert report["errors"] == [
        {
            "file": str(src / "bad.txt"),
            "line": None,
            "byte": 3,
            "reason": "not valid UTF-8 at byte 3 (b'\\xff')",
        }
    ]
    assert "skipped 1 bad input(s)" in err


def test_invalid_utf8_in_a_jsonl_line_names_line_and_byte(tmp_path: Path) -> None:
    src = tmp_path / "x.jsonl"
    src.write_bytes(b'{"id": "a", "text": "fine"}\n{"id": "b", "text": "bad \xff"}\n')
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and f"{src}:2: not valid UTF-8 at byte 53" in err
    docs = dedupe_docs.read(src, encoding_errors="replace")
    assert [d.text for d in docs] == ["fine", "bad \ufffd"]
    assert dedupe_docs.read(src, encoding_errors="skip-file") == []


def test_utf8_bom_is_kept_verbatim_as_u_feff(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"\xef\xbb\xbf" + f"{PARA}\nunique line\n{PARA}\n".encode())
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
    doc = dedupe_docs.read(src)[0]
    assert doc.text[0] == "\ufeff" and len(doc.text) == 1 + len(PARA) * 2 + 14
    out = (tmp_path / "out" / "clean" / "a.txt").read_bytes()
    assert out.startswith(b"\xef\xbb\xbf") and out.count(PARA.encode()) == 1
    check_folder_output(src, tmp_path / "out")
    _, prov = cleaned_outputs(tmp_path / "out")
    assert prov[0]["length"] == len(doc.text)  # offsets count the BOM as one code point
    assert prov[0]["removed"][0]["source"]["start"] == 1


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n", "mixed"])
def test_crlf_and_lone_cr_are_kept_verbatim_with_exact_offsets(
    tmp_path: Path, newline: str
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    seps = ["\r\n", "\r", "\n", "\r\n\r\n", "\r\r"] if newline == "mixed" else [newline] * 5
    parts = [PARA, "first unique line", PARA.upper(), "second unique line", PARA, "end"]
    text = "".join(p + seps[i % len(seps)] for i, p in enumerate(parts))
    (src / "a.txt").write_bytes(text.encode())
    (src / "b.txt").write_bytes((PARA + newline.replace("mixed", "\r") + "b only\r").encode())
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
    check_folder_output(src, tmp_path / "out")
    out = (tmp_path / "out" / "clean" / "a.txt").read_bytes().decode()
    # the line endings of the source, verbatim (no folding to \n); the upper-case copy is gone
    assert out.startswith(PARA + seps[0] + "first unique line")
    assert "second unique line" in out and PARA.upper() not in out
    assert out.endswith("end" + seps[5 % len(seps)])
    breaks = set(re.findall(r"[\r\n]+", out))
    assert breaks <= set(re.findall(r"[\r\n]+", text))
    assert ("\r" in out) == ("\r" in text)


def test_nul_bytes_mean_binary_error_or_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("text\n")
    (src / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (src / "u16.txt").write_bytes("hello".encode("utf-16"))
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and "img.txt: binary file (NUL byte at byte 8)" in err
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--keep-going")
    assert code == 0, err
    report, prov = cleaned_outputs(tmp_path / "out")
    assert [p["id"] for p in prov] == ["a.txt"]
    assert [(Path(e["file"]).name, e["byte"], e["reason"]) for e in report["errors"]] == [
        ("img.txt", 8, "binary file (NUL byte at byte 8)"),
        ("u16.txt", 3, "looks like UTF-16"),
    ]
    assert "skipped 2 bad input(s)" in err


def test_empty_and_whitespace_only_files(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b" \n\r\n\t \r")
    (src / "text.txt").write_text("some text\n")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "clean" / "empty.txt").read_bytes() == b""
    assert (tmp_path / "out" / "clean" / "blank.txt").read_bytes() == b""
    _, prov = cleaned_outputs(tmp_path / "out")
    assert [(p["id"], p["length"], p["kept"], p["removed"]) for p in prov] == [
        ("blank.txt", 7, [], []),
        ("empty.txt", 0, [], []),
        ("text.txt", 10, [[0, 9, 0, 9]], []),
    ]
    check_folder_output(src, tmp_path / "out")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinks_files_followed_folders_not_loops_harmless(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.txt").write_text("far away text\n")
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a text\n")
    (src / "link.txt").symlink_to(outside / "far.txt")
    (src / "dirlink").symlink_to(outside, target_is_directory=True)
    (src / "sub" / "loop").symlink_to(src, target_is_directory=True)
    (src / "sub" / "self").symlink_to(src / "sub", target_is_directory=True)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
    _, prov = cleaned_outputs(tmp_path / "out")
    assert [p["id"] for p in prov] == ["a.txt", "link.txt"]
    assert (tmp_path / "out" / "clean" / "link.txt").read_text() == "far away text\n"
    assert not (tmp_path / "out" / "clean" / "link.txt").is_symlink()
    # a symlinked folder named as an input is followed
    code, _, err = invoke("clean", str(src / "dirlink"), "--out", str(tmp_path / "out2"))
    assert code == 0 and (tmp_path / "out2" / "clean" / "far.txt").exists()
    # a broken link is an input that cannot be read
    (src / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out3"))
    assert code == 1 and "broken.txt: broken symbolic link" in err


def test_special_file_in_a_folder_is_an_error(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    src = tmp_path / "in"
    src.mkdir()
    os.mkfifo(src / "pipe.txt")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and "pipe.txt: not a regular file" in err


@pytest.mark.parametrize("jobs", ["1", "2"])  # with 2, threads read ahead
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b", "c", "z"):
        (src / f"{name}.txt").write_text(f"readable {name}\n")
    secret = src / "secret.txt"
    secret.write_text("secret\n")
    if os.geteuid() == 0:  # root reads through chmod 000: simulate the refusal
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "secret.txt":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    else:
        secret.chmod(0)
    try:
        code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "-j", jobs)
        assert code == 1 and f"{secret}: Permission denied" in err
        args = ["--out", str(tmp_path / "out"), "--keep-going", "-j", jobs]
        code, _, err = invoke("clean", str(src), *args)
        assert code == 0, err
        report, _ = cleaned_outputs(tmp_path / "out")
        assert report["documents"] == 4
        assert report["errors"] == [
            {"file": str(secret), "line": None, "byte": None, "reason": "Permission denied"}
        ]
    finally:
        secret.chmod(0o644)


def test_malformed_jsonl_line_and_bad_records_with_keep_going(tmp_path: Path) -> None:
    src = tmp_path / "x.jsonl"
    lines = [
        '{"id": "a", "text": "first record"}',
        '{"id": oops}',
        '{"id": "b"}',
        '{"id": "c", "text": 3}',
        '{"id": null, "text": "no id"}',
        "[1, 2]",
        "",
        '{"id": "d", "text": "last record"}',
    ]
    src.write_text("\n".join(lines) + "\n")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and err.startswith(f"dedupe-docs: error: {src}:2: not valid JSON")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--keep-going")
    assert code == 0, err
    report, prov = cleaned_outputs(tmp_path / "out")
    assert [p["id"] for p in prov] == ["a", "d"]
    assert [(e["line"], e["reason"].split(":")[0]) for e in report["errors"]] == [
        (2, "not valid JSON"),
        (3, "missing field 'text'"),
        (4, "field 'text' is int, not a string"),
        (5, "field 'id' is null, not a string or number"),
        (6, "a record must be a JSON object"),
    ]
    assert "skipped 5 bad input(s)" in err
    code, _, err = invoke(
        "clean", str(src), "--out", str(tmp_path / "out"), "--keep-going", "-q", "--overwrite"
    )
    assert (code, err) == (
        0,
        f"dedupe-docs: skipped 5 bad input(s): see errors in {tmp_path / 'out'}/report.json\n",
    )
    clean = [json.loads(x) for x in (tmp_path / "out" / "clean.jsonl").read_text().splitlines()]
    assert [r["id"] for r in clean] == ["a", "d"]


def test_missing_text_field_and_non_string_text_library(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="record 0: missing field 'text'"):
        dedupe_docs.read({"id": "a", "body": "x"})
    with pytest.raises(InputError, match="document 'a': text is bytes"):
        dedupe_docs.read([("a", b"x")])
    docs = dedupe_docs.read([{"id": "a", "text": "x"}, {"id": "b"}], on_error="skip")
    assert [d.id for d in docs] == ["a"]


def test_truncated_gzip_names_the_line(tmp_path: Path) -> None:
    src = tmp_path / "x.jsonl.gz"
    body = "".join(
        json.dumps({"id": str(i), "text": f"record {i} " * 50}) + "\n" for i in range(200)
    )
    src.write_bytes(gzip.compress(body.encode())[:-300])
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and f"{src}:" in err and "cannot read past line" in err
    docs, errors = dedupe_docs.read_all(src, on_error="skip")
    assert 0 < len(docs) < 200 and len(errors) == 1 and errors[0].line == len(docs) + 1


def test_duplicate_ids_error_or_second_skipped(tmp_path: Path) -> None:
    src = tmp_path / "x.jsonl"
    src.write_text(
        '{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n{"id": "a", "text": "three"}\n'
    )
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1 and f"{src}:3: duplicate document id 'a' (also in {src}:1)" in err
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--keep-going")
    assert code == 0
    report, prov = cleaned_outputs(tmp_path / "out")
    assert [p["id"] for p in prov] == ["a", "b"] and len(report["errors"]) == 1
    # two folders holding the same relative path: the same rule
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "same.txt").write_text(f"{d}\n")
    code, _, err = invoke(
        "clean", str(tmp_path / "d1"), str(tmp_path / "d2"), "--out", str(tmp_path / "o2")
    )
    assert code == 1 and "duplicate document id 'same.txt'" in err


@pytest.mark.parametrize("jobs", ["1", "2"])  # with 2, a thread writes chunk after chunk
def test_output_paths_that_collide_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    monkeypatch.setattr(memory, "EMIT_CHUNK", 2)
    (tmp_path / "d1").mkdir()
    for name in ("a", "b", "c", "x"):
        (tmp_path / "d1" / f"{name}.txt").write_text(f"file {name}\n")
    (tmp_path / "d2" / "x.txt").mkdir(parents=True)
    (tmp_path / "d2" / "x.txt" / "y.txt").write_text("nested\n")
    code, _, err = invoke(
        "clean",
        str(tmp_path / "d1"),
        str(tmp_path / "d2"),
        "--out",
        str(tmp_path / "o"),
        "-j",
        jobs,
    )
    assert code == 1 and "clean/x.txt/y.txt: x.txt is both a file and a folder" in err
    assert not (tmp_path / "o").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".o.")]


def test_out_inside_input_or_holding_an_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "data"
    src.mkdir()
    (src / "a.txt").write_text("precious\n")
    code, _, err = invoke("clean", str(src), "--out", str(src / "out"))
    assert code == 1 and "inside input folder" in err
    for out in (src, tmp_path):  # --overwrite would replace the folder that holds the input
        code, _, err = invoke("clean", str(src / "a.txt"), "--out", str(out), "--overwrite")
        assert code == 1 and "would hold input" in err, err
    assert (src / "a.txt").read_text() == "precious\n"


def test_existing_non_empty_output_is_refused_unless_overwrite(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("text\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me\n")
    code, _, err = invoke("clean", str(tmp_path / "a.txt"), "--out", str(out))
    assert code == 1 and "exists and is not empty (use --overwrite)" in err
    assert (out / "mine.txt").read_text() == "keep me\n"
    (tmp_path / "empty").mkdir()
    assert invoke("clean", str(tmp_path / "a.txt"), "--out", str(tmp_path / "empty"))[0] == 0
    # --overwrite replaces only an output of dedupe-docs, never a folder of the user's
    code, _, err = invoke("clean", str(tmp_path / "a.txt"), "--out", str(out), "--overwrite")
    assert code == 1 and "not an output folder of dedupe-docs" in err
    assert (out / "mine.txt").read_text() == "keep me\n"
    out = tmp_path / "empty"
    code, _, err = invoke("clean", str(tmp_path / "a.txt"), "--out", str(out), "--overwrite")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["clean", "provenance.jsonl", "report.json"]


def test_every_row_of_the_readme_table_names_existing_tests() -> None:
    import importlib

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bad input and failures", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][
        1:
    ]
    assert len(rows) >= 15  # a selection: docs/bad-input.md has every row
    for row in rows:
        cell = row.rstrip(" |").rsplit(" | ", 1)[1]
        refs = re.findall(r"`(?:(test_\w+)\.py)?::(test_\w+)`", cell)
        assert refs or cell.startswith("same two tests"), row
        module = None
        for ref in refs:
            module = ref[0] or module
            assert module and hasattr(importlib.import_module(f"tests.{module}"), ref[1]), (
                row,
                ref,
            )
