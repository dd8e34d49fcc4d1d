"""Issue 23, "Trust": what a user relies on without checking. ``--keep-going`` skips only the bad
record, ``--overwrite`` replaces only what dedupe-docs wrote, ``explain`` and ``report`` work on
every run that ``clean`` finished, zero documents is not a success, and every user error is one
readable line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.clihelp import invoke

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


# 2. --overwrite replaces only an output folder of dedupe-docs


def make_input(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    (src / "a.txt").write_text(PARA + "\n", encoding="utf-8")
    (src / "b.txt").write_text(PARA + "\n", encoding="utf-8")
    return src


def test_report_json_carries_the_tool_and_a_run_id(tmp_path: Path) -> None:
    src = make_input(tmp_path)
    assert invoke("clean", str(src), "--out", str(tmp_path / "o1"))[0] == 0
    assert invoke("clean", str(src), "--out", str(tmp_path / "o2"))[0] == 0
    one, two = report_of(tmp_path / "o1"), report_of(tmp_path / "o2")
    assert one["tool"] == two["tool"] == "dedupe-docs"
    assert len(one["run_id"]) == 32 and int(one["run_id"], 16) >= 0
    assert one["run_id"] != two["run_id"]


def test_overwrite_refuses_a_folder_dedupe_docs_did_not_write(tmp_path: Path) -> None:
    src = make_input(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work\n")
    code, _, err = invoke("clean", str(src), "--out", str(precious), "--overwrite")
    assert code == 1
    assert err.startswith(f"dedupe-docs: error: {precious}: not an output folder of dedupe-docs")
    assert "--overwrite" in err and err.count("\n") == 1
    assert (precious / "thesis.txt").read_text() == "years of work\n"
    # a report.json that is not dedupe-docs' own does not make it one
    (precious / "report.json").write_text('{"documents": 3}\n')
    assert invoke("clean", str(src), "--out", str(precious), "--overwrite")[0] == 1
    assert (precious / "thesis.txt").exists()
    # a file
    (tmp_path / "file").write_text("not a folder\n")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "file"), "--overwrite")
    assert code == 1 and "not a folder" in err
    assert (tmp_path / "file").read_text() == "not a folder\n"
    # an empty folder is fine, with or without --overwrite
    (tmp_path / "empty").mkdir()
    assert invoke("clean", str(src), "--out", str(tmp_path / "empty"), "--overwrite")[0] == 0


def test_overwrite_refuses_an_output_holding_a_foreign_file(tmp_path: Path) -> None:
    """An output of dedupe-docs that the user added a file to is refused as a whole: replacing
    it would delete the file, which dedupe-docs did not write."""
    src, out = make_input(tmp_path), tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out))[0] == 0
    (out / "notes.md").write_text("my notes\n")
    code, _, err = invoke("clean", str(src), "--out", str(out), "--overwrite")
    assert code == 1 and "notes.md" in err
    assert (out / "notes.md").read_text() == "my notes\n"
    (out / "notes.md").unlink()
    before = report_of(out)["run_id"]
    assert invoke("clean", str(src), "--out", str(out), "--overwrite")[0] == 0
    assert report_of(out)["run_id"] != before


def make_shards(tmp_path: Path) -> Path:
    """A folder of JSON-lines shards, one in a nested folder."""
    src = tmp_path / "shards"
    (src / "sub").mkdir(parents=True, exist_ok=True)
    for name in ("a.jsonl", "sub/b.jsonl"):
        rows = [{"id": f"{name}{i}", "text": f"{PARA} Row {i}.\n"} for i in range(3)]
        (src / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return src


@pytest.mark.parametrize(
    "foreign",
    [
        "clean/notes.md",
        "clean/sub/notes.md",
        "clean/sub/deeper/notes.md",
        "attributes/notes.md",
        "attributes/dedupe_docs/sub/notes.md",
        "mine/notes.md",
    ],
)
def test_overwrite_refuses_an_output_holding_a_nested_foreign_file(
    tmp_path: Path, foreign: str
) -> None:
    """A file the user put anywhere below an output, not only at its top, is never deleted:
    ``--overwrite`` compares the whole tree with the files ``report.json`` says the run wrote."""
    src, out = make_shards(tmp_path), tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out), "--dolma-attributes")[0] == 0
    made = [p for p in (out / foreign).parents if not p.exists()]  # the user's folders
    (out / foreign).parent.mkdir(parents=True, exist_ok=True)
    (out / foreign).write_text("my notes\n")
    code, _, err = invoke("clean", str(src), "--out", str(out), "--overwrite", "--dolma-attributes")
    assert code == 1 and err.count("\n") == 1
    assert f"holds {foreign}, which dedupe-docs did not write" in err
    assert (out / foreign).read_text() == "my notes\n"
    (out / foreign).unlink()
    for folder in made:
        folder.rmdir()
    assert invoke("clean", str(src), "--out", str(out), "--overwrite")[0] == 0
    assert not (out / "attributes").exists()


def test_overwrite_refuses_an_empty_folder_the_user_made_inside_an_output(tmp_path: Path) -> None:
    src, out = make_shards(tmp_path), tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out))[0] == 0
    (out / "clean" / "drafts").mkdir()
    code, _, err = invoke("clean", str(src), "--out", str(out), "--overwrite")
    assert code == 1 and "holds clean/drafts/, which dedupe-docs did not write" in err
    assert (out / "clean" / "drafts").is_dir()


def test_report_json_lists_the_files_the_run_wrote(tmp_path: Path) -> None:
    src, out = make_shards(tmp_path), tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out), "--dolma-attributes")[0] == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert report_of(out)["files"] == [f for f in written if f != "report.json"]


def test_overwrite_refuses_an_output_without_its_list_of_files(tmp_path: Path) -> None:
    """An output whose report.json does not list its files (an older version wrote it, or
    it was edited) cannot be checked file by file, so it is not replaced."""
    src, out = make_input(tmp_path), tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out))[0] == 0
    report = report_of(out)
    del report["files"]
    (out / "report.json").write_text(json.dumps(report))
    code, _, err = invoke("clean", str(src), "--out", str(out), "--overwrite")
    assert code == 1 and "does not list the files" in err and err.count("\n") == 1
    assert (out / "clean" / "a.txt").exists()


def test_overwrite_refuses_a_symlink_and_an_input_folder(tmp_path: Path) -> None:
    src = make_input(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    assert invoke("clean", str(src), "--out", str(elsewhere))[0] == 0
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    code, _, err = invoke("clean", str(src), "--out", str(link), "--overwrite")
    assert code == 1 and "symbolic link" in err
    assert link.is_symlink() and (elsewhere / "report.json").exists()
    code, _, err = invoke("clean", str(src / "a.txt"), "--out", str(src), "--overwrite")
    assert code == 1 and "would hold input" in err
    assert (src / "a.txt").exists() and (src / "b.txt").exists()


def test_atomic_folder_checks_again_when_it_replaces(tmp_path: Path) -> None:
    """A file added to the output while the run went on is not deleted either."""
    from dedupe_docs import OutputError, pipeline

    out = tmp_path / "out"
    pipeline.run([("a", PARA)], out)
    with pytest.raises(OutputError, match=r"late\.txt"):
        pipeline.run([("a", PARA)], out, overwrite=True, progress=lambda *a: late(out / "late.txt"))
    assert (out / "late.txt").exists()


def late(path: Path) -> None:
    if not path.exists():
        path.write_text("added during the run\n")


# 3. explain and report work on every run that clean finished


def explains(out: Path, tmp_path: Path) -> str:
    """The output of ``explain`` on ``out``, after checking that ``report`` succeeds too."""
    code, text, err = invoke("explain", str(out), "--no-color")
    assert code == 0, err
    code, _, err = invoke("report", str(out), "--html", str(tmp_path / "report.html"))
    assert code == 0, err
    return text


def test_explain_and_report_after_replace_skip_file_and_keep_going(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(PARA + "\n", encoding="utf-8")
    (src / "b.txt").write_bytes(b"caf\xe9\n" + PARA.encode() + b"\n")
    out = tmp_path / "replace"
    code, _, err = invoke("clean", str(src), "--out", str(out), "--encoding-errors", "replace")
    assert code == 0, err
    inputs = report_of(out)["inputs"]
    assert (inputs["encoding_errors"], inputs["on_error"]) == ("replace", "raise")
    assert "b.txt:2 [5:" in explains(out, tmp_path)
    out = tmp_path / "skip"
    (src / "c.txt").write_text(PARA + "\n", encoding="utf-8")
    code, _, err = invoke("clean", str(src), "--out", str(out), "--encoding-errors", "skip-file")
    assert code == 0, err
    assert ids_of(out) == ["a.txt", "c.txt"] and "c.txt:1 [0:" in explains(out, tmp_path)
    records = tmp_path / "r.jsonl"
    lines = [json.dumps({"id": "a", "text": PARA}), "{oops", json.dumps({"id": "b", "text": PARA})]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "keep-going"
    assert invoke("clean", str(records), "--out", str(out), "--keep-going")[0] == 0
    assert report_of(out)["inputs"]["on_error"] == "skip"
    assert "b:1 [0:" in explains(out, tmp_path)


def test_explain_and_report_on_a_batch_cleaned_against_an_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    for name, text in (("one", PARA), ("two", f"New words here.\n{PARA}\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(text, encoding="utf-8")
        out = tmp_path / f"out-{name}"
        code, _, err = invoke(
            "clean", str(tmp_path / name), "--out", str(out), "--index", str(index)
        )
        assert code == 0, err
    assert report_of(out)["index"]["path"] == str(index.absolute())
    text = explains(out, tmp_path)
    assert (
        "two.txt:2 [16:" in text and "duplicate (passage), similarity 1.00 of one.txt:1 [0:" in text
    )
    import shutil

    shutil.rmtree(index)
    code, _, err = invoke("explain", str(out))
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1
    assert f"{index.absolute()}" in err and "earlier batch" in err


def test_explain_refuses_an_input_edited_to_the_same_length(tmp_path: Path) -> None:
    src = make_input(tmp_path)
    out = tmp_path / "out"
    assert invoke("clean", str(src), "--out", str(out))[0] == 0
    hashes = report_of(out)["inputs"]["hashes"]
    assert sorted(hashes[0]) == ["a.txt", "b.txt"] and len(hashes[0]["a.txt"]) == 32
    edited = PARA.replace("quick", "QUICK") + "\n"
    (src / "a.txt").write_text(edited, encoding="utf-8")
    for command in (["explain", str(out)], ["report", str(out), "--html", str(tmp_path / "r")]):
        code, _, err = invoke(*command)
        assert code == 1 and f"{src / 'a.txt'}: changed since the run" in err, err


# 4. zero documents from non-empty inputs is an error


def test_a_folder_of_files_not_read_is_not_a_silent_empty_run(tmp_path: Path) -> None:
    """A folder of .jsonl shards is read now (tests/test_shards.py); a folder of files of no
    kind that is read, or whose every record is bad, still gives no silent empty run."""
    from dedupe_docs import InputError, pipeline

    tables = tmp_path / "tables"
    tables.mkdir()
    for n in range(3):
        (tables / f"part-{n}.csv").write_text(f"id,text\ns{n},{PARA}\n", encoding="utf-8")
    code, _, err = invoke("clean", str(tables), "--out", str(tmp_path / "out"))
    assert code == 1 and err.count("\n") == 1
    assert f"{tables}: no documents read: it holds 3 .csv files" in err
    assert "--allow-empty" in err and not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="allow_empty=True"):
        pipeline.run([tables], str(tmp_path / "out"))
    code, _, err = invoke("clean", str(tables), "--out", str(tmp_path / "out"), "--allow-empty")
    assert code == 0, err
    assert report_of(tmp_path / "out")["documents"] == 0
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "part-0.jsonl").write_text('{"id": "a", "body": "no text"}\n', encoding="utf-8")
    code, _, err = invoke("clean", str(shards), "--out", str(tmp_path / "o1"), "--keep-going")
    assert code == 1 and f"{shards}: no documents read: every file or record was skipped" in err
    (tmp_path / "empty").mkdir()  # nothing to read: nothing to complain about
    assert invoke("clean", str(tmp_path / "empty"), "--out", str(tmp_path / "o2"))[0] == 0


# 5. every user error is a DedupeError with one readable line


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (5, "input 0: int 5 is not"),
        (None, "input 0: NoneType None is not"),
        (("a",), "input 0: a tuple of 1 item"),
        (b"x.txt", "input 0: bytes b'x.txt' is not"),
    ],
)
def test_clean_names_an_input_it_cannot_read(item: object, message: str) -> None:
    import dedupe_docs

    with pytest.raises(dedupe_docs.InputError) as caught:
        dedupe_docs.clean([item])
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    docs = dedupe_docs.read([("a", "x"), item], on_error="skip")
    assert [d.id for d in docs] == ["a"]


def test_run_takes_str_and_pathlike_out_and_index(tmp_path: Path) -> None:
    from dedupe_docs import pipeline

    report = pipeline.run([("a", PARA)], str(tmp_path / "out"), index=str(tmp_path / "index"))
    assert report["documents"] == 1 and (tmp_path / "index" / "index.sqlite").is_file()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("min_tokens = 3.5", "min_tokens must be a whole number (got 3.5)"),
        ("min-tokens = 3.0", "min-tokens must be a whole number (got 3.0)"),
        ("threshhold = 0.9", "unknown option 'threshhold'; did you mean 'threshold'?"),
        ("min_token = 3", "unknown option 'min_token'; did you mean 'min_tokens'?"),
        ("text-field = 5", "text-field must be a string (got 5)"),
        ('dolma-attributes = "maybe"', "dolma-attributes must be true or false (got 'maybe')"),
        ("unit = 5", "unit must be one of 'line', 'paragraph' (got 5)"),
        ("max_memory = 100", "max_memory must be at least 256M (got 100 bytes)"),
        ('max-memory = "1G"\nkeep = "longest"', 'max-memory needs keep = "first" (keeping'),
        ("output_parts = 0", "output_parts must be a whole number of 1 or more (got 0)"),
        ('[clean]\nmin_tokens = 3\nunitt = "line"', "unknown option 'unitt'; did you mean 'unit'?"),
    ],
)
def test_config_file_errors_are_one_readable_line(tmp_path: Path, body: str, message: str) -> None:
    conf = tmp_path / "dd.toml"
    conf.write_text(body + "\n", encoding="utf-8")
    src = make_input(tmp_path)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--config", str(conf))
    assert code == 1 and err.startswith(f"dedupe-docs: error: {conf}: {message}")
    assert err.count("\n") == 1


def test_clean_and_clean_records_name_what_is_not_an_input() -> None:
    import dedupe_docs

    with pytest.raises(dedupe_docs.InputError, match="inputs: int 5 is not a path"):
        dedupe_docs.clean(5)  # type: ignore[arg-type]
    with pytest.raises(dedupe_docs.InputError, match="record 1: int 5 is not a mapping"):
        dedupe_docs.clean_records([{"text": "x"}, 5], id_field=None)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda d: d.Config(unitt="line"),
            "ConfigError",
            "unknown option 'unitt'; did you mean 'unit'?",
        ),
        (
            lambda d: d.Config(min_token=3),
            "ConfigError",
            "unknown option 'min_token'; did you mean 'min_tokens'?",
        ),
        (lambda d: d.Config(5), "ConfigError", "`Config` takes its options by name"),
        (lambda d: d.run([("a", PARA)], None), "ConfigError", "`out` must be a folder path"),
        (
            lambda d: d.run([("a", PARA)], 5),
            "ConfigError",
            "`out` must be a folder path or URL (a str or os.PathLike), not int 5",
        ),
        (lambda d: d.run(5, "never"), "InputError", "inputs: int 5 is not a path"),
        (lambda d: d.clean_records(5), "InputError", "records: int 5 is not an iterable"),
        (
            lambda d: d.clean_records(5, id_field=None),
            "InputError",
            "records: int 5 is not an iterable",
        ),
        (
            lambda d: d.clean([("a", PARA)], config=5),
            "ConfigError",
            "`config` must be a Config or a mapping of its options, not int 5",
        ),
        (
            lambda d: d.clean([("a", PARA)], config={"unitt": "line"}),
            "ConfigError",
            "unknown option 'unitt'; did you mean 'unit'?",
        ),
        (
            lambda d: d.run([("a", PARA)], "never", output_parts="3"),
            "ConfigError",
            "`output_parts` must be a whole number of 1 or more, not '3'",
        ),
        (
            lambda d: d.run([("a", PARA)], "never", output_parts=2.5),
            "ConfigError",
            "`output_parts` must be a whole number",
        ),
    ],
)
def test_api_misuse_is_a_dedupe_error_of_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: object, error: str, message: str
) -> None:
    """Each mistake in calling the library is the DedupeError subclass a user catches, with a
    message that names the parameter as written and, for a typo, the nearest real one."""
    import dedupe_docs

    monkeypatch.chdir(tmp_path)
    with pytest.raises(getattr(dedupe_docs, error)) as caught:
        call(dedupe_docs)  # type: ignore[operator]
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "never").exists()


def test_config_may_be_a_mapping_of_options(tmp_path: Path) -> None:
    """``config={"unit": "paragraph"}`` is read as ``Config(unit="paragraph")``, as a TOML
    table would be; keyword overrides still win."""
    import dedupe_docs

    text = PARA + "\n"
    docs = [("a", text), ("b", text)]
    by_map = dedupe_docs.clean(docs, config={"unit": "paragraph", "min_tokens": 3})
    by_config = dedupe_docs.clean(docs, config=dedupe_docs.Config(unit="paragraph", min_tokens=3))
    assert by_map == by_config and by_map[1].text == ""
    rows = dedupe_docs.clean_records([{"id": "a", "text": text}], config={"min_tokens": 3})
    assert rows == [{"id": "a", "text": text}]
    report = dedupe_docs.run(docs, tmp_path / "out", {"min_tokens": 3})
    assert report["config"]["min_tokens"] == 3
