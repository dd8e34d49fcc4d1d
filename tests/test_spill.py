"""max_memory: batch by batch, with the corpus-wide arrays in files, the output is the
in-memory run's, byte for byte."""

from __future__ import annotations

import itertools
import json
import random
import resource
import string
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import Config, ConfigError
from dedupe_docs.drivers import bounded
from dedupe_docs.pipeline import IN_MEMORY_BYTES
from dedupe_docs.runtime import memory
from dedupe_docs.stages.kernels import gather_tokens_kernel
from dedupe_docs.stages.read import input_size, stream
from tests.helpers.clihelp import (
    check_output_folder,
    cli_command,
    digest,
    invoke,
    peak_rss,
    run_cli,
)
from tests.helpers.corpus import planted, prose_paragraphs
from tests.helpers.invariants import check
from tests.test_properties import corpora

PARAGRAPHS = prose_paragraphs()
CORPUS = planted(PARAGRAPHS, 120, seed=7)
BUDGET = 256 << 20


def provenance(cleaned: list[dedupe_docs.CleanedDocument]) -> list[tuple[str, str]]:
    return [(c.text, json.dumps(c.provenance(), sort_keys=True)) for c in cleaned]


@pytest.fixture
def batch_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few documents, so that sources lie in many earlier batches."""
    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 5_000)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"split_sentences": False},
        {"unit": "paragraph", "min_tokens": 12},
        {"boilerplate_min_share": 0.0, "boilerplate_min_docs": 2, "jobs": 2},
        {"shingle_size": 3, "threshold": 0.8, "max_gap": 5},
    ],
)
def test_batches_give_the_in_memory_output(batch_chars: None, options: dict) -> None:
    whole = dedupe_docs.clean(CORPUS, **options)
    batched = dedupe_docs.clean(CORPUS, max_memory=BUDGET, **options)
    assert sum(c.removed_chars("duplicate") for c in whole) > 10_000  # copies cross batches
    assert provenance(batched) == provenance(whole)
    check(dict(CORPUS), batched, Config(**options).threshold)


def test_a_copy_of_pieces_pointed_on_far_past_its_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """C copies B's run of eight pieces: the first first seen in B, each other one in a
    document of its own, and the shingles across each junction in X. C's pieces are pointed
    on along B from the first, as far as runs pointed on may reach, past any seed of B (found
    by review: the window of sources once stopped short of that, and the batches kept more of
    the copy than one run did)."""
    rng = random.Random(7)

    def words(n: int) -> list[str]:
        return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 8))) for _ in range(n)]

    pieces = [words(20) for _ in range(8)]
    docs = [(f"a{i}", " ".join(words(40) + p + words(40)) + ".\n") for i, p in enumerate(pieces)][
        1:
    ]
    junctions = [words(10) + a[-4:] + b[:4] + words(10) for a, b in itertools.pairwise(pieces)]
    docs.append(("x", "\n".join(" ".join(j) + "." for j in junctions) + "\n"))
    run = [word for piece in pieces for word in piece]
    docs.append(("b", " ".join(words(30) + run + words(30)) + ".\n"))
    docs += [(f"f{j}", " ".join(words(120)) + ".\n") for j in range(12)]
    docs.append(("c", " ".join(words(30) + run + words(30)) + ".\n"))
    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 2_000)
    whole = dedupe_docs.clean(docs)
    assert whole[-1].removed_chars("duplicate") > 400  # the first pieces go, citing B
    assert provenance(dedupe_docs.clean(docs, max_memory=BUDGET)) == provenance(whole)


@pytest.mark.parametrize(
    "docs",
    [[], [("a", "")], [("a", ""), ("b", "  \n\n")], [("a", "x"), ("b", "x")]],
    ids=["nothing", "empty", "blank", "tiny"],
)
def test_corpora_without_passages(docs: list[tuple[str, str]]) -> None:
    batched = dedupe_docs.clean(docs, max_memory=BUDGET, min_tokens=1)
    assert provenance(batched) == provenance(dedupe_docs.clean(docs, min_tokens=1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpora(), st.integers(1, 3000), st.sampled_from(["line", "paragraph"]), st.sampled_from([1, 2])
)
def test_any_batch_size_gives_the_in_memory_output(
    docs: list[tuple[str, str]], chars: int, unit: str, jobs: int
) -> None:
    """Any batch size, on one thread or two (detection in parts)."""
    with mock.patch.object(bounded, "CLEAN_BATCH_CHARS", chars):  # Hypothesis: no monkeypatch
        batched = dedupe_docs.clean(docs, unit=unit, max_memory=BUDGET, jobs=jobs)
    assert provenance(batched) == provenance(dedupe_docs.clean(docs, unit=unit))


def test_cli_writes_the_same_folder_and_leaves_no_files(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": t, "n": 1}) + "\n" for i, t in CORPUS))
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "whole"))
    assert code == 0, err
    work = tmp_path / "work"
    args = ["--max-memory", "300M", "--work-dir", str(work), "--dolma-attributes"]
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "bounded"), *args)
    assert code == 0, err
    batched = digest(tmp_path / "bounded")
    assert batched.pop("attributes.jsonl")
    assert batched == digest(tmp_path / "whole")
    assert list(work.iterdir()) == []  # the spill folder is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bounded", "in.jsonl", "whole", "work"]
    report = json.loads((tmp_path / "bounded" / "report.json").read_text())
    assert report["config"]["max_memory"] == 300 << 20
    assert report["documents"] == len(CORPUS)


def test_a_corpus_too_large_for_memory_is_cleaned_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without --max-memory, a corpus that looks too large to clean in memory is cleaned in
    batches within half the memory available, with a warning; the output is the same."""
    src = tmp_path / "docs"
    src.mkdir()
    for name, text in CORPUS:
        (src / f"{name}.txt").write_text(text)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "whole"))
    assert code == 0 and "batches" not in err
    monkeypatch.setattr(memory, "available_memory", lambda: 300_000)  # bytes: less than 14×
    report = dedupe_docs.run([src], tmp_path / "bounded")
    assert report["config"]["max_memory"] == 256 << 20  # half of 300 kB is below the least
    assert "too much to clean in memory" in caplog.text and "in batches" in caplog.text
    assert digest(tmp_path / "bounded") == digest(tmp_path / "whole")
    caplog.clear()
    report = dedupe_docs.run([src], tmp_path / "longest", Config(keep="longest"))
    assert report["config"]["max_memory"] is None and "in memory anyway" in caplog.text
    size = sum(p.stat().st_size for p in src.iterdir())
    monkeypatch.setattr(memory, "available_memory", lambda: IN_MEMORY_BYTES * size)
    assert dedupe_docs.run([src], tmp_path / "fits")["config"]["max_memory"] is None


