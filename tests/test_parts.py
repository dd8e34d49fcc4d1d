"""Numbered output parts (``--output-parts N``, issue 21): every document's record in one of N
part files cut in corpus order by count, the same parts in memory, in bounded memory and on
threads, in the inputs' format; a downstream reader (pyarrow.dataset) sees one dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import OutputError
from dedupe_docs.drivers import bounded
from dedupe_docs.formats.parts import part_bounds
from tests.helpers.clihelp import digest, invoke
from tests.helpers.corpus import SEEDS
from tests.test_shards import ORDER, SHARDS, files_below, read_jsonl, records, write_jsonl

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
ds = pytest.importorskip("pyarrow.dataset")


@given(st.integers(0, 10_000), st.integers(1, 300))
def test_parts_are_contiguous_and_differ_by_one_document_at_most(docs: int, parts: int) -> None:
    b = part_bounds(docs, parts)
    sizes = [b[i + 1] - b[i] for i in range(parts)]
    assert b[0] == 0 and b[-1] == docs and len(sizes) == parts
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    rows = records()
    for rel, numbers in SHARDS.items():
        write_jsonl(tmp_path / "data" / rel, [rows[n] for n in numbers])
    return tmp_path / "data"


def test_shards_in_parts_are_the_shards_records_in_corpus_order(
    dataset: Path, tmp_path: Path
) -> None:
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "shards"))
    assert code == 0, err
    code, _, err = invoke(
        "clean", str(dataset), "--out", str(tmp_path / "parts"), "--output-parts", "4"
    )
    assert code == 0, err
    out = tmp_path / "parts"
    names = [f"clean/part-0000{i}.jsonl" for i in range(4)]
    assert files_below(out) == sorted([*names, "provenance.jsonl", "report.json"])
    assert f"wrote {out}/: clean/ (4 parts), provenance.jsonl, report.json" in err
    # six documents in four parts: 2, 2, 1, 1, in corpus order (mixed compressions in: plain out)
    got = [[r["id"] for r in read_jsonl(out / n)] for n in names]
    ids = [records()[n]["id"] for n in ORDER]
    assert got == [ids[0:2], ids[2:4], ids[4:5], ids[5:6]]
    whole = [r for rel in sorted(SHARDS) for r in read_jsonl(tmp_path / "shards" / "clean" / rel)]
    assert [r for n in names for r in read_jsonl(out / n)] == whole
    assert (out / "provenance.jsonl").read_bytes() == (
        tmp_path / "shards" / "provenance.jsonl"
    ).read_bytes()
    report = json.loads((out / "report.json").read_text())
    assert report["parts"] == [
        {"file": names[0], "first": 0, "documents": 2},
        {"file": names[1], "first": 2, "documents": 2},
        {"file": names[2], "first": 4, "documents": 1},
        {"file": names[3], "first": 5, "documents": 1},
    ]
    # a downstream reader sees one dataset, in corpus order
    table = ds.dataset(str(out / "clean"), format="json").to_table()
    assert table.column("id").to_pylist() == ids
    assert table.column("text").to_pylist() == [r["text"] for r in whole]


def test_the_same_parts_in_bounded_memory_on_threads_and_with_attributes(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--output-parts", "3", "--dolma-attributes", "--drop-empty")
    assert invoke("clean", str(dataset), "--out", str(tmp_path / "a"), *args)[0] == 0
    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 20_000)  # several batches
    more = ("--max-memory", "300M", "--jobs", "2", "--work-dir", str(tmp_path / "w"))
    code, _, err = invoke("clean", str(dataset), "--out", str(tmp_path / "b"), *args, *more)
    assert code == 0, err
    assert digest(tmp_path / "b") == digest(tmp_path / "a")
    out = tmp_path / "a"
    attributes = sorted(p.name for p in (out / "attributes" / "dedupe_docs").iterdir())
    assert attributes == [f"part-0000{i}.jsonl" for i in range(3)]
    # the empty copy is not written, yet counts for the boundaries: 2, 2 and 1 records
    sizes = [len(read_jsonl(out / "clean" / f"part-0000{i}.jsonl")) for i in range(3)]
    assert sizes == [2, 2, 1]
    lines = [len(read_jsonl(out / "attributes" / "dedupe_docs" / a)) for a in attributes]
    assert lines == [2, 2, 2]


def test_parquet_parts_keep_the_schema_and_read_as_one_dataset(tmp_path: Path) -> None:
    rows = records()
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("n", pa.int16())])
    for k, chunk in enumerate((rows[:3], rows[3:])):
        table = pa.Table.from_pylist(
            [{"id": r["id"], "text": r["text"], "n": i} for i, r in enumerate(chunk)], schema
        )
        (tmp_path / "pq").mkdir(exist_ok=True)
        pq.write_table(table, tmp_path / "pq" / f"shard-{k}.parquet")
    report = dedupe_docs.run([tmp_path / "pq"], tmp_path / "out", output_parts=2)
    assert [p["file"] for p in report["parts"]] == [
        "clean/part-00000.parquet",
        "clean/part-00001.parquet",
    ]
    data = ds.dataset(str(tmp_path / "out" / "clean"), format="parquet")
    assert data.schema.equals(schema)
    table = data.to_table()
    assert table.column("id").to_pylist() == [r["id"] for r in rows]
    assert table.column("n").to_pylist() == [0, 1, 2, 0, 1, 2]
    assert table.column("text").to_pylist()[-1] == ""  # the exact copy, cleaned away


def test_one_compressed_file_text_files_and_more_parts_than_documents(tmp_path: Path) -> None:
    zst = write_jsonl(tmp_path / "crawl.jsonl.zst", records())
    report = dedupe_docs.run([zst], tmp_path / "z", output_parts=2)
    assert [p["documents"] for p in report["parts"]] == [3, 3]
    assert sorted(p.name for p in (tmp_path / "z" / "clean").iterdir()) == [
        "part-00000.jsonl.zst",
        "part-00001.jsonl.zst",
    ]
    assert [r["id"] for r in read_jsonl(tmp_path / "z" / "clean" / "part-00001.jsonl.zst")] == [
        "doc-3",
        "doc-4",
        "copy-1",
    ]
    # text files become records of id and text; parts beyond the documents are empty files
    report = dedupe_docs.run([SEEDS], tmp_path / "t", output_parts=7)
    assert [p["documents"] for p in report["parts"]] == [1, 1, 1, 1, 1, 0, 0]
    first = read_jsonl(tmp_path / "t" / "clean" / "part-00000.jsonl")
    assert (
        list(first[0]) == ["id", "text"]
        and first[0]["id"] == sorted(p.name for p in SEEDS.glob("*.txt"))[0]
    )
    assert (tmp_path / "t" / "clean" / "part-00006.jsonl").read_bytes() == b""


def test_parts_need_one_format_and_a_count_of_one_or_more(tmp_path: Path) -> None:
    rows = records()
    write_jsonl(tmp_path / "mixed" / "a.jsonl", rows[:2])
    pq.write_table(pa.Table.from_pylist(rows[2:4]), tmp_path / "mixed" / "b.parquet")
    with pytest.raises(OutputError, match="Parquet and JSON lines"):
        dedupe_docs.run([tmp_path / "mixed"], tmp_path / "out", output_parts=2)
    assert not (tmp_path / "out").exists()
    code, _, err = invoke("clean", str(SEEDS), "--out", str(tmp_path / "o"), "--output-parts", "0")
    assert code == 2 and "--output-parts" in err
    with pytest.raises(dedupe_docs.ConfigError, match="output_parts"):
        dedupe_docs.run([SEEDS], tmp_path / "o", output_parts=0)


def test_datasets_loads_compressed_parts_as_one_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    zst = write_jsonl(tmp_path / "crawl.jsonl.zst", records())
    dedupe_docs.run([zst], tmp_path / "out", output_parts=3)
    files = str(tmp_path / "out" / "clean" / "part-*.jsonl.zst")
    data = datasets.load_dataset(
        "json", data_files=files, split="train", cache_dir=str(tmp_path / "cache")
    )
    assert data["id"] == [r["id"] for r in records()]
