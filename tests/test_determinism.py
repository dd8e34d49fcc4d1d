"""Invariant 5: the same input gives byte-identical output, whatever the hash seed, the order
in which the file system lists a folder, or the number of worker processes."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs.drivers import memory
from tests.helpers.clihelp import digest, invoke, run_cli
from tests.helpers.corpus import SEEDS, prose_paragraphs


def corpus(folder: Path, n: int = 60, seed: int = 3) -> list[str]:
    """Files of real paragraphs, in nested folders, with copies; returns their relative paths."""
    rng = random.Random(seed)
    paras = prose_paragraphs()
    names = []
    for i in range(n):
        rel = f"{'abc'[i % 3]}/{i % 7}/doc{i:03d}.txt"
        text = "\n\n".join(rng.choice(paras) for _ in range(rng.randint(1, 5))) + "\n"
        names.append(rel)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return names


def without_timings(out: Path) -> dict:
    """report.json without what differs from run to run: the timings and the run id."""
    report = json.loads((out / "report.json").read_text())
    report.pop("timings")
    report.pop("run_id")
    return report


def test_identical_under_different_hash_seeds(tmp_path: Path) -> None:
    src = tmp_path / "in"
    corpus(src)
    shutil.copytree(SEEDS, src / "seeds")
    results = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"out{seed}"
        done = run_cli("clean", str(src), "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        results.append((digest(out), without_timings(out)))
    assert results[0] == results[1] == results[2]


def test_identical_whatever_the_creation_order(tmp_path: Path) -> None:
    names = corpus(tmp_path / "model")
    for label, order in (
        ("fwd", names),
        ("rev", names[::-1]),
        ("mix", random.Random(9).sample(names, len(names))),
    ):
        for rel in order:
            (tmp_path / label / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "model" / rel, tmp_path / label / rel)
    outs = []
    for label in ("fwd", "rev", "mix"):
        assert invoke("clean", str(tmp_path / label), "--out", str(tmp_path / f"o-{label}"))[0] == 0
        outs.append(digest(tmp_path / f"o-{label}"))
    assert outs[0] == outs[1] == outs[2]


def test_identical_whatever_the_listing_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(tmp_path / "in")
    assert invoke("clean", str(tmp_path / "in"), "--out", str(tmp_path / "plain"))[0] == 0
    real = os.scandir

    class Listing:
        """What os.scandir returns (an iterator and a context manager), in another order."""

        def __init__(self, path: object = ".") -> None:
            with real(path) as it:  # type: ignore[arg-type]
                entries = list(it)
            random.Random(str(path)).shuffle(entries)
            self.entries = iter(entries[::-1])

        def __iter__(self) -> Listing:
            return self

        def __next__(self) -> os.DirEntry[str]:
            return next(self.entries)

        def __enter__(self) -> Listing:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def close(self) -> None:
            return None

    monkeypatch.setattr(os, "scandir", Listing)
    walked = [Path(d, f).as_posix() for d, _, files in os.walk(tmp_path / "in") for f in files]
    assert walked != sorted(walked)  # the file system now lists in another order
    assert invoke("clean", str(tmp_path / "in"), "--out", str(tmp_path / "shuffled"))[0] == 0
    assert digest(tmp_path / "plain") == digest(tmp_path / "shuffled")
    assert [d.id for d in dedupe_docs.read(tmp_path / "in")] == sorted(
        p.relative_to(tmp_path / "in").as_posix() for p in (tmp_path / "in").rglob("*.txt")
    )


def test_jobs_1_and_jobs_2_are_identical(tmp_path: Path) -> None:
    src = tmp_path / "in"
    corpus(src, n=200)
    shutil.copytree(SEEDS, src / "seeds")
    for jobs in ("1", "2"):
        done = run_cli("clean", str(src), "--out", str(tmp_path / f"j{jobs}"), "--jobs", jobs)
        assert done.returncode == 0, done.stderr
    assert digest(tmp_path / "j1") == digest(tmp_path / "j2")
    one, two = without_timings(tmp_path / "j1"), without_timings(tmp_path / "j2")
    assert one.pop("config")["jobs"] == 1 and two.pop("config")["jobs"] == 2
    assert one == two


def test_output_built_in_chunks_and_written_on_a_thread_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    corpus(src, n=60)
    assert invoke("clean", str(src), "--out", str(tmp_path / "whole"))[0] == 0
    monkeypatch.setattr(memory, "EMIT_CHUNK", 7)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "chunks"), "--jobs", "2")
    assert code == 0, err
    assert digest(tmp_path / "chunks") == digest(tmp_path / "whole")