def test_input_size_counts_what_would_be_read(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("x" * 100)
    (tmp_path / "a" / "notes.md").write_text("x" * 1000)  # not read: not counted
    (tmp_path / "b.jsonl.gz").write_bytes(b"x" * 10)  # compressed: taken as 4×
    inputs = [tmp_path / "a", str(tmp_path / "b.jsonl.gz"), tmp_path / "missing", ("id", "abc")]
    assert input_size(inputs) == 100 + 40 + 0 + 3
    free = memory.available_memory()
    assert free is None or free > 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"keep": "longest"}, 'needs `keep="first"`'),
        ({"engine": "ray"}, "local engine"),
        ({"max_memory": "a lot"}, "not a size"),
        ({"max_memory": "100M"}, "must be at least 256M"),
    ],
)
def test_options_it_cannot_honour_are_refused(options: dict, message: str) -> None:
    options = {"max_memory": "1G", **options}
    for call in (
        lambda: Config(**options),
        lambda: dedupe_docs.clean(CORPUS[:2], **options),
        lambda: dedupe_docs.clean_records([{"id": i, "text": t} for i, t in CORPUS[:2]], **options),
    ):
        with pytest.raises(ConfigError, match=message) as caught:
            call()
        assert caught.value.option == "max_memory"


def test_clean_records_honours_max_memory(
    batch_chars: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records are cleaned in batches, and come out as they do in memory."""
    batches: list[int] = []
    real = bounded.clean_batches

    def counted(*args: object, **kwargs: object) -> object:
        for batch in real(*args, **kwargs):  # type: ignore[arg-type]
            batches.append(len(batch))
            yield batch

    monkeypatch.setattr(bounded, "clean_batches", counted)
    rows = [{"id": i, "text": t, "n": n} for n, (i, t) in enumerate(CORPUS)]
    whole = dedupe_docs.clean_records(rows)
    assert batches == []
    assert dedupe_docs.clean_records(rows, max_memory=BUDGET) == whole
    assert len(batches) > 3 and sum(batches) == len(rows)
    assert whole != rows  # copies were removed


def test_a_persisted_index_is_refused(tmp_path: Path) -> None:
    code, _, err = invoke(
        "clean",
        "seeds",
        "--out",
        str(tmp_path / "out"),
        "--max-memory",
        "1G",
        "--index",
        str(tmp_path / "index"),
    )
    assert code == 1
    assert "--max-memory cannot add to a persisted index" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_memory_stays_under_the_bound(tmp_path: Path) -> None:
    """About 200 MB of pages that copy each other's paragraphs (sources lie in every earlier
    batch), cleaned by the command line in a child process under a 400 MB bound."""
    src = tmp_path / "docs"
    src.mkdir()
    for page in range(320):
        docs = planted(PARAGRAPHS, 400, seed=page)
        (src / f"{page:03d}.txt").write_text("\n".join(text for _, text in docs))
    size = sum(p.stat().st_size for p in src.iterdir())
    assert size > 200e6
    out = tmp_path / "out"
    warm = run_cli("clean", "seeds", "--out", str(tmp_path / "warm"), "--max-memory", "400M")
    assert warm.returncode == 0, warm.stderr  # the kernels are compiled (a first run's cost)
    argv, env = cli_command("clean", str(src), "--out", str(out), "--max-memory", "400M")
    code, peak = peak_rss(argv, env)
    assert code == 0
    assert peak < 400 << 20, f"peak RSS {peak >> 20} MB for {size >> 20} MB of text"
    check_output_folder(src, out)


GLIBC = memory.c_library() is not None and hasattr(memory.c_library(), "mallopt")


@pytest.mark.skipif(not GLIBC, reason="the C allocator is tuned on glibc only")
def test_batches_reuse_the_memory_that_earlier_batches_freed() -> None:
    """Within ``reused_memory`` (a bounded run), an array freed and allocated again takes
    the same pages, not fresh ones that fault in (a plain run: hundreds of faults, or 5,120
    a time in small pages)."""

    def faults() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def batch() -> None:
        column = np.ones(20 << 20, np.uint8)  # every page written
        del column

    with memory.reused_memory():
        batch()
        before = faults()
        for _ in range(10):
            batch()
        assert faults() - before < 50


def test_work_files_that_cannot_be_written_are_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the work folder should go")
    with pytest.raises(dedupe_docs.OutputError, match="cannot write the work files"):
        dedupe_docs.clean(CORPUS[:3], max_memory="1G", work_dir=str(blocker))
    assert blocker.read_text() == "a file where the work folder should go"


def test_jsonl_records_stream_one_at_a_time(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\nnot json\n')
    documents, _ = stream([src])
    assert next(documents).id == "a"  # before the bad line further on is read
    assert next(documents).id == "b"
    with pytest.raises(dedupe_docs.InputError, match=r"in\.jsonl:3: not valid JSON"):
        next(documents)


def test_parquet_output_is_the_same_file_however_it_is_batched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(
        pa.Table.from_pylist([{"id": i, "text": t} for i, t in CORPUS]), tmp_path / "in.parquet"
    )
    code, _, err = invoke("clean", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "whole"))
    assert code == 0, err
    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 5_000)
    args = ["--out", str(tmp_path / "bounded"), "--max-memory", "1G", "--jobs", "2"]
    code, _, err = invoke("clean", str(tmp_path / "in.parquet"), *args)
    assert code == 0, err
    assert digest(tmp_path / "bounded") == digest(tmp_path / "whole")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), min_size=1, max_size=20))
def test_window_lays_ranges_end_to_end(intervals: list[tuple[int, int]]) -> None:
    """The window keeps order and the distances inside a range, and its columns hold the
    token rows of the ranges with zeros between them."""
    starts = np.array([a for a, _ in intervals])
    ranges = bounded._union(starts, starts + np.array([n for _, n in intervals]), gap=3)
    window = bounded._Window.of(ranges)
    tokens = np.arange(int(ranges[-1, 1]) + 1)
    at = window.positions(tokens)
    assert (np.diff(at) >= 0).all()
    inside = np.zeros(len(tokens), dtype=bool)
    for (a, b), to in zip(ranges.tolist(), window.at.tolist(), strict=False):
        inside[a:b] = True
        assert (at[a:b] == to + np.arange(b - a)).all()
    source = np.zeros(len(tokens), bounded.TOKEN)
    source["tok_hash"], source["tail"] = tokens + 1, 1
    columns = {name: np.full(window.size, 7, bounded.TOKEN[name]) for name in bounded.TOKEN.names}
    gather_tokens_kernel(source, ranges, window.at, *columns.values())
    assert (columns["tok_hash"][at[inside]] == tokens[inside] + 1).all()
    gap = np.ones(window.size, dtype=bool)
    gap[at[inside]] = False
    assert (columns["tok_hash"][gap] == 0).all() and (columns["tail"][gap] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), min_size=1, max_size=20),
    st.integers(1, 80),
    st.integers(0, 50),
)
def test_gather_reads_the_ranges_of_the_token_file(
    intervals: list[tuple[int, int]], staging_rows: int, read_gap: int
) -> None:
    """Stretches read from the token file through a staging buffer of any size (flushed when
    full; a longer stretch read in pieces, the buffer never grows) and merged across gaps of
    any size land where the window puts them, zeros between."""
    starts = np.array([a for a, _ in intervals])
    ranges = bounded._union(starts, starts + np.array([n for _, n in intervals]), gap=3)
    window = bounded._Window.of(ranges)
    length = int(ranges[-1, 1]) + 5
    source = np.zeros(length, bounded.TOKEN)
    source["tok_hash"], source["tok_start"], source["tail"] = np.arange(length) + 1, 3, 1
    with tempfile.TemporaryDirectory() as root, bounded._Corpus(Path(root), Config()) as corpus:
        source.tofile(corpus.files["tokens"])
        corpus.streams.close()
        before = (bounded.STAGING_ROWS, bounded.READ_GAP)
        bounded.STAGING_ROWS, bounded.READ_GAP = staging_rows, read_gap
        try:
            columns = corpus._gather(length, window)
        finally:
            bounded.STAGING_ROWS, bounded.READ_GAP = before
        assert corpus.staging is not None and len(corpus.staging) == staging_rows
    expected = {name: np.zeros(window.size, bounded.TOKEN[name]) for name in bounded.TOKEN.names}
    gather_tokens_kernel(source, ranges, window.at, *expected.values())
    for name in bounded.TOKEN.names:
        assert (columns[name] == expected[name]).all(), name
    assert (columns["tok_hash"][window.at[:-1]] == ranges[:, 0] + 1).all()


def test_sources_in_any_script_are_read_back_from_the_text_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Passages of earlier batches are read from the text file by character offsets, at one,
    two or four bytes a character: text beyond ASCII and the Basic Multilingual Plane, and a
    lone surrogate, come back whole."""
    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 100)  # a batch per document
    passages = [
        "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο και τρέχει μακριά στο δάσος "
        "όπου κανείς δεν μπορεί να τη βρει ποτέ ξανά, ούτε καν ο κυνηγός με τα σκυλιά του.",
        "これは重複した段落の例です。同じ文章が別の文書にもう一度現れます。検出されるべきです。",
        "Emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters stay whole when a copy of this paragraph is found "
        "in a later batch of documents, with all the rest of it and nothing else in between.",
        "A lone \ud800 surrogate in a paragraph read back from the text file of earlier "
        "batches is stored in four bytes and comes back as it was, with the words around it.",
        "Plain ASCII text takes one byte a character in the text file, and a copy of this "
        "paragraph in a later batch is found and removed just the same as any other one.",
    ]
    copies = [p[:40] + p[41:80] + p[81:] for p in passages]  # typos: verified as text
    docs = [
        (
            f"d{i}",
            f"Preface {i} is unique to this document.\n\n{(passages, copies)[i > 4][i % 5]}\n",
        )
        for i in range(15)
    ]
    whole = dedupe_docs.clean(docs, min_tokens=8)
    assert sum(c.removed_chars("duplicate") for c in whole) > 300
    assert provenance(dedupe_docs.clean(docs, min_tokens=8, max_memory=BUDGET)) == provenance(whole)


def test_a_copy_of_an_earlier_batch_s_near_copy_cites_what_it_copied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_real_text import NEAR_COPY_COPIED

    monkeypatch.setattr(bounded, "CLEAN_BATCH_CHARS", 100)  # a batch per document
    whole = dedupe_docs.clean(NEAR_COPY_COPIED)
    assert whole[2].removed
    assert provenance(dedupe_docs.clean(NEAR_COPY_COPIED, max_memory=BUDGET)) == provenance(whole)
