"""Hugging Face ``datasets``: clean_dataset returns a Dataset cleaned as :func:`dedupe_docs.clean`
cleans its rows, with every column kept; the batched map function cleans each batch, or the
whole dataset through an index, also from several processes at once."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.helpers.corpus import planted
from tests.helpers.invariants import check

datasets = pytest.importorskip(
    "datasets", reason="Hugging Face datasets is not installed: pip install 'dedupe-docs[hf]'"
)

from datasets.fingerprint import Hasher  # noqa: E402

import dedupe_docs  # noqa: E402
from dedupe_docs.integrations.hf import (  # noqa: E402
    clean_dataset,
    dedupe_batches,
    provenance_features,
)


@pytest.fixture
def docs(paragraphs: list[str]) -> list[tuple[str, str]]:
    return planted(paragraphs, 80, seed=3)


@pytest.fixture
def ds(docs: list[tuple[str, str]]) -> datasets.Dataset:
    """The corpus with the text in the middle of other columns, and no id column."""
    return datasets.Dataset.from_dict(
        {
            "url": [f"https://x.test/{i}" for i, _ in docs],
            "text": [t for _, t in docs],
            "n": list(range(len(docs))),
        }
    )


def numbered(docs: list[tuple[str, str]], first: int = 0) -> list[tuple[str, str]]:
    """``docs`` named by their row number, as the integration names rows without an id."""
    return [(str(first + n), t) for n, (_, t) in enumerate(docs)]


def without_batch(record: dict) -> dict:
    record = copy.deepcopy(record)
    for r in record["removed"]:
        if r["source"]:
            r["source"].pop("batch", None)
    return record


def test_clean_dataset_returns_a_dataset_with_every_column(
    ds: datasets.Dataset, docs: list[tuple[str, str]]
) -> None:
    out = clean_dataset(ds, provenance_column="dedupe")
    expected = dedupe_docs.clean(numbered(docs))
    check(dict(numbered(docs)), expected, 0.9)
    assert isinstance(out, datasets.Dataset)
    assert out.column_names == ["url", "text", "n", "dedupe"]
    assert out["text"][:] == [c.text for c in expected]
    assert out["url"][:] == ds["url"][:] and out["n"][:] == ds["n"][:]
    assert [without_batch(p) for p in out["dedupe"]] == [c.provenance() for c in expected]
    assert any(p["removed"] for p in out["dedupe"])
    assert clean_dataset(ds).column_names == ["url", "text", "n"]


def test_clean_dataset_of_a_shuffled_selection_names_rows_by_id(ds: datasets.Dataset) -> None:
    part = ds.add_column("key", [f"k{n}" for n in range(len(ds))]).shuffle(seed=1).select(range(50))
    out = clean_dataset(part, id_column="key", provenance_column="p", min_tokens=12)
    expected = dedupe_docs.clean(list(zip(part["key"], part["text"], strict=True)), min_tokens=12)
    assert out["text"][:] == [c.text for c in expected]
    assert out["key"][:] == part["key"][:]
    assert [p["id"] for p in out["p"]] == part["key"][:]


def test_batched_map_cleans_each_batch_and_keeps_every_column(
    ds: datasets.Dataset, docs: list[tuple[str, str]]
) -> None:
    fn = dedupe_batches(provenance_column="p")
    out = ds.map(
        fn,
        batched=True,
        batch_size=30,
        with_indices=True,
        features=provenance_features(ds.features, "p"),
    )
    assert out.column_names == ["url", "text", "n", "p"]
    expected = [
        c for lo in (0, 30, 60) for c in dedupe_docs.clean(numbered(docs[lo : lo + 30], lo))
    ]
    assert out["text"][:] == [c.text for c in expected]
    assert [without_batch(p) for p in out["p"]] == [c.provenance() for c in expected]
    assert out["url"][:] == ds["url"][:]
    assert out["text"][:] != [c.text for c in dedupe_docs.clean(numbered(docs))]  # batch scope


def test_batched_map_with_an_index_cleans_the_whole_dataset_in_row_order(
    ds: datasets.Dataset, docs: list[tuple[str, str]], tmp_path: Path
) -> None:
    fn = dedupe_batches(provenance_column="p", index=tmp_path / "index", batch="ds")
    features = provenance_features(ds.features, "p")
    out = ds.map(fn, batched=True, batch_size=40, with_indices=True, features=features)
    first = dedupe_docs.clean(numbered(docs[:40]))
    joint = dedupe_docs.clean(numbered(docs))
    assert [without_batch(p) for p in out["p"]] == [c.provenance() for c in first + joint[40:]]
    batches = {r["source"]["batch"] for p in out["p"][40:] for r in p["removed"] if r["source"]}
    assert "ds-000000000" in batches


def test_batched_map_on_two_processes_shares_an_index_safely(
    ds: datasets.Dataset, tmp_path: Path
) -> None:
    """Two processes clean their batches against one index at once: the lock makes them take
    turns, and every removed copy cites text that survives, in whichever batch it lies."""
    fn = dedupe_batches(provenance_column="p", index=tmp_path / "index", batch="ds")
    features = provenance_features(ds.features, "p")
    out = ds.map(fn, batched=True, batch_size=20, with_indices=True, features=features, num_proc=2)
    records = list(out["p"])
    assert [p["id"] for p in records] == [str(n) for n in range(len(ds))]
    cited = 0
    for p in records:
        for r in p["removed"]:
            if r["source"] is None:
                continue
            src = records[int(r["source"]["id"])]
            assert any(
                k[0] <= r["source"]["start"] and r["source"]["end"] <= k[1] for k in src["kept"]
            )
            cited += r["source"]["batch"] is not None
    assert cited  # some copies were cleaned against another batch in the index


def test_bad_columns_and_calls_are_named(ds: datasets.Dataset) -> None:
    with pytest.raises(dedupe_docs.ConfigError, match="`text_column`: no column 'body'"):
        clean_dataset(ds, text_column="body")
    with pytest.raises(dedupe_docs.ConfigError, match="already has a column 'url'"):
        clean_dataset(ds, provenance_column="url")
    with pytest.raises(dedupe_docs.ConfigError, match="with_indices=True"):
        ds.map(dedupe_batches(), batched=True)
    with pytest.raises(dedupe_docs.ConfigError, match="`index` and `batch` go together"):
        dedupe_batches(index="somewhere")
    with pytest.raises(dedupe_docs.ConfigError, match="min_tokens"):
        dedupe_batches(min_tokens=-1)


def test_clean_dataset_of_a_text_column_alone(docs: list[tuple[str, str]]) -> None:
    """A dataset whose only column is the text comes back with that column cleaned."""
    only = datasets.Dataset.from_dict({"text": [t for _, t in docs]})
    out = clean_dataset(only, provenance_column="p")
    assert out.column_names == ["text", "p"]
    assert out["text"][:] == [c.text for c in dedupe_docs.clean(numbered(docs))]


def test_a_second_identical_map_with_an_index_reads_the_cache(
    docs: list[tuple[str, str]], tmp_path: Path
) -> None:
    """The map function is fingerprinted by its settings: ``map`` called again with an equal
    function over the same dataset reads its cache instead of adding the batches to the index
    a second time; other settings make another function, which the index refuses (its batches
    are in it already)."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps({"url": i, "text": t}) + "\n" for i, t in docs), encoding="utf-8"
    )
    ds = datasets.load_dataset(
        "json", data_files=str(corpus), split="train", cache_dir=str(tmp_path / "cache")
    )
    index = tmp_path / "index"

    def dedupe(column: str = "p") -> datasets.Dataset:
        fn = dedupe_batches(provenance_column=column, index=index, batch="ds")
        features = provenance_features(ds.features, column)
        return ds.map(fn, batched=True, batch_size=40, with_indices=True, features=features)

    assert Hasher.hash(dedupe_batches(index=index, batch="ds")) == Hasher.hash(
        dedupe_batches(index=str(index), batch="ds")
    )
    first = dedupe()
    again = dedupe()
    assert again.cache_files == first.cache_files
    assert again["p"][:] == first["p"][:] and again["text"][:] == first["text"][:]
    with pytest.raises(dedupe_docs.ConfigError, match="'ds-000000000' is already in the index"):
        dedupe("q")
