"""--work-dir: signed batches kept as files, so a rerun after a crash skips what was done."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import dedupe_docs
from dedupe_docs.drivers import memory
from dedupe_docs.stages import index, sign
from tests.helpers.corpus import planted


def dump(cleaned: list[dedupe_docs.CleanedDocument]) -> str:
    return json.dumps([[c.text, c.provenance()] for c in cleaned], ensure_ascii=False)


@pytest.fixture
def corpus(paragraphs: list[str], monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    monkeypatch.setattr(memory, "SIGN_BATCH_CHARS", 5000)  # many batches
    return planted(paragraphs, 30, seed=3)


REAL_SIGN = sign.sign


class Crash(Exception):
    """The run dies here."""


def count_signing(monkeypatch: pytest.MonkeyPatch, fail_after: int | None = None) -> list[int]:
    calls: list[int] = []

    def counted(texts: list[str], config: dedupe_docs.Config) -> sign.Signed:
        if fail_after is not None and len(calls) == fail_after:
            raise Crash
        calls.append(len(texts))
        return REAL_SIGN(texts, config)

    monkeypatch.setattr(sign, "sign", counted)
    return calls


def test_same_output_and_a_second_run_signs_nothing(
    corpus: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = dump(dedupe_docs.clean(corpus))
    work = str(tmp_path / "work")
    calls = count_signing(monkeypatch)
    assert dump(dedupe_docs.clean(corpus, work_dir=work)) == expected
    batches = len(calls)
    assert batches > 5 and len(list((tmp_path / "work" / "sign").glob("*.npz"))) == batches
    calls.clear()
    assert dump(dedupe_docs.clean(corpus, work_dir=work)) == expected
    assert calls == []


def test_a_crashed_run_resumes_from_the_batches_it_finished(
    corpus: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = dump(dedupe_docs.clean(corpus))
    work = str(tmp_path / "work")
    count_signing(monkeypatch, fail_after=4)
    with pytest.raises(Crash):
        dedupe_docs.clean(corpus, work_dir=work)
    folder = tmp_path / "work" / "sign"
    assert len(list(folder.glob("*.npz"))) == len(list(folder.glob("*.rows.npy"))) == 4
    assert not list(folder.glob(".*"))  # no temporary file left
    calls = count_signing(monkeypatch)
    assert dump(dedupe_docs.clean(corpus, work_dir=work)) == expected
    total = len(list((tmp_path / "work" / "sign").glob("*.npz")))
    assert len(calls) == total - 4  # only the batches the crash left undone


def test_damaged_files_are_signed_again(
    corpus: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = dump(dedupe_docs.clean(corpus))
    work = tmp_path / "work"
    dedupe_docs.clean(corpus, work_dir=str(work))
    files = sorted((work / "sign").glob("*.npz"))
    files[0].write_bytes(files[0].read_bytes()[:100])  # cut short
    files[1].write_bytes(b"")
    rows = index.rows_path(files[2])
    rows.write_bytes(rows.read_bytes()[:-16])  # one row short
    index.rows_path(files[3]).write_bytes(b"")
    calls = count_signing(monkeypatch)
    assert dump(dedupe_docs.clean(corpus, work_dir=str(work))) == expected
    assert len(calls) == 4
    assert not list((work / "sign").glob(".*"))  # no temporary file left


def test_other_options_or_texts_never_reuse_a_file(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    work = str(tmp_path / "work")
    dedupe_docs.clean(corpus, work_dir=work)
    first = len(list((tmp_path / "work" / "sign").glob("*.npz")))
    expected = dump(dedupe_docs.clean(corpus, shingle_size=4))
    assert dump(dedupe_docs.clean(corpus, shingle_size=4, work_dir=work)) == expected
    assert len(list((tmp_path / "work" / "sign").glob("*.npz"))) == 2 * first
    changed = [(i, t.replace("the", "a")) for i, t in corpus]
    assert dump(dedupe_docs.clean(changed, work_dir=work)) == dump(dedupe_docs.clean(changed))


def test_index_over_batch_files_equals_the_in_memory_index(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    texts = [t for _, t in corpus]
    config = dedupe_docs.Config(work_dir=str(tmp_path / "work"))
    signed, files, bases = memory._sign_stage(texts, config)
    assert len(files) > 5
    first = index.first_occurrences_from_files(files, bases, jobs=2)
    assert np.array_equal(first, index.first_occurrences(signed.shingles))
    assert (first != np.arange(len(first))).sum() > 1000  # the corpus has copies


def test_threads_sign_into_one_work_dir(corpus: list[tuple[str, str]], tmp_path: Path) -> None:
    work = str(tmp_path / "work")
    expected = dump(dedupe_docs.clean(corpus, jobs=3))
    assert dump(dedupe_docs.clean(corpus, jobs=3, work_dir=work)) == expected
    assert dump(dedupe_docs.clean(corpus, jobs=3, work_dir=work)) == expected
    assert not list((tmp_path / "work" / "sign").glob(".*"))


def test_leftovers_of_killed_runs_are_removed_once_old(
    corpus: list[tuple[str, str]], tmp_path: Path
) -> None:
    folder = tmp_path / "work" / "sign"
    folder.mkdir(parents=True)
    old, fresh = folder / ".abc.npz.x1.tmp", folder / ".abc.npz.x2.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half, being written")
    os.utime(old, (1, 1))
    dedupe_docs.clean(corpus, work_dir=str(tmp_path / "work"))
    assert not old.exists() and fresh.exists()


def test_a_batch_whose_rows_file_is_missing_is_signed_again(
    corpus: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    expected = dump(dedupe_docs.clean(corpus, work_dir=str(work)))
    next((work / "sign").glob("*.rows.npy")).unlink()
    calls = count_signing(monkeypatch)
    assert dump(dedupe_docs.clean(corpus, work_dir=str(work))) == expected
    assert len(calls) == 1
