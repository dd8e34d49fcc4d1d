"""The Ray engine gives the local engine's output byte for byte, also when a task is retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs import pipeline
from dedupe_docs.drivers import memory
from dedupe_docs.stages.read import read
from tests.helpers.clihelp import digest
from tests.helpers.corpus import SEEDS, planted
from tests.helpers.faults import crash_once

ray = pytest.importorskip("ray")


@pytest.fixture(scope="session")
def ray_session() -> object:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield ray
    ray.shutdown()


def dump(cleaned: list[dedupe_docs.CleanedDocument]) -> str:
    return json.dumps([[c.text, c.provenance()] for c in cleaned], ensure_ascii=False)


@pytest.mark.parametrize(("batch_chars", "bits"), [(None, 0), (3000, 2), (20000, 5)])
def test_ray_equals_local(
    ray_session: object,
    paragraphs: list[str],
    monkeypatch: pytest.MonkeyPatch,
    batch_chars: int | None,
    bits: int,
) -> None:
    corpus = planted(paragraphs, 60, seed=batch_chars or 1)
    seeds = read([SEEDS])
    local = dump(dedupe_docs.clean(corpus)) + dump(dedupe_docs.clean(seeds))
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", batch_chars)
    monkeypatch.setattr(memory, "RAY_INDEX_BITS", bits)
    remote = dump(dedupe_docs.clean(corpus, engine="ray", jobs=2))
    remote += dump(dedupe_docs.clean(seeds, engine="ray"))
    assert remote == local
    assert '"duplicate"' in local and '"boilerplate"' in local


def test_ray_equals_local_on_wide_text(ray_session: object, paragraphs: list[str]) -> None:
    """Documents stored two and four bytes a character (see drivers/texts.py) decide alike."""
    marks = ["é", "😀", "\u2014", ""]
    corpus = [
        (name, text.replace("e", marks[i % 4], 3))
        for i, (name, text) in enumerate(planted(paragraphs, 40, seed=3))
    ]
    remote = dump(dedupe_docs.clean(corpus, engine="ray", jobs=2))
    assert remote == dump(dedupe_docs.clean(corpus, jobs=2))
    assert '"duplicate"' in remote


def test_a_crashed_task_is_retried(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = planted(paragraphs, 30, seed=7)
    flag = tmp_path / "fail-once"
    crash_once(monkeypatch, flag, "_sign_stored")
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", 4000)
    retried = dump(dedupe_docs.clean(corpus, engine="ray"))
    assert not flag.exists()  # one worker did die
    assert retried == dump(dedupe_docs.clean(corpus))


@pytest.mark.parametrize("stage", ["_align_part", "_decide_stored", "_sign_stored"])
def test_a_crashed_task_of_a_document_range_is_retried(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
) -> None:
    corpus = planted(paragraphs, 40, seed=5)
    flag = tmp_path / "fail-once"
    crash_once(monkeypatch, flag, stage)
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", 4000)
    retried = dump(dedupe_docs.clean(corpus, engine="ray", jobs=2))
    assert not flag.exists()  # a worker running that stage did die
    assert retried == dump(dedupe_docs.clean(corpus, jobs=2))
    assert '"duplicate"' in retried


def test_ray_tasks_hand_over_files_in_the_work_dir(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = planted(paragraphs, 40, seed=11)
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", 5000)
    work = tmp_path / "work"
    remote = dump(dedupe_docs.clean(corpus, engine="ray", work_dir=str(work)))
    assert remote == dump(dedupe_docs.clean(corpus))
    assert len(list((work / "sign").glob("*.npz"))) > 3


def test_ray_writes_the_parts_of_the_local_engine(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Part boundaries are cut by document count in corpus order, whatever the engine."""
    corpus = planted(paragraphs, 40, seed=5)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for doc_id, text in corpus:
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", 5000)
    local = dedupe_docs.run([folder], tmp_path / "local", output_parts=3)
    config = dedupe_docs.Config(engine="ray", jobs=2)
    remote = dedupe_docs.run([folder], tmp_path / "ray", config, output_parts=3)
    assert remote["parts"] == local["parts"] and len(local["parts"]) == 3
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")


