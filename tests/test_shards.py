"""Sharded datasets (issue 24): folders and globs of JSON lines and Parquet shards in any
compression, Dolma's ``documents/*.json.gz``, ids made from file and line, ``--encoding``, one
output per shard with Dolma attributes beside it, ``--drop-empty``; inputs never change."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs import InputError, OutputError
from tests.helpers.clihelp import as_cleaned, digest, invoke, unchanged
from tests.helpers.corpus import SEEDS
from tests.helpers.invariants import check

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
zstandard = pytest.importorskip("zstandard")

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def records() -> list[dict]:
    """The seeds as records with other fields, and an exact copy of the second (which cleaning
    leaves empty)."""
    rows = [
        {"id": f"doc-{n}", "text": text, "url": f"https://example.org/{n}", "meta": {"n": n}}
        for n, text in enumerate(SEED_TEXTS)
    ]
    return [*rows, {"id": "copy-1", "text": SEED_TEXTS[1], "url": "https://mirror", "meta": {}}]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    elif path.name.endswith(".bz2"):
        data = bz2.compress(data)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def read_jsonl(path: Path) -> list[dict]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        assert data[:2] == b"\x1f\x8b", path
        data = gzip.decompress(data)
    elif path.name.endswith(".bz2"):
        assert data[:3] == b"BZh", path
        data = bz2.decompress(data)
    elif path.name.endswith(".zst"):
        assert data[:4] == b"\x28\xb5\x2f\xfd", path
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def provenance(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "provenance.jsonl").read_bytes().splitlines()]


def report_of(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def files_below(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


SHARDS = {  # relative path → the records it holds (a folder reads them sorted by path)
    "part-0.jsonl": [0, 1],
    "part-3.jsonl.bz2": [3],
    "sub/part-1.jsonl.gz": [2, 5],
    "sub/part-2.json.zst": [4],
}
ORDER = [0, 1, 3, 2, 5, 4]  # the records in corpus order


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    rows = records()
    for rel, numbers in SHARDS.items():
        write_jsonl(tmp_path / "data" / rel, [rows[n] for n in numbers])
    return tmp_path / "data"


def test_a_folder_of_shards_in_every_compression_is_read_and_mirrored(
    dataset: Path, tmp_path: Path
) -> None:
    rows = records()
    single = write_jsonl(tmp_path / "all.jsonl", [rows[n] for n in ORDER])
    code, _, err = invoke("clean", str(single), "--out", str(tmp_path / "one"))
    assert code == 0, err
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "out"))
    assert code == 0, err
    out = tmp_path / "out"
    assert files_below(out) == sorted(
        ["provenance.jsonl", "report.json", *(f"clean/{rel}" for rel in SHARDS)]
    )
    assert "wrote " + str(out) + "/: clean/ (4 files), provenance.jsonl, report.json" in err
    # the same documents in the same order as one file: the same provenance and texts
    assert (out / "provenance.jsonl").read_bytes() == (
        tmp_path / "one" / "provenance.jsonl"
    ).read_bytes()
    whole = read_jsonl(tmp_path / "one" / "clean.jsonl")
    sharded = [r for rel in sorted(SHARDS) for r in read_jsonl(out / "clean" / rel)]
    assert sharded == whole
    for rel, numbers in SHARDS.items():  # each shard: its own records, every field but text kept
        got = read_jsonl(out / "clean" / rel)
        assert [{**r, "text": None} for r in got] == [{**rows[n], "text": None} for n in numbers]
    texts = {rows[n]["id"]: rows[n]["text"] for n in ORDER}
    cleaned_texts = {r["id"]: r["text"] for r in sharded}
    check(texts, as_cleaned(provenance(out), cleaned_texts), 0.9)
    assert cleaned_texts["copy-1"] == ""  # a later exact copy is left empty
    report = report_of(out)
    assert report["documents"] == 6 and report["dropped_empty"] == 0
    assert sorted(report["inputs"]["hashes"][0]) == sorted(SHARDS)
    # a rerun gives the same bytes (gzip headers hold no time)
    assert invoke("clean", str(dataset), "--out", str(tmp_path / "again"))[0] == 0
    assert digest(tmp_path / "again") == digest(out)


def test_dolma_attributes_and_drop_empty_per_shard(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("--dolma-attributes", "--drop-empty")
    code, _, err = invoke("clean", str(dataset), "--out", str(out), *args)
    assert code == 0, err
    assert files_below(out) == sorted(
        [
            "provenance.jsonl",
            "report.json",
            *(f"clean/{rel}" for rel in SHARDS),
            *(f"attributes/dedupe_docs/{rel}" for rel in SHARDS),
        ]
    )
    assert "dropped 1 document left empty (--drop-empty)" in err
    assert "attributes/dedupe_docs/ (4 files)" in err
    assert report_of(out)["dropped_empty"] == 1
    prov = {p["id"]: p for p in provenance(out)}
    assert set(prov) == {r["id"] for r in records()}  # provenance keeps the dropped one
    rows = records()
    for rel, numbers in SHARDS.items():
        clean = read_jsonl(out / "clean" / rel)
        assert [r["id"] for r in clean] == [rows[n]["id"] for n in numbers if n != 5]
        attributes = read_jsonl(out / "attributes" / "dedupe_docs" / rel)  # Dolma: line by line
        assert [a["id"] for a in attributes] == [rows[n]["id"] for n in numbers]
        for line in attributes:
            removed = prov[line["id"]]["removed"]
            spans = sorted(s[:2] for v in line["attributes"].values() for s in v)
            assert spans == [[r["start"], r["end"]] for r in removed]


def test_dolma_documents_layout_read_as_is_through_a_glob(tmp_path: Path) -> None:
    dolma = tmp_path / "dolma"
    rows = [
        {"id": f"d{n}", "text": t, "source": "seeds", "added": "2026-01-01", "metadata": {}}
        for n, t in enumerate(SEED_TEXTS)
    ]
    write_jsonl(dolma / "documents" / "seeds-0000.json.gz", rows[:3])
    write_jsonl(dolma / "documents" / "seeds-0001.json.gz", rows[3:])
    (dolma / "documents" / "README.md").write_text("not a shard\n")
    pattern = str(dolma / "documents" / "*.json.gz")
    out = tmp_path / "out"
    with unchanged([dolma]):
        code, _, err = invoke("clean", pattern, "--out", str(out), "--dolma-attributes")
    assert code == 0, err
    assert files_below(out) == [
        "attributes/dedupe_docs/seeds-0000.json.gz",
        "attributes/dedupe_docs/seeds-0001.json.gz",
        "clean/seeds-0000.json.gz",
        "clean/seeds-0001.json.gz",
        "provenance.jsonl",
        "report.json",
    ]
    assert [r["id"] for r in read_jsonl(out / "clean" / "seeds-0001.json.gz")] == ["d3", "d4"]
    report = report_of(out)
    assert report["documents"] == 5
    assert report["inputs"]["paths"] == [str(Path(pattern).absolute())]
    # explain re-reads the glob as the run read it
    code, text, err = invoke("explain", str(out), "d0", "--reason", "duplicate")
    assert code == 0 and "d0:" in text, err


def test_globs_reach_any_depth_relative_to_their_base(tmp_path: Path) -> None:
    rows = records()
    write_jsonl(tmp_path / "data" / "a" / "x.jsonl", rows[:2])
    write_jsonl(tmp_path / "data" / "b" / "x.jsonl", rows[2:4])
    write_jsonl(tmp_path / "data" / "b" / "skip.jsonl.gz", rows[4:])
    pattern = str(tmp_path / "data" / "**" / "x.jsonl")
    with unchanged([tmp_path / "data"]):
        code, _, err = invoke("clean", pattern, "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert files_below(tmp_path / "out" / "clean") == ["a/x.jsonl", "b/x.jsonl"]
    assert [p["id"] for p in provenance(tmp_path / "out")] == [r["id"] for r in rows[:4]]
    # a glob that matches nothing is an error naming it; so is an output it would read again
    code, _, err = invoke("clean", str(tmp_path / "data" / "*.csv"), "--out", str(tmp_path / "o"))
    assert code == 1 and err == (
        f"dedupe-docs: error: {tmp_path / 'data' / '*.csv'}: no file matches this pattern\n"
    )
    code, _, err = invoke("clean", pattern, "--out", str(tmp_path / "data" / "out"))
    assert code == 1 and "output folder is inside the folder glob" in err
    with pytest.raises(InputError, match="no file matches"):
        dedupe_docs.read(str(tmp_path / "none" / "*.jsonl"))


def test_parquet_shards_keep_their_own_schema(tmp_path: Path) -> None:
    rows = records()
    data = tmp_path / "data"
    data.mkdir()
    for n, part in enumerate((rows[:3], rows[3:])):
        table = pa.Table.from_pylist(part).replace_schema_metadata({"part": str(n)})
        pq.write_table(table, data / f"part-{n}.parquet", row_group_size=2)
    code, _, err = invoke("clean", str(data), "--out", str(tmp_path / "out"), "--dolma-attributes")
    assert code == 0, err
    out = tmp_path / "out"
    for n, part in enumerate((rows[:3], rows[3:])):
        written = out / "clean" / f"part-{n}.parquet"
        assert pq.read_schema(written).equals(pq.read_schema(data / written.name), True)
        got = pq.read_table(written).to_pylist()
        was = pq.read_table(data / written.name).to_pylist()
        assert [{**r, "text": None} for r in got] == [{**r, "text": None} for r in was]
        attributes = read_jsonl(out / "attributes" / "dedupe_docs" / f"part-{n}.jsonl")
        assert [a["id"] for a in attributes] == [r["id"] for r in part]
    jsonl = write_jsonl(tmp_path / "all.jsonl", rows)
    assert invoke("clean", str(jsonl), "--out", str(tmp_path / "one"))[0] == 0
    assert (out / "provenance.jsonl").read_bytes() == (
        tmp_path / "one" / "provenance.jsonl"
    ).read_bytes()


def test_records_without_an_id_get_stable_ids_from_file_and_line(tmp_path: Path) -> None:
    rows = [{"text": r["text"], "url": r["url"]} for r in records()]
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", rows[:2])
    (data / "a.jsonl").write_text(  # a blank line still counts
        (data / "a.jsonl").read_text() + "\n" + json.dumps(rows[2]) + "\n"
    )
    write_jsonl(data / "sub" / "b.jsonl.gz", [rows[3], {**rows[4], "id": "given"}])
    pq.write_table(pa.Table.from_pylist(rows[5:]), data / "c.parquet")
    expected = ["a.jsonl:1", "a.jsonl:2", "a.jsonl:4", "c.parquet:0", "sub/b.jsonl.gz:1", "given"]
    for name in ("one", "two"):
        code, _, err = invoke("clean", str(data), "--out", str(tmp_path / name))
        assert code == 0, err
        assert [p["id"] for p in provenance(tmp_path / name)] == expected
    assert digest(tmp_path / "one") == digest(tmp_path / "two")
    # --id-field '' ignores the data's ids; a single file's ids are made from its name
    code, _, err = invoke(
        "clean", str(data / "sub" / "b.jsonl.gz"), "--out", str(tmp_path / "b"), "--id-field", ""
    )
    assert code == 0, err
    assert [p["id"] for p in provenance(tmp_path / "b")] == ["b.jsonl.gz:1", "b.jsonl.gz:2"]
    # the records are written back as they were: a made id is not added to them
    assert [r.get("id") for r in read_jsonl(tmp_path / "b" / "clean.jsonl.gz")] == [None, "given"]
    # records given in memory still need their id
    with pytest.raises(InputError, match="record 0: missing field 'id'"):
        dedupe_docs.read([{"text": "x"}])


def test_ids_that_repeat_across_shards_are_refused_or_made_unique(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rows = records()
    write_jsonl(data / "a.jsonl", [{**rows[0], "id": 0}, {**rows[1], "id": 1}])
    write_jsonl(data / "b.jsonl", [{**rows[2], "id": 0}])
    code, _, err = invoke("clean", str(data), "--out", str(tmp_path / "out"))
    assert code == 1
    assert err == (
        f"dedupe-docs: error: {data / 'b.jsonl'}:1: duplicate document id '0' "
        f"(also in {data / 'a.jsonl'}:1) (ids must be unique across all inputs)\n"
    )
    code, _, err = invoke("clean", str(data), "--out", str(tmp_path / "out"), "--id-field", "")
    assert code == 0, err
    assert [p["id"] for p in provenance(tmp_path / "out")] == [
        "a.jsonl:1",
        "a.jsonl:2",
        "b.jsonl:1",
    ]


def test_two_inputs_with_the_same_relative_path_are_refused(tmp_path: Path) -> None:
    rows = records()
    a = write_jsonl(tmp_path / "x" / "part.jsonl", rows[:1])
    b = write_jsonl(tmp_path / "y" / "part.jsonl", rows[1:2])
    code, _, err = invoke("clean", str(a), str(b), "--out", str(tmp_path / "out"))
    assert code == 1 and "clean/part.jsonl: two input shards have this relative path" in err
    assert not (tmp_path / "out").exists()
    code, _, err = invoke("clean", str(tmp_path / "*" / "part.jsonl"), "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert files_below(tmp_path / "o" / "clean") == ["x/part.jsonl", "y/part.jsonl"]


def test_text_files_in_utf16_and_latin1(tmp_path: Path) -> None:
    latin = SEED_TEXTS[0][:3000].encode("latin-1", "replace").decode("latin-1")
    text = latin + "Café crème, naïve façade.\n"
    for encoding in ("utf-16", "latin-1"):
        src = tmp_path / encoding
        src.mkdir()
        (src / "a.txt").write_bytes(text.encode(encoding))
        (src / "b.txt").write_bytes((text + "One line of its own.\n").encode(encoding))
        out = tmp_path / f"out-{encoding}"
        code, _, err = invoke("clean", str(src), "--out", str(out), "--encoding", encoding)
        assert code == 0, err
        prov = provenance(out)
        assert [p["length"] for p in prov] == [len(text), len(text) + 21]
        cleaned = {p["id"]: (out / "clean" / p["id"]).read_text(encoding="utf-8") for p in prov}
        assert cleaned["b.txt"] == "One line of its own.\n"
        check(
            {"a.txt": text, "b.txt": text + "One line of its own.\n"},
            as_cleaned(prov, cleaned),
            0.9,
        )
        assert report_of(out)["inputs"]["encoding"] == encoding
        code, shown, err = invoke("explain", str(out), "b.txt")
        assert code == 0 and "naïve" in shown, err
    # read as UTF-8, UTF-16 is named, with the option that reads it
    code, _, err = invoke("clean", str(tmp_path / "utf-16"), "--out", str(tmp_path / "o"))
    assert code == 1 and "a.txt: looks like UTF-16 (--encoding utf-16 reads it" in err
    code, _, err = invoke(
        "clean", str(tmp_path / "utf-16"), "--out", str(tmp_path / "o"), "--encoding", "utf-17"
    )
    assert (code, err) == (
        1,
        "dedupe-docs: error: --encoding 'utf-17' is not an encoding Python knows\n",
    )


def test_text_that_does_not_decode_names_file_and_byte(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes("ok\n".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    code, _, err = invoke(
        "clean", str(src), "--out", str(tmp_path / "o"), "--encoding", "utf-16-le"
    )
    assert code == 1 and f"{src / 'a.txt'}: not valid utf-16-le at byte 6" in err
    args = ("--encoding", "utf-16-le", "--encoding-errors", "replace")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "o"), *args)
    assert code == 0, err
    assert (tmp_path / "o" / "clean" / "a.txt").read_text(encoding="utf-8") == "ok\n\ufffd"


def test_a_bad_record_in_a_shard_names_the_shard_and_line(dataset: Path, tmp_path: Path) -> None:
    bad = dataset / "sub" / "part-1.jsonl.gz"
    good = read_jsonl(bad)
    lines = [json.dumps(good[0]), '{"id": "broken", "text": ', json.dumps(good[1])]
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "out"))
    assert code == 1 and err.startswith(f"dedupe-docs: error: {bad}:2: not valid JSON")
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "out"), "--keep-going")
    assert code == 0, err
    assert [
        r["id"] for r in read_jsonl(tmp_path / "out" / "clean" / "sub" / "part-1.jsonl.gz")
    ] == [
        "doc-2",
        "copy-1",
    ]
    assert [(e["file"], e["line"]) for e in report_of(tmp_path / "out")["errors"]] == [
        (str(bad), 2)
    ]


def test_an_empty_shard_gives_empty_outputs_and_no_documents_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_jsonl(data / "a.jsonl", records()[:1])
    write_jsonl(data / "b.jsonl.gz", [])
    code, _, err = invoke("clean", str(data), "--out", str(tmp_path / "out"), "--dolma-attributes")
    assert code == 0, err
    out = tmp_path / "out"
    assert read_jsonl(out / "clean" / "b.jsonl.gz") == []
    assert read_jsonl(out / "attributes" / "dedupe_docs" / "b.jsonl.gz") == []
    # shards that hold only bad records: no documents from non-empty inputs is an error
    bad = tmp_path / "bad"
    write_jsonl(bad / "a.jsonl", [{"id": "a", "body": "no text"}])
    with pytest.raises(InputError, match=r"no documents read: every file or record was skipped"):
        dedupe_docs.run([bad], tmp_path / "o", on_error="skip")
    with pytest.raises(InputError, match=r"no documents read: every file or record was skipped"):
        dedupe_docs.run([str(bad / "*.jsonl")], tmp_path / "o", on_error="skip")
    report = dedupe_docs.run([bad], tmp_path / "o", on_error="skip", allow_empty=True)
    assert report["documents"] == 0 and files_below(tmp_path / "o") == [
        "provenance.jsonl",
        "report.json",
    ]


def test_text_and_records_in_one_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text(SEED_TEXTS[1], encoding="utf-8")
    write_jsonl(data / "b.jsonl", [{"id": "b", "text": SEED_TEXTS[1]}])
    out = tmp_path / "out"
    report = dedupe_docs.run([data], out, dolma_attributes=True, drop_empty=True)
    assert files_below(out) == [
        "attributes.jsonl",  # the text file's
        "attributes/dedupe_docs/b.jsonl",
        "clean/a.txt",
        "clean/b.jsonl",
        "provenance.jsonl",
        "report.json",
    ]
    assert report["dropped_empty"] == 1 and read_jsonl(out / "clean" / "b.jsonl") == []
    assert [a["id"] for a in read_jsonl(out / "attributes.jsonl")] == ["a.txt"]


def test_drop_empty_on_text_files_and_a_single_records_file(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(SEED_TEXTS[2], encoding="utf-8")
    (src / "b.txt").write_text(SEED_TEXTS[2], encoding="utf-8")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "t"), "--drop-empty")
    assert code == 0, err
    assert files_below(tmp_path / "t") == ["clean/a.txt", "provenance.jsonl", "report.json"]
    assert [p["id"] for p in provenance(tmp_path / "t")] == ["a.txt", "b.txt"]
    rows = [{"id": "a", "text": SEED_TEXTS[2]}, {"id": "b", "text": SEED_TEXTS[2]}]
    single = write_jsonl(tmp_path / "in.jsonl.bz2", rows)
    code, _, err = invoke("clean", str(single), "--out", str(tmp_path / "j"), "--drop-empty")
    assert code == 0, err
    assert [r["id"] for r in read_jsonl(tmp_path / "j" / "clean.jsonl.bz2")] == ["a"]
    assert report_of(tmp_path / "j")["dropped_empty"] == 1


def test_input_guard_sees_the_files_a_glob_names(tmp_path: Path) -> None:
    from tests.helpers.clihelp import input_paths

    write_jsonl(tmp_path / "d" / "a.jsonl", records()[:1])
    assert input_paths(["clean", str(tmp_path / "d" / "*.jsonl"), "--out", "o"]) == [
        tmp_path / "d" / "a.jsonl"
    ]


def test_an_output_holding_a_file_a_glob_matches_is_refused(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "a.jsonl", records()[:1])
    with pytest.raises(OutputError, match="output folder would hold input"):
        dedupe_docs.run([str(tmp_path / "d" / "*.jsonl")], tmp_path / "d")


def test_shards_in_bounded_memory_and_on_threads_give_the_same_folder(
    dataset: Path, tmp_path: Path
) -> None:
    """The reader fills the list of shards while batches are already written."""
    args = ("--dolma-attributes", "--drop-empty")
    assert invoke("clean", str(dataset), "--out", str(tmp_path / "a"), *args)[0] == 0
    bounded = ("--max-memory", "300M", "--jobs", "2", "--work-dir", str(tmp_path / "w"))
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "b"), *args, *bounded)
    assert code == 0, err
    assert digest(tmp_path / "b") == digest(tmp_path / "a")
