"""Scale edges: one 50 MB line, 100,000 tiny files. Both must complete (slow: over a minute)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from clihelp import check_output_folder, invoke
from conftest import prose_paragraphs


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
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 0, err
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
