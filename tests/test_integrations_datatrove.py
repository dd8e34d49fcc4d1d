"""PassageDedup run by datatrove's own LocalPipelineExecutor, reading and writing JSONL: the
documents come out cleaned as :func:`dedupe_docs.clean` cleans them, with the provenance record
in their metadata, within each task's shard, or over the whole corpus through a shared index."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest

from tests.helpers.corpus import planted
from tests.helpers.invariants import check

pytest.importorskip(
    "datatrove", reason="datatrove is not installed: pip install 'dedupe-docs[datatrove]'"
)

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

import dedupe_docs
from dedupe_docs.integrations.datatrove import PassageDedup


def write_shards(folder: Path, shards: list[list[tuple[str, str]]]) -> None:
    """One JSONL file per shard, each record with an extra field the pipeline must carry."""
    folder.mkdir()
    for n, shard in enumerate(shards):
        lines = [json.dumps({"id": i, "text": t, "url": f"https://x.test/{i}"}) for i, t in shard]
        (folder / f"shard{n}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_output(folder: Path) -> dict[str, list[dict]]:
    """The records the writer wrote, per output file (``${rank}.jsonl.gz``). datatrove's
    writer leaves out empty fields: a document cleaning emptied has no ``text``."""
    return {
        p.name: [{"text": "", **json.loads(line)} for line in gzip.open(p, "rt", encoding="utf-8")]
        for p in sorted(folder.glob("*.jsonl.gz"))
    }


def run_pipeline(tmp: Path, name: str, step: PassageDedup, tasks: int, workers: int) -> Path:
    out = tmp / f"{name}-out"
    LocalPipelineExecutor(
        [JsonlReader(str(tmp / "in")), step, JsonlWriter(str(out))],
        tasks=tasks,
        workers=workers,
        logging_dir=str(tmp / f"{name}-logs"),
    ).run()
    return out


def as_provenance(record: dict) -> dict:
    """The provenance record in a written Document's metadata, without index batch names."""
    prov = copy.deepcopy(record["metadata"]["dedupe_docs"])
    for r in prov["removed"]:
        if r["source"]:
            r["source"].pop("batch", None)
    return prov


@pytest.fixture
def corpus(paragraphs: list[str], tmp_path: Path) -> list[tuple[str, str]]:
    docs = planted(paragraphs, 80, seed=3)
    write_shards(tmp_path / "in", [docs[:40], docs[40:]])
    return docs


def test_one_task_cleans_the_whole_corpus_and_keeps_every_field(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    out = run_pipeline(tmp_path, "one", PassageDedup(), tasks=1, workers=1)
    (records,) = read_output(out).values()
    expected = dedupe_docs.clean(corpus)
    assert [r["id"] for r in records] == [i for i, _ in corpus]
    assert [r["text"] for r in records] == [c.text for c in expected]
    assert [r["metadata"]["dedupe_docs"] for r in records] == [c.provenance() for c in expected]
    assert [r["metadata"]["url"] for r in records] == [f"https://x.test/{i}" for i, _ in corpus]
    check(dict(corpus), expected, 0.9)
    sources = {r.source.id for c in expected[40:] for r in c.removed if r.source}
    assert sources & {i for i, _ in corpus[:40]}


def test_tasks_without_an_index_clean_each_shard_on_its_own(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    out = run_pipeline(tmp_path, "two", PassageDedup(), tasks=2, workers=2)
    got = read_output(out)
    assert sorted(got) == ["00000.jsonl.gz", "00001.jsonl.gz"]
    for name, shard in zip(sorted(got), (corpus[:40], corpus[40:]), strict=True):
        expected = dedupe_docs.clean(shard)
        assert [r["text"] for r in got[name]] == [c.text for c in expected]
        assert [as_provenance(r) for r in got[name]] == [c.provenance() for c in expected]
        check(dict(shard), expected, 0.9)


def test_tasks_sharing_an_index_clean_the_whole_corpus_in_rank_order(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    """Two tasks start at once (two workers); task 1 waits for task 0 at the index, so each
    shard is cleaned as one run of it and the shards before it. Task 2 has no file to read."""
    step = PassageDedup(index=tmp_path / "index", batch="crawl")
    out = run_pipeline(tmp_path, "shared", step, tasks=3, workers=2)
    got = read_output(out)
    first, second = got["00000.jsonl.gz"], got["00001.jsonl.gz"]
    joint = dedupe_docs.clean(corpus)
    assert [as_provenance(r) for r in first] == [
        c.provenance() for c in dedupe_docs.clean(corpus[:40])
    ]
    assert [as_provenance(r) for r in second] == [c.provenance() for c in joint[40:]]
    assert [r["text"] for r in second] == [c.text for c in joint[40:]]
    batches = {
        r["source"].get("batch")
        for rec in second
        for r in rec["metadata"]["dedupe_docs"]["removed"]
        if r["source"]
    }
    assert "crawl-00000" in batches  # task 1 removed copies of text that task 0 kept
    marks = tmp_path / "index" / "datatrove" / dedupe_docs.safe_name("crawl")
    assert sorted(p.name for p in marks.iterdir()) == [
        "00000",
        "00001",
        "00002",
    ]


def test_a_task_whose_batch_is_in_the_index_refuses_to_run_again(tmp_path: Path) -> None:
    step = PassageDedup(index=tmp_path / "index", batch="crawl")
    docs = [Document(text="Some text of a page.\n", id="a")]
    assert len(list(step.run(iter(docs), rank=0, world_size=1))) == 1
    with pytest.raises(dedupe_docs.ConfigError, match="task 0 already added its documents"):
        list(step.run(iter([Document(text="x\n", id="b")]), rank=0, world_size=1))


def test_the_tasks_after_a_failed_task_stop_waiting(tmp_path: Path) -> None:
    step = PassageDedup(index=tmp_path / "index", batch="crawl")
    twice = [Document(text="a\n", id="same"), Document(text="b\n", id="same")]
    with pytest.raises(dedupe_docs.InputError, match="same"):
        list(step.run(iter(twice), rank=0, world_size=2))
    with pytest.raises(dedupe_docs.ConfigError, match="task 0 failed before adding"):
        list(step.run(iter([Document(text="c\n", id="c")]), rank=1, world_size=2))
    # Run again, task 0 takes its turn and task 1 follows it.
    assert len(list(step.run(iter(twice[:1]), rank=0, world_size=2))) == 1
    assert len(list(step.run(iter([Document(text="c\n", id="c")]), rank=1, world_size=2))) == 1


def test_drop_empty_and_options(tmp_path: Path) -> None:
    line = "The same sentence stands in both of these documents, word for word.\n"
    docs = [Document(text=line, id="a"), Document(text=line, id="b", metadata={"k": 1})]
    kept = list(PassageDedup(min_tokens=5).run(iter(docs), rank=0))
    assert [(d.id, d.text) for d in kept] == [("a", line), ("b", "")]
    assert kept[1].metadata["k"] == 1
    assert kept[1].metadata["dedupe_docs"]["removed"][0]["source"]["id"] == "a"
    again = [Document(text=line, id="a"), Document(text=line, id="b")]
    step = PassageDedup(min_tokens=5, drop_empty=True, metadata_key="dd")
    assert [(d.id, list(d.metadata)) for d in step.run(iter(again))] == [("a", ["dd"])]
    with pytest.raises(dedupe_docs.ConfigError, match="min_tokens"):
        PassageDedup(min_tokens=-1)
    with pytest.raises(dedupe_docs.ConfigError, match="`index` and `batch` go together"):
        PassageDedup(index=tmp_path / "i")
