"""The Ray engine gives the local engine's output byte for byte, also when a task is retried."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import dedupe_docs
from dedupe_docs import pipeline
from dedupe_docs.drivers import memory, reads
from dedupe_docs.errors import InputError, OutputError
from dedupe_docs.stages import read as read_module
from dedupe_docs.stages import settle
from dedupe_docs.stages.decide import Units
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


def test_ray_equals_local_on_pasted_sentences(ray_session: object) -> None:
    """Sentences pasted after unmarked text, in Russian, Chinese and Japanese: the Ray
    engine removes what the local one does."""
    from tests.test_short_copies import CASES, corpus, fuzz

    named = []
    for lang, (make_line, sentence, sep, spaced) in sorted(CASES.items()):
        docs = corpus(make_line)
        docs[1].insert(3, sentence)
        docs[4][5] = docs[4][5] + sep + fuzz(sentence, spaced)
        named += [(f"{lang}{i}", "\n".join(lines) + "\n") for i, lines in enumerate(docs)]
    local = dedupe_docs.clean(named)
    assert sum(len(c.removed) for c in local) == 3
    assert dump(dedupe_docs.clean(named, engine="ray", jobs=2)) == dump(local)


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
    """The corpus as one JSON lines file (``jsonl``, ``gz``), a folder of three shards of JSON
    lines, one compressed (``shards``), a folder of text files (``text``), or documents in
    memory (``memory``); every third document again at the end with nothing but a copy, so
    that ``drop_empty`` drops some."""
    corpus = [*corpus, *((f"again-{i}", text) for i, (_, text) in enumerate(corpus[::3]))]
    if kind == "memory":
        return list(corpus)
    folder = tmp_path / "corpus"
    folder.mkdir()
    if kind == "text":
        for doc_id, text in corpus:
            (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        return [folder]
    lines = [json.dumps({"id": i, "text": t, "n": n}) + "\n" for n, (i, t) in enumerate(corpus)]
    if kind == "shards":
        third = len(lines) // 3
        (folder / "a.jsonl").write_text("".join(lines[:third]), encoding="utf-8")
        (folder / "b").mkdir()
        (folder / "b" / "c.jsonl").write_text("".join(lines[third : 2 * third]), "utf-8")
        with gzip.open(folder / "d.jsonl.gz", "wt", encoding="utf-8") as f:
            f.write("".join(lines[2 * third :]))
        return [folder]
    name = "in.jsonl.gz" if kind == "gz" else "in.jsonl"
    with (gzip.open if kind == "gz" else open)(folder / name, "wt", encoding="utf-8") as f:
        f.write("".join(lines))
    return [folder / name]


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("jsonl", {}),
        ("jsonl", {"drop_empty": True, "dolma_attributes": True}),
        ("gz", {"dolma_attributes": True}),
        ("jsonl", {"output_parts": 5, "dolma_attributes": True}),
        ("shards", {}),
        ("shards", {"drop_empty": True, "dolma_attributes": True}),
        ("text", {}),
        ("text", {"drop_empty": True, "dolma_attributes": True}),
        ("memory", {"dolma_attributes": True}),
    ],
)
def test_ray_tasks_write_the_output_of_the_local_engine(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    options: dict[str, object],
) -> None:
    """Emit tasks write pieces of the output, which the driver joins: the local engine's
    output folder, file for file, and the same report but for its timings."""
    inputs = _inputs(planted(paragraphs, 40, seed=17), tmp_path, kind)
    monkeypatch.setattr(memory, "EMIT_PIECE_CHARS", 3000)  # many pieces
    monkeypatch.setattr(reads, "PART_BYTES", 5000)  # many read tasks, ranges of a file
    pieces: list[object] = []
    real = memory.emit_pieces

    def spy(*args: Any) -> Iterator[object]:
        for piece in real(*args):
            pieces.append(piece)
            yield piece

    monkeypatch.setattr(memory, "emit_pieces", spy)
    local = dedupe_docs.run(inputs, tmp_path / "local", **options)  # type: ignore[arg-type]
    if kind != "memory":
        _driver_reads_no_file(monkeypatch)
    config = dedupe_docs.Config(engine="ray", jobs=2)
    remote = dedupe_docs.run(inputs, tmp_path / "ray", config, **options)  # type: ignore[arg-type]
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")
    keys = ("documents", "chars_out", "removed_chars", "dropped_empty", "outputs", "parts")
    for key in (*keys, "inputs"):  # the inputs' content hashes too
        assert remote.get(key) == local.get(key)
    # written by emit tasks (one, when the records go to one compressed file)
    assert len(pieces) > (kind != "gz") and remote["timings"]["emit"] > 0
    assert not list((tmp_path / "ray").rglob(".pieces"))
    assert remote["removed_spans"]["duplicate"] > 0
    if options.get("drop_empty"):
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


def test_a_failed_emit_task_leaves_no_output(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output task that fails (a full disk) fails the run as the driver's writing would:
    nothing at ``out``, no temporary folder beside it."""
    inputs = _inputs(planted(paragraphs, 20, seed=23), tmp_path, "jsonl")

    def full(shared: object, item: object) -> object:  # a closure: sent to the workers by value
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(memory, "_emit_part", full)
    config = dedupe_docs.Config(engine="ray", jobs=2)
    with pytest.raises(OutputError, match="No space left on device"):
        dedupe_docs.run(inputs, tmp_path / "out", config)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def _driver_reads_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, the driver process fails if it reads an input file (the Ray workers,
    other processes, import the reader as it is)."""

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("the driver read an input file")

    for name in ("records", "parquet", "text_file", "contents"):
        monkeypatch.setattr(read_module._Reader, name, refused)
    monkeypatch.setattr(read_module, "decode_file", refused)


def _bad_inputs(paragraphs: list[str], tmp_path: Path) -> list[object]:
    """A JSON lines file of many read ranges with a malformed line, a line that is not UTF-8,
    a record without text and an id met again in another range, all past the first range; and
    a folder of text files, one not UTF-8."""
    corpus = planted(paragraphs, 40, seed=29)
    lines = [json.dumps({"id": i, "text": t}).encode() + b"\n" for i, t in corpus]
    lines[9] = b'{"id": "x", "text": \n'
    lines[15] = (
        json.dumps({"id": "y", "text": "caf\u00e9 " + corpus[15][1]})
        .encode()
        .replace(b"\\u00e9", b"\xe9")
        + b"\n"
    )
    lines[22] = json.dumps({"id": "z"}).encode() + b"\n"
    lines[30] = json.dumps({"id": corpus[3][0], "text": corpus[30][1]}).encode() + b"\n"
    (tmp_path / "in.jsonl").write_bytes(b"".join(lines))
    folder = tmp_path / "texts"
    folder.mkdir()
    for i, (_, text) in enumerate(corpus[:12]):
        (folder / f"t{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "t05.txt").write_bytes(b"caf\xe9 " + corpus[5][1].encode())
    return [tmp_path / "in.jsonl", folder]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"on_error": "skip"},
        {"on_error": "skip", "encoding_errors": "replace"},
        {"on_error": "skip", "encoding_errors": "skip-file"},
        {"encoding_errors": "skip-file"},
    ],
)
def test_ray_tasks_read_bad_inputs_as_the_local_engine(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, object],
) -> None:
    """The read tasks meet the errors the local reader meets, reported alike (file, line,
    byte), the first raised or every one skipped as ``on_error`` says; a duplicate id in a
    later range is refused by the driver, which sees every range."""
    inputs = _bad_inputs(paragraphs, tmp_path)
    monkeypatch.setattr(reads, "PART_BYTES", 3000)
    results = {}
    for engine in ("local", "ray"):
        if engine == "ray":
            _driver_reads_no_file(monkeypatch)
        config = dedupe_docs.Config(engine=engine, jobs=2)
        try:
            report = dedupe_docs.run(inputs, tmp_path / engine, config, **options)  # type: ignore[arg-type]
        except InputError as exc:
            results[engine] = str(exc)
        else:
            results[engine] = (digest(tmp_path / engine), report["errors"], report["inputs"])
    assert results["ray"] == results["local"]
    if options.get("on_error") == "skip":
        assert len(results["ray"][1]) >= 2
    else:
        assert isinstance(results["ray"], str) and "in.jsonl:" in results["ray"]


def _errors_or_refusal(
    inputs: list[object], out: Path, engine: str, options: dict[str, object]
) -> object:
    """The errors a run with ``engine`` skipped, or the message of the one it refused with."""
    config = dedupe_docs.Config(engine=engine, jobs=2)
    try:
        return dedupe_docs.run(inputs, out, config, **options)["errors"]  # type: ignore[arg-type]
    except InputError as exc:
        return str(exc)


@pytest.mark.parametrize("options", [{}, {"on_error": "skip"}])
def test_ray_tasks_tell_duplicate_ids_from_colliding_hashes(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, object],
) -> None:
    """The driver finds duplicate ids by their hashes: with hashes that collide all the time
    (a few values), it still refuses only the ids met before, naming where, as the local
    reader does."""
    inputs = _bad_inputs(paragraphs, tmp_path)
    monkeypatch.setattr(reads, "PART_BYTES", 3000)
    expected = _errors_or_refusal(inputs, tmp_path / "local", "local", options)
    real = reads._read_part

    def colliding(shared: Any, pieces: Any) -> tuple[Any, ...]:  # sent by value to the workers
        part, *rest = real(shared, pieces)
        part = attrs.evolve(part, id_hash=part.id_hash % 3)
        return (part, *rest)

    monkeypatch.setattr(reads, "_read_part", colliding)
    found = _errors_or_refusal(inputs, tmp_path / "ray", "ray", options)
    assert found == expected
    if isinstance(found, list):
        assert digest(tmp_path / "ray") == digest(tmp_path / "local")
    else:
        assert "duplicate document id" in found or "in.jsonl:" in found


@pytest.mark.parametrize(
    "stage",
    [
        "_read_part",
        "_join_column",
        "_edges",
        "_first_in_parts_sorted",
        "_group_templates",
        "_align_kept",
        "_decide_kept",
        "_copies_of",
        "_settle_pass",
        "_merge_part",
    ],
)
def test_a_crashed_task_of_a_corpus_read_by_tasks_is_retried(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
) -> None:
    """Every stage of a run whose inputs the tasks read: the driver holds only handles on what
    the tasks made, so a lost worker's task is run again."""
    inputs = _inputs(planted(paragraphs, 30, seed=31), tmp_path, "jsonl")
    flag = tmp_path / "fail-once"
    crash_once(monkeypatch, flag, stage)
    monkeypatch.setattr(reads, "PART_BYTES", 4000)
    config = dedupe_docs.Config(engine="ray", jobs=2)
    dedupe_docs.run(inputs, tmp_path / "ray", config)
    assert not flag.exists()  # a worker running that stage did die
    dedupe_docs.run(inputs, tmp_path / "local")
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")


