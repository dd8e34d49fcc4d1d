"""Scale edges: one 50 MB line, 100,000 tiny files. Both must complete (slow: over a minute)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import pytest

import dedupe_docs
from tests.helpers.clihelp import check_output_folder, invoke
from tests.helpers.corpus import prose_paragraphs
from tests.helpers.invariants import check


@pytest.mark.slow
def test_a_single_50_mb_line(tmp_path: Path) -> None:
    rng = random.Random(50)
    paragraphs, parts, size = prose_paragraphs(), [], 0
    while size < 50_000_000:
        parts.append(rng.choice(paragraphs))
        size += len(parts[-1]) + 1
    src = tmp_path / "in"
    src.mkdir()
    (src / "line.txt").write_text(" ".join(parts), encoding="utf-8")  # no newline at all
    started = time.perf_counter()
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
    # ~45 s on 2 cores; a per-sentence O(n) step once made it take hours (decide.py searchsorted)
    assert time.perf_counter() - started < 600
    check_output_folder(src, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["chars_in"] >= 50_000_000 and 0 < report["chars_out"] < report["chars_in"]


@pytest.mark.slow
def test_100_000_tiny_files(tmp_path: Path) -> None:
    rng = random.Random(100)
    words = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "union",
        "branch",
        "chair",
        "letter",
        "bulletin",
        "Reply",
        "Delete",
    ]
    src = tmp_path / "in"
    for i in range(100_000):
        if i % 1000 == 0:
            (src / f"{i // 1000:03d}").mkdir(parents=True)
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 8))) + "\n"
        (src / f"{i // 1000:03d}" / f"{i:06d}.txt").write_text(text, encoding="utf-8")
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "-q")
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["documents"] == 100_000
    assert sum(1 for _ in (tmp_path / "out" / "clean").rglob("*.txt")) == 100_000
    check_output_folder(src, tmp_path / "out")


def test_a_long_line_of_many_sentences_is_cut_by_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 300 KB line (thousands of sentences): the duplicate sentences go, the rest stays, and
    no search casts a whole token array per sentence (what made a 50 MB line take hours)."""
    real, casts = np.searchsorted, []

    def searchsorted(a: np.ndarray, v: object, *args: object, **kw: object) -> object:
        if len(a) > 10_000 and np.asarray(v).size < 3 and np.asarray(v).dtype != a.dtype:
            casts.append((a.dtype, type(v)))
        return real(a, v, *args, **kw)

    monkeypatch.setattr(np, "searchsorted", searchsorted)
    rng = random.Random(1)
    paragraphs = prose_paragraphs()
    line = " ".join(rng.choice(paragraphs) for _ in range(1200))
    docs = [("first", paragraphs[0] + "\n"), ("line", line + "\n")]
    cleaned = dedupe_docs.clean(docs)
    check(dict(docs), cleaned, dedupe_docs.Config().threshold)
    assert 0 < len(cleaned[1].text) < len(line) / 2
    assert casts == []
