"""The same texts as .txt files, JSONL (plain, .gz, .zst) and Parquet give the same result;
record fields other than the text survive; Dolma attributes; records in, records out."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedupe_docs
from dedupe_docs import clean_records
from dedupe_docs.cli import main
from tests.helpers.corpus import SEEDS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
zstandard = pytest.importorskip("zstandard")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def seed_records() -> list[dict]:
    return [
        {
            "id": p.name,
            "text": p.read_text(encoding="utf-8"),
            "url": f"https://example.org/{p.stem}",
            "n": i,
            "tags": ["blog", p.stem[:3]],
            "meta": {"lang": "en", "score": i / 10},
            "note": None,
        }
        for i, p in enumerate(sorted(SEEDS.glob("*.txt")))
    ]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


def read_jsonl(path: Path) -> list[dict]:
    data = path.read_bytes()
    if path.suffix == ".zst":
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    elif path.suffix == ".gz":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("formats")
    records = seed_records()
    table = pa.Table.from_pylist(records)
    table = table.replace_schema_metadata({"origin": "test"})
    pq.write_table(table, tmp / "in.parquet")
    inputs = {
        "txt": SEEDS,
        "jsonl": write_jsonl(tmp / "in.jsonl", records),
        "gz": write_jsonl(tmp / "in.jsonl.gz", records),
        "zst": write_jsonl(tmp / "in.jsonl.zst", records),
        "parquet": tmp / "in.parquet",
    }
    outs = {}
    for name, src in inputs.items():
        outs[name] = tmp / f"out-{name}"
        code, _, err = invoke("clean", str(src), "--out", str(outs[name]), "--dolma-attributes")
        assert code == 0, err
    outs["_in_parquet"] = tmp / "in.parquet"
    return outs


def test_every_format_gives_the_same_texts_and_provenance(runs: dict[str, Path]) -> None:
    provenance = (runs["txt"] / "provenance.jsonl").read_bytes()
    texts = {p.name: p.read_text(encoding="utf-8") for p in (runs["txt"] / "clean").iterdir()}
    assert len(texts) == 5
    outputs = {
        "jsonl": "clean.jsonl",
        "gz": "clean.jsonl.gz",
        "zst": "clean.jsonl.zst",
        "parquet": "clean.parquet",
    }
    for name, filename in outputs.items():
        out = runs[name]
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [filename, "provenance.jsonl", "report.json", "attributes.jsonl"]
        ), name
        assert (out / "provenance.jsonl").read_bytes() == provenance, name
        assert (out / "attributes.jsonl").read_bytes() == (
            runs["txt"] / "attributes.jsonl"
        ).read_bytes()
        if name == "parquet":
            records = pq.read_table(out / filename).to_pylist()
        else:
            records = read_jsonl(out / filename)
        assert {r["id"]: r["text"] for r in records} == texts, name
        original = seed_records()
        assert [r["id"] for r in records] == [r["id"] for r in original]
        for got, was in zip(records, original, strict=True):
            assert {k: v for k, v in got.items() if k != "text"} == {
                k: v for k, v in was.items() if k != "text"
            }, name


def test_parquet_output_keeps_the_input_schema(runs: dict[str, Path]) -> None:
    before = pq.read_schema(runs["_in_parquet"])
    after = pq.read_schema(runs["parquet"] / "clean.parquet")
    assert after.equals(before, check_metadata=True)
    assert after.metadata[b"origin"] == b"test"


def test_dolma_attributes(runs: dict[str, Path]) -> None:
    lines = [json.loads(x) for x in (runs["txt"] / "attributes.jsonl").read_text().splitlines()]
    provenance = [
        json.loads(x) for x in (runs["txt"] / "provenance.jsonl").read_text().splitlines()
    ]
    assert [x["id"] for x in lines] == [p["id"] for p in provenance]
    for attrs_line, prov in zip(lines, provenance, strict=True):
        spans = attrs_line["attributes"]
        assert set(spans) == {
            "dedupe_docs__duplicate",
            "dedupe_docs__repeat",
            "dedupe_docs__boilerplate",
        }
        expect = sorted(
            (r["start"], r["end"], r["reason"], r["similarity"] or 1.0) for r in prov["removed"]
        )
        got = sorted(
            (s, e, reason.removeprefix("dedupe_docs__"), score)
            for reason, triples in spans.items()
            for s, e, score in triples
        )
        assert got == expect


def test_jsonl_and_parquet_inputs_are_written_back_file_by_file(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """Two record files, of two formats: each gets its own output in its own format."""
    records = [{**r, "id": f"again-{r['id']}"} for r in seed_records()]
    jsonl = write_jsonl(tmp_path / "x.jsonl", records)
    code, _, err = invoke(
        "clean", str(runs["_in_parquet"]), str(jsonl), "--out", str(tmp_path / "o")
    )
    assert code == 0, err
    out = tmp_path / "o"
    assert sorted(p.name for p in (out / "clean").iterdir()) == ["in.parquet", "x.jsonl"]
    first = pq.read_table(out / "clean" / "in.parquet").to_pylist()
    assert [r["text"] for r in first] == [
        r["text"] for r in pq.read_table(runs["parquet"] / "clean.parquet").to_pylist()
    ]
    assert [r["id"] for r in read_jsonl(out / "clean" / "x.jsonl")] == [r["id"] for r in records]
    assert json.loads((out / "report.json").read_text())["documents"] == 10


def test_parquet_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "x"}]), path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match=r"pip install 'dedupe-docs\[parquet\]'"):
        dedupe_docs.read([path])


def test_clean_records_returns_records() -> None:
    records = seed_records()
    got = clean_records(records)
    by_id = {c.id: c.text for c in dedupe_docs.clean([SEEDS])}
    assert [r["text"] for r in got] == [by_id[r["id"]] for r in records]
    assert [{k: v for k, v in r.items() if k != "text"} for r in got] == [
        {k: v for k, v in r.items() if k != "text"} for r in records
    ]
    assert records[0]["text"] == (SEEDS / records[0]["id"]).read_text()  # input untouched
    numbered = clean_records(
        [{"body": r["text"]} for r in records], text_field="body", id_field=None
    )
    assert [r["body"] for r in numbered] == [r["text"] for r in got]
    assert all(set(r) == {"body"} for r in numbered)


def test_hugging_face_dataset() -> None:
    datasets = pytest.importorskip("datasets", reason="the 'hf' extra (datasets) is not installed")
    records = seed_records()
    ds = datasets.Dataset.from_list(
        [{"id": r["id"], "text": r["text"], "n": r["n"]} for r in records]
    )
    got = clean_records(ds)
    cleaned = dedupe_docs.clean(ds)
    assert [r["text"] for r in got] == [c.text for c in cleaned]
    assert [c.text for c in cleaned] == [c.text for c in dedupe_docs.clean([SEEDS])]
    assert [r["n"] for r in got] == [r["n"] for r in records]
    back = datasets.Dataset.from_list(got)
    assert back.column_names == ["id", "text", "n"]