_A = "baq beq biq boq buq caq ceq ciq coq cuq daq deq diq doq duq"
_Q = "bax bex bix box bux cax cex cix cox cux dax dex dix dox dux"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"boilerplate_max_tokens": 0},
        {"keep": "longest"},
        {"min_tokens": 8, "shingle_size": 3},
        {"min_tokens": 8, "shingle_size": 3, "boilerplate_max_tokens": 0, "keep": "longest"},
    ],
)
def test_ray_tasks_settle_and_find_templates_as_the_local_engine(
    ray_session: object,
    paragraphs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, object],
) -> None:
    """A corpus the tasks read, by many read, decision and settling tasks: a site's pages (a
    template anchored by lines that stand many times in a page and in most pages), copies of
    copies cited through copies, a copy trimmed to what survives of its source, with page
    templates on and off and either policy: the local engine's output."""
    corpus = planted(paragraphs, 20, seed=5)
    corpus += [
        (
            f"page-{i}",
            f"Home | News\nSite menu\n{paragraphs[i % len(paragraphs)]}\n"
            "Reply\nReply\nReply\nAbout\nFooter\n",
        )
        for i in range(40)
    ]
    corpus += [
        ("c0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
        ("c1", "baq beq biq boq buq caq ceq ciq bax bex bix box bux cax cex cix cox cux.\n"),
        ("c2", "beq biq boq buq caq ceq ciq bax bex baz bez biz boz buz caz cez ciz coz cuz.\n"),
        ("c3", f"{_A}.\n"),
        ("c4", f"{_A.replace('boq', 'bog')} {_Q}.\n"),
        ("c5", f"{_A.replace('boq', 'bog')} {_Q}.\n"),
    ]
    inputs = _inputs(corpus, tmp_path, "jsonl")
    monkeypatch.setattr(reads, "PART_BYTES", 4000)
    dedupe_docs.run(inputs, tmp_path / "local", dedupe_docs.Config(**options))  # type: ignore[arg-type]
    _driver_reads_no_file(monkeypatch)
    config = dedupe_docs.Config(engine="ray", jobs=2, **options)  # type: ignore[arg-type]
    dedupe_docs.run(inputs, tmp_path / "ray", config)
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")


@pytest.mark.parametrize(
    ("typo", "copy", "step"),
    [
        ("daq", "ciq coq cuq dag deq diq doq duq", "_trim"),
        ("boq", _A.replace("boq", "bog"), "_recite"),
    ],
)
def test_ray_tasks_settle_a_copy_of_a_near_copy_as_the_local_engine(
    ray_session: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    typo: str,
    copy: str,
    step: str,
) -> None:
    """The last document copies the second, whose start went as a near copy of the first. A
    copy of part of that start is trimmed to the end of its source that survives in another
    range; a copy of all of it cites, for that part, what the near copy copied."""
    start = _A.replace(typo, typo[:2] + "g")
    corpus = [
        ("d0", f"{_A}.\n"),
        ("d1", f"{start} {_Q}.\n"),
        ("d2", "zzz yyy.\n"),
        ("d3", f"{copy} {_Q}.\n"),
    ]
    options = {"min_tokens": 8, "shingle_size": 3, "boilerplate_max_tokens": 0}
    inputs = _inputs(corpus, tmp_path, "jsonl")
    monkeypatch.setattr(reads, "PART_BYTES", 100)
    done: list[int] = []
    real = getattr(settle, step)

    def spy(*args: Any) -> Any:
        out = real(*args)
        done.append(len(out) if step == "_trim" else out[0])
        return out

    monkeypatch.setattr(settle, step, spy)
    dedupe_docs.run(inputs, tmp_path / "local", dedupe_docs.Config(**options))  # type: ignore[arg-type]
    assert sum(done)  # the local engine takes that step (the Ray tasks' steps are not seen here)
    config = dedupe_docs.Config(engine="ray", jobs=2, **options)  # type: ignore[arg-type]
    dedupe_docs.run(inputs, tmp_path / "ray", config)
    assert digest(tmp_path / "ray") == digest(tmp_path / "local")


def test_ray_reads_inputs_of_no_documents_when_allowed(ray_session: object, tmp_path: Path) -> None:
    """An empty JSONL file holds no documents: with ``allow_empty`` the tasks that read it
    settle nothing and the run writes an empty output."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("", encoding="utf-8")
    config = dedupe_docs.Config(engine="ray")
    report = pipeline.run(tmp_path / "in", tmp_path / "out", config, allow_empty=True)
    assert report["documents"] == 0
    assert (tmp_path / "out" / "provenance.jsonl").read_text(encoding="utf-8") == ""


def test_the_driver_writes_what_tasks_read_a_chunk_at_a_time(
    ray_session: object, paragraphs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output named by URL: the driver builds the output of what the tasks read, decided
    and left in the object store (fetched once, ``Decided.fetched``), a chunk at a time: the
    local engine's output."""
    fsspec = pytest.importorskip("fsspec")
    inputs = _inputs(planted(paragraphs, 40, seed=23), tmp_path, "jsonl")
    monkeypatch.setattr(memory, "EMIT_CHUNK", 7)  # many chunks
    fetched: list[object] = []
    real = memory.Decided.fetched

    def spy(self: memory.Decided) -> memory.Decided:
        fetched.append(self)
        return real(self)

    monkeypatch.setattr(memory.Decided, "fetched", spy)
    base = f"/{tmp_path.name}"
    fs = fsspec.filesystem("memory")
    try:
        dedupe_docs.run(inputs, f"memory://{base}/local")
        config = dedupe_docs.Config(engine="ray", jobs=2)
        dedupe_docs.run(inputs, f"memory://{base}/ray", config)
        for name in ("clean.jsonl", "provenance.jsonl"):
            assert fs.cat(f"{base}/ray/{name}") == fs.cat(f"{base}/local/{name}")
    finally:
        fs.rm(base, recursive=True)
    assert len(fetched) == 2  # once a run, the removals fetched on Ray
    assert not isinstance(fetched[1].removed, Units)  # left in the object store by tasks
