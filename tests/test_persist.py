"""The persisted index in segments: lookups over every segment, compaction, crash safety, and
the layout written before segments."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import dedupe_docs
from dedupe_docs import pipeline
from dedupe_docs.cli import main
from dedupe_docs.config import Config
from dedupe_docs.drivers import persist, segments
from dedupe_docs.stages import emit, sign
from dedupe_docs.stages.index import partition
from tests.helpers.clihelp import cli_command, digest
from tests.helpers.corpus import planted
from tests.test_crash import make_corpus

NO_UNITS = np.zeros((0, 3), np.int64)
NO_KEYS = (np.zeros(0, np.uint64), np.zeros(0, np.int64))


def random_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.unique(rng.integers(1, 2**64 - 1, n, dtype=np.uint64, endpoint=True))


@pytest.mark.parametrize(("n_keys", "n_queries"), [(0, 5), (1, 1), (7, 300), (5000, 5000)])
def test_a_part_finds_what_searchsorted_finds(n_keys: int, n_queries: int) -> None:
    rng = np.random.default_rng(n_keys)
    keys = random_keys(rng, n_keys)
    some = rng.choice(keys, min(len(keys), n_queries // 3), replace=False) if len(keys) else []
    extremes = np.array([0, 1, 2**64 - 1], dtype=np.uint64)
    queries = np.unique(np.concatenate([random_keys(rng, n_queries), some, extremes]))
    at = np.minimum(np.searchsorted(keys, queries), max(len(keys) - 1, 0))
    expected = np.where((len(keys) > 0) & (keys[at] == queries), at, -1) if len(keys) else -1
    values = np.arange(len(keys), dtype=np.int64)
    for bits in (segments.build_filter(keys), None):
        assert (segments.Part(keys, values, bits).find(queries) == expected).all()


def add(store: persist.Store, hashes: list[int], owners: list[int], keys: tuple = NO_KEYS) -> None:
    store.add(
        None,
        dedupe_docs.Config(),
        [("a", "x", NO_UNITS)],
        (np.array(hashes, dtype=np.uint64), np.array(owners)),
        keys,
    )


def test_lookup_searches_every_segment_the_oldest_first(tmp_path: Path) -> None:
    store = persist.Store(tmp_path)
    try:
        add(store, [5, 2**63 + 7, 11], [0, 0, 0])
        add(store, [12, 11], [1, 1])  # 11 again: the first batch's occurrence stays first
        assert sorted(p.name for p in tmp_path.glob("seg-*")) == ["seg-000001", "seg-000002"]
        found = store.lookup(np.array([11, 13, 2**63 + 7, 12, 11], dtype=np.uint64))
        assert found.tolist() == [0, -1, 0, 1, 0]
    finally:
        store.close()


def test_key_counts_add_up_over_batches(tmp_path: Path) -> None:
    store = persist.Store(tmp_path)
    try:
        add(store, [1], [0], (np.array([30, 10], np.uint64), np.array([2, 1])))
        add(store, [2], [1], (np.array([20, 30], np.uint64), np.array([4, 5])))
        queries = np.array([10, 20, 30, 40], dtype=np.uint64)
        assert store.key_counts(queries).tolist() == [1, 4, 7, 0]
        store.compact()
        assert store.key_counts(queries).tolist() == [1, 4, 7, 0]
    finally:
        store.close()


def test_compaction_merges_in_parts_and_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "PART_KEYS", 1000)  # 12,000 keys: 16 parts
    rng = np.random.default_rng(1)
    everything = rng.permutation(random_keys(rng, 12_000))
    queries = np.unique(np.concatenate([everything[::7], random_keys(rng, 3000)]))
    store = persist.Store(tmp_path)
    try:
        for batch, part in enumerate(np.array_split(everything, 6)):
            add(store, part.tolist(), [batch] * len(part), (part[:50], np.ones(50, np.int64)))
        before = (store.lookup(queries), store.key_counts(queries))
        assert store.compact() == {"segments_before": 6, "segments_after": 1}
        assert (tmp_path / "seg-000001-000006" / "shingles-0f.keys.npy").is_file()
        assert sorted(p.name for p in tmp_path.glob("seg-*")) == ["seg-000001-000006"]
        assert (store.lookup(queries) == before[0]).all()
        assert (store.key_counts(queries) == before[1]).all()
        add(store, [int(everything[0]), 3], [9, 9])  # a batch after the compaction
        assert store.lookup(np.array([everything[0], 3], np.uint64)).tolist() == [0, 9]
    finally:
        store.close()


def run_batches(docs: list, bounds: list[int], folder: Path, compact_after: set[int]) -> None:
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        pipeline.run(docs[lo:hi], folder / f"out{i}", index=folder / "index", batch=f"b{i}")
        if i in compact_after:
            assert persist.compact(folder / "index")["segments_after"] == 1


def same_outputs(a: Path, b: Path, n: int) -> None:
    for i in range(n):
        assert digest(a / f"out{i}") == digest(b / f"out{i}")
        reports = [json.loads((f / f"out{i}" / "report.json").read_text()) for f in (a, b)]
        for r in reports:
            del r["timings"], r["run_id"], r["index"]["path"]
        assert reports[0] == reports[1]


def test_compaction_between_batches_changes_no_output(
    paragraphs: list[str], tmp_path: Path
) -> None:
    docs = planted(paragraphs, 80, seed=3)
    bounds = [0, 20, 35, 60, 80]
    run_batches(docs, bounds, tmp_path / "segmented", set())
    run_batches(docs, bounds, tmp_path / "compacted", {0, 1, 2})
    same_outputs(tmp_path / "segmented", tmp_path / "compacted", 4)
    numbers = [persist.info(tmp_path / f / "index") for f in ("segmented", "compacted")]
    assert [len(n["segments"]) for n in numbers] == [4, 2]
    assert numbers[0]["shingles"] == numbers[1]["shingles"]
    assert numbers[0]["batches"] == numbers[1]["batches"]


def test_an_update_killed_before_the_switch_leaves_the_previous_index(
    paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = planted(paragraphs, 60, seed=4)
    index = tmp_path / "index"
    pipeline.run(docs[:20], tmp_path / "a", index=index)
    before = persist.info(index)

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the run dies after the new files, before the switch

    with monkeypatch.context() as m:
        m.setattr(persist.Store, "_commit", killed)
        with pytest.raises(KeyboardInterrupt):
            pipeline.run(docs[20:40], tmp_path / "b", index=index)
    assert (index / "seg-000002").is_dir()  # written, not in the manifest
    assert persist.info(index)["segments"] == before["segments"]

    def failing_insert(self: persist.Store, *args: object, **kwargs: object) -> None:
        self.db.execute("begin immediate")
        self.db.execute("insert into batches values (9, 'x', 1, 1, 1)")
        self.db.execute("rollback")
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(persist.Store, "_commit", failing_insert)
        with pytest.raises(OSError, match="disk full"):
            pipeline.run(docs[20:40], tmp_path / "c", index=index)
    assert persist.info(index)["batches"] == before["batches"]
    pipeline.run(docs[20:], tmp_path / "d", index=index)  # the index still works
    joint = [c.provenance() for c in dedupe_docs.clean(docs)]
    records = [json.loads(x) for x in (tmp_path / "d" / "provenance.jsonl").read_text().split()]
    for r in records:
        for removed in r["removed"]:
            (removed["source"] or {}).pop("batch", None)
    assert records == joint[20:]
    assert sorted(p.name for p in index.glob("seg-*")) == ["seg-000001", "seg-000002"]


def test_a_compaction_killed_before_the_switch_leaves_the_previous_index(
    paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = planted(paragraphs, 60, seed=4)
    bounds = [0, 20, 40, 60]
    index = tmp_path / "one" / "index"
    run_batches(docs, bounds[:3], tmp_path / "one", set())
    before = persist.info(index)
    real = segments.merge

    def dies_after_the_shingles(folder: Path, name: str, *args: object) -> int:
        if name == "boilerplate":
            raise KeyboardInterrupt
        return real(folder, name, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(segments, "merge", dies_after_the_shingles)
        with pytest.raises(KeyboardInterrupt):
            persist.compact(index)
    assert (index / "seg-000001-000002.tmp" / "shingles-00.keys.npy").is_file()
    assert persist.info(index)["segments"] == before["segments"]
    pipeline.run(docs[40:], tmp_path / "one" / "out2", index=index, batch="b2")
    assert not (index / "seg-000001-000002.tmp").exists()  # the next writer removed it
    run_batches(docs, bounds, tmp_path / "two", set())
    same_outputs(tmp_path / "one", tmp_path / "two", 3)


def test_a_batch_cleaned_while_another_was_added_is_refused(tmp_path: Path) -> None:
    index = tmp_path / "index"
    pipeline.run([("a", "first batch text\n")], tmp_path / "a", index=index)
    late = persist.Store(index)  # opened before the next batch is added
    try:
        pipeline.run([("b", "second batch text\n")], tmp_path / "b", index=index)
        with pytest.raises(dedupe_docs.ConfigError, match="another run added a batch"):
            add(late, [1], [1])
    finally:
        late.close()
    assert [b["batch"] for b in persist.info(index)["batches"]] == ["1", "2"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_an_output_that_cannot_be_written_closes_the_index_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    index = tmp_path / "index"
    pipeline.run([("a", "first batch text\n")], tmp_path / "a", index=index)
    opened: list[persist.Store] = []
    closed: list[persist.Store] = []
    real_init, real_close = persist.Store.__init__, persist.Store.close

    def init(self: persist.Store, folder: Path) -> None:
        real_init(self, folder)
        opened.append(self)

    def close(self: persist.Store) -> None:
        closed.append(self)
        real_close(self)

    def fail(*_: object) -> None:
        raise failure

    monkeypatch.setattr(persist.Store, "__init__", init)
    monkeypatch.setattr(persist.Store, "close", close)
    monkeypatch.setattr(emit.Writer, "add", fail)
    with pytest.raises(type(failure) if isinstance(failure, KeyboardInterrupt) else OSError):
        pipeline.run([("b", "second batch text\n")], tmp_path / "b", index=index)
    assert len(opened) == 1 and closed == opened
    assert not (tmp_path / "b").exists()
    monkeypatch.undo()
    assert [b["batch"] for b in persist.info(index)["batches"]] == ["1"]
    pipeline.run([("b", "second batch text\n")], tmp_path / "b", index=index)
    assert [b["batch"] for b in persist.info(index)["batches"]] == ["1", "2"]


def test_an_index_of_a_newer_layout_is_refused(tmp_path: Path) -> None:
    pipeline.run([("a", "some text\n")], tmp_path / "a", index=tmp_path / "i")
    with sqlite3.connect(tmp_path / "i" / "index.sqlite") as db:
        db.execute("update meta set value = ? where key = 'format'", (str(persist.FORMAT + 1),))
    db.close()
    with pytest.raises(dedupe_docs.ConfigError, match=r"newer dedupe-docs.*upgrade"):
        pipeline.run([("b", "x\n")], tmp_path / "b", index=tmp_path / "i")


def narrow_units(db: sqlite3.Connection) -> None:
    """Store the units as layout 2 did: three columns, no sources of copies."""
    for num, blob in db.execute("select num, units from documents").fetchall():
        narrow = np.frombuffer(blob, np.int64).reshape(-1, persist.UNIT_COLUMNS)[:, :3]
        db.execute("update documents set units = ? where num = ?", (narrow.tobytes(), num))


def test_an_index_of_layout_2_gets_source_columns(paragraphs: list[str], tmp_path: Path) -> None:
    """Layout 2 stored three columns per unit: they are widened in place, the sources unknown
    (copies of its copies are restored, not cited through them), and the index goes on."""
    docs = planted(paragraphs, 40, seed=3)
    pipeline.run(docs[:20], tmp_path / "a", index=tmp_path / "i")
    with sqlite3.connect(tmp_path / "i" / "index.sqlite") as db:
        narrow_units(db)
        db.execute("update meta set value = '2' where key = 'format'")
    db.close()
    pipeline.run(docs[20:], tmp_path / "b", index=tmp_path / "i")
    store = persist.Store(tmp_path / "i")
    try:
        (units,) = [u for *_, u in store.documents([0])]
        assert units.shape[1] == persist.UNIT_COLUMNS and (units[:, 3:] == -1).all()
        meta = dict(store.db.execute("select key, value from meta"))
        assert meta["format"] == str(persist.FORMAT)
    finally:
        store.close()
    lines = (tmp_path / "b" / "provenance.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [i for i, _ in docs[20:]]


def test_an_index_of_layout_3_gets_the_similarity_of_its_copies(
    paragraphs: list[str], tmp_path: Path
) -> None:
    """Layout 3 stored six columns per unit, a source only for a word-for-word copy: each
    such unit gets the similarity 1.0, the others none, and the index goes on."""
    docs = planted(paragraphs, 40, seed=3)
    pipeline.run(docs[:20], tmp_path / "a", index=tmp_path / "i")
    with sqlite3.connect(tmp_path / "i" / "index.sqlite") as db:
        for num, blob in db.execute("select num, units from documents").fetchall():
            units = np.frombuffer(blob, np.int64).reshape(-1, persist.UNIT_COLUMNS).copy()
            near = units[:, 6].view(np.float64) != 1.0
            units[near, 3:6] = -1
            db.execute(
                "update documents set units = ? where num = ?", (units[:, :6].tobytes(), num)
            )
        db.execute("update meta set value = '3' where key = 'format'")
    db.close()
    pipeline.run(docs[20:], tmp_path / "b", index=tmp_path / "i")
    store = persist.Store(tmp_path / "i")
    try:
        stored = np.concatenate([u for *_, u in store.documents(list(range(20)))])
        assert stored.shape[1] == persist.UNIT_COLUMNS
        sourced = stored[:, 3] >= 0
        assert sourced.any() and (stored[sourced, 6].view(np.float64) == 1.0).all()
        assert (stored[~sourced, 6] == -1).all()
        meta = dict(store.db.execute("select key, value from meta"))
        assert meta["format"] == str(persist.FORMAT)
    finally:
        store.close()
    lines = (tmp_path / "b" / "provenance.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [i for i, _ in docs[20:]]


def write_previous_layout(index: Path) -> None:
    """Rewrite an index as the release before segments left it: one ``gen-N/`` folder of 16
    hash-range files per column and the boilerplate totals, the batches' shingle counts
    cumulative, ``meta.generation`` = N and no ``meta.format`` nor ``segments`` table."""
    persist.compact(index)
    store = persist.Store(index)
    try:
        (segment,) = store.segments
        n = store.n_batches
        shingles, boilerplate = segment.open(index)
        keys = np.concatenate([p.keys for p in shingles.parts])
        docs = np.concatenate([p.values for p in shingles.parts]).astype(np.int64)
        bp_keys, bp_counts = boilerplate.parts[0].keys, boilerplate.parts[0].values
        gen = index / f"gen-{n:06d}"
        gen.mkdir()
        for p, where in enumerate(partition(keys, 4)):
            np.save(gen / f"hash-{p:02x}.npy", keys[where])
            np.save(gen / f"doc-{p:02x}.npy", docs[where])
        np.save(gen / "bp-keys.npy", np.asarray(bp_keys))
        np.save(gen / "bp-counts.npy", np.asarray(bp_counts, dtype=np.int64))
        shutil.rmtree(index / segment.name)
    finally:
        store.close()
    with sqlite3.connect(index / "index.sqlite") as db:
        totals = np.cumsum([s for (s,) in db.execute("select shingles from batches order by num")])
        for num, total in enumerate(totals.tolist(), start=1):
            db.execute("update batches set shingles = ? where num = ?", (total, num))
        db.execute("drop table segments")
        narrow_units(db)
        db.execute("delete from meta where key = 'format'")
        db.execute("update meta set value = ? where key = 'generation'", (str(n),))
    db.close()


def test_an_index_written_before_segments_is_read_then_compacted(
    paragraphs: list[str], tmp_path: Path
) -> None:
    docs = planted(paragraphs, 80, seed=5)
    bounds = [0, 30, 50, 65, 80]
    # The old layout stored no sources of copies: the new index forgets them too, to compare.
    run_batches(docs, bounds[:3], tmp_path / "new", set())
    with sqlite3.connect(tmp_path / "new" / "index" / "index.sqlite") as db:
        narrow_units(db)
        db.execute("update meta set value = '2' where key = 'format'")
    db.close()
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds[2:]), start=2):
        new = tmp_path / "new"
        pipeline.run(docs[lo:hi], new / f"out{i}", index=new / "index", batch=f"b{i}")
    run_batches(docs, bounds[:3], tmp_path / "old", set())
    index = tmp_path / "old" / "index"
    numbers = persist.info(index)
    write_previous_layout(index)
    assert sorted(p.name for p in index.iterdir() if p.is_dir()) == ["gen-000002"]
    store = persist.Store(index)  # taken in as it is: gen-000002 is the first segment
    try:
        assert [s.name for s in store.segments] == ["gen-000002"]
        meta = dict(store.db.execute("select key, value from meta"))
        with pytest.raises(ValueError, match="needs a newer dedupe-docs"):
            int(meta["generation"])  # what releases before segments read first
    finally:
        store.close()
    assert persist.info(index)["batches"] == numbers["batches"]  # each batch's own count again
    pipeline.run(docs[50:65], tmp_path / "old" / "out2", index=index, batch="b2")
    assert [s["segment"] for s in persist.info(index)["segments"]] == ["gen-000002", "seg-000003"]
    persist.compact(index)
    assert sorted(p.name for p in index.iterdir() if p.is_dir()) == ["seg-000001-000003"]
    pipeline.run(docs[65:], tmp_path / "old" / "out3", index=index, batch="b3")
    for i in (2, 3):
        assert digest(tmp_path / "old" / f"out{i}") == digest(tmp_path / "new" / f"out{i}")


def test_cli_info_and_compact(paragraphs: list[str], tmp_path: Path) -> None:
    docs = planted(paragraphs, 30, seed=2)
    run_batches(docs, [0, 10, 20, 30], tmp_path, set())
    runner, index = CliRunner(), str(tmp_path / "index")
    shown = runner.invoke(main, ["index", "info", index])
    assert shown.exit_code == 0 and "3 batches in 3 segments, 30 documents" in shown.output
    done = runner.invoke(main, ["index", "compact", index])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("dedupe-docs: 3 segments → 1, ")
    shown = runner.invoke(main, ["index", "info", index, "--json"])
    (segment,) = json.loads(shown.output)["segments"]
    assert segment["segment"] == "seg-000001-000003" and segment["last_batch"] == "b2"
    again = runner.invoke(main, ["index", "compact", index])
    assert again.exit_code == 0 and "1 segment → 1" in again.output
    missing = runner.invoke(main, ["index", "compact", str(tmp_path)])
    assert missing.exit_code == 1 and "not an index (no index.sqlite)" in missing.output


def cli_run(*args: str) -> subprocess.Popen[bytes]:
    argv, env = cli_command(*args)
    return subprocess.Popen(argv, env=env, start_new_session=True, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes]) -> None:
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()


def writing(index: Path) -> bool:
    """Whether a writer has started a segment (its ``.tmp`` folder is there)."""
    return any(index.glob("seg-*.tmp"))


def write_window(args: list[str], index: Path) -> float:
    """Run ``dedupe-docs ARGS`` to the end; return the seconds from the start of its segment
    writing to its exit."""
    proc = cli_run(*args)
    while proc.poll() is None and not writing(index):
        time.sleep(0.001)
    started = time.perf_counter()
    finish(proc)
    return time.perf_counter() - started


def kill_while_writing(args: list[str], index: Path, delay: float) -> bool:
    """Start ``dedupe-docs ARGS`` and SIGKILL it ``delay`` seconds after it starts writing a
    segment (at once for a negative ``delay``); whether it was killed."""
    proc = cli_run(*args)
    if delay >= 0:
        while proc.poll() is None and not writing(index):
            time.sleep(0.001)
        time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    return proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_mid_update_and_mid_compaction_leaves_a_usable_index(tmp_path: Path) -> None:
    """Kill ``clean --index`` and ``index compact`` with SIGKILL at random moments while they
    write the index: each time the index holds the batches it had before or with the new one,
    finds every shingle of the first batch, and the next run succeeds; in the end every
    batch's output is byte-identical to that of runs never killed."""
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 6_000_000)
    files = sorted(corpus.rglob("*.txt"))
    folders = [tmp_path / f"batch{k}" for k in range(4)]
    for folder, part in zip(folders, np.array_split(np.arange(len(files)), 4), strict=True):
        for i in part.tolist():
            target = folder / files[i].relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(files[i], target)

    def clean(k: int, where: Path) -> list[str]:
        out, index = str(where / f"out{k}"), str(where / "index")
        return ["clean", str(folders[k]), "--out", out, "--index", index, "--batch", f"b{k}"]

    windows, reference = [], []
    for k in range(4):
        windows.append(write_window(clean(k, tmp_path / "ref"), tmp_path / "ref" / "index"))
        reference.append(digest(tmp_path / "ref" / f"out{k}"))
    compact = ["index", "compact", str(tmp_path / "ref" / "index")]
    merge_window = write_window(compact, tmp_path / "ref" / "index")

    index, rng = tmp_path / "index", random.Random(21)
    compact = ["index", "compact", str(index)]
    first = sign.sign([p.read_text() for p in sorted(folders[0].rglob("*.txt"))], Config())
    probe = np.unique(first.shingles[first.shingles != 0])
    kills = {"update": 0, "compaction": 0, "left a segment behind": 0}

    def check(batches: list[str], also: list[str]) -> bool:
        """The index holds ``batches`` or ``also`` and finds the first batch's shingles; whether
        it holds ``also``; counts a killed writer's segment left behind."""
        kills["left a segment behind"] += writing(index) or len(
            [p for p in index.glob("seg-*") if p.is_dir()]
        ) > len(persist.info(index)["segments"])
        names = [b["batch"] for b in persist.info(index)["batches"]]
        assert names in (batches, also)
        store = persist.Store(index)
        try:
            assert names == [] or (store.lookup(probe) >= 0).all()
        finally:
            store.close()
        return names == also

    for k in range(4):
        done, added = [f"b{j}" for j in range(k)], False
        for delay in [-1.0, *(rng.uniform(0, 0.8 * windows[k]) for _ in range(4))]:
            args = [*clean(k, tmp_path), "--overwrite"]
            kills["update"] += kill_while_writing(args, index, delay)
            if (index / "index.sqlite").exists() and check(done, [*done, f"b{k}"]):
                added = True
                break
        if not added:  # the next run succeeds
            finish(cli_run(*clean(k, tmp_path), "--overwrite"))
        assert digest(tmp_path / f"out{k}") == reference[k]
        if k in (1, 2):  # compactions killed at random moments, then one to the end
            for _ in range(4):
                delay = rng.uniform(0, 1.2 * merge_window)
                kills["compaction"] += kill_while_writing(compact, index, delay)
                assert check([*done, f"b{k}"], [*done, f"b{k}"])
                assert len(persist.info(index)["segments"]) in (1, k + 1 - (k == 2))
            finish(cli_run(*compact))
    finish(cli_run(*compact))
    (segment,) = persist.info(index)["segments"]
    kept = sorted(p.name for p in index.iterdir())
    assert kept == ["index.sqlite", segment["segment"], "write.lock"]
    print(
        f"\nindex kill test: update windows {[round(w, 2) for w in windows]} s, compaction "
        f"{merge_window:.2f} s; killed: {kills}"
    )
    assert kills["update"] >= 6 and kills["compaction"] >= 4 and kills["left a segment behind"]