def test_ray_equals_local_against_a_persisted_index(
    ray_session: object, paragraphs: list[str], tmp_path: Path
) -> None:
    """A batch cleaned against earlier ones: the earlier documents it repeats are decided in
    the tasks too (their texts in the same store)."""
    docs = planted(paragraphs, 60, seed=13)
    outputs = {}
    for engine in ("local", "ray"):
        config = dedupe_docs.Config(engine=engine, jobs=2)
        for i, part in enumerate((docs[:30], docs[30:])):
            out = tmp_path / f"{engine}{i}"
            pipeline.run(part, out, config, index=tmp_path / f"{engine}.index")
        outputs[engine] = (out / "provenance.jsonl").read_bytes()  # the cleaned text follows
    assert outputs["ray"] == outputs["local"]
    assert b'"batch"' in outputs["ray"]


def _inputs(corpus: list[tuple[str, str]], tmp_path: Path, kind: str) -> list[object]:
    """The corpus as one JSON lines file, a folder of text files, or documents in memory
    (every third left with nothing but a copy, so that ``drop_empty`` drops some)."""
    corpus = [*corpus, *((f"again-{i}", text) for i, (_, text) in enumerate(corpus[::3]))]
    if kind == "memory":
        return list(corpus)
    folder = tmp_path / "corpus"
    folder.mkdir()
    if kind == "jsonl":
        lines = (json.dumps({"id": i, "text": t, "n": n}) for n, (i, t) in enumerate(corpus))
        (folder / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [folder / "in.jsonl"]
    for doc_id, text in corpus:
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    return [folder]


@pytest.mark.parametrize("kind", ["jsonl", "text", "memory"])
@pytest.mark.parametrize("options", [{}, {"drop_empty": True, "dolma_attributes": True}])
def test_ray_tasks_write_the_output_of_the_local_engine(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    options: dict[str, bool],
) -> None:
    """Emit tasks write pieces of the output, which the driver joins: the local engine's
    output folder, file for file, and the same report but for its timings."""
    inputs = _inputs(planted(paragraphs, 40, seed=17), tmp_path, kind)
    monkeypatch.setattr(memory, "EMIT_PIECE_CHARS", 3000)  # many pieces
    pieces: list[int] = []
    real = memory.emit_pieces
    monkeypatch.setattr(memory, "emit_pieces", lambda *a: (pieces.append(1), *real(*a))[1:])
    local = dedupe_docs.run(inputs, tmp_path / "local", **options)  # type: ignore[arg-type]
    config = dedupe_docs.Config(engine="ray", jobs=2)
    remote = dedupe_docs.run(inputs, tmp_path / "ray", config, **options)  # type: ignore[arg-type]
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")
    for key in ("documents", "chars_out", "removed_chars", "dropped_empty", "outputs"):
        assert remote[key] == local[key]
    assert pieces and remote["timings"]["emit"] > 0  # written by emit tasks
    assert not list((tmp_path / "ray").rglob(".pieces"))
    assert remote["removed_spans"]["duplicate"] > 0
    if options and kind != "memory":  # documents in memory have no output of their own
        assert remote["dropped_empty"] > 0


def test_a_crashed_emit_task_is_retried(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(planted(paragraphs, 30, seed=19), tmp_path, "jsonl")
    flag = tmp_path / "fail-once"
    crash_once(monkeypatch, flag, "_emit_part")
    monkeypatch.setattr(memory, "EMIT_PIECE_CHARS", 3000)
    config = dedupe_docs.Config(engine="ray", jobs=2)
    dedupe_docs.run(inputs, tmp_path / "ray", config)
    assert not flag.exists()  # a worker writing a piece did die
    dedupe_docs.run(inputs, tmp_path / "local")
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")
