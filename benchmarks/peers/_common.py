"""Shared plumbing for peer adapters (standard library only: it runs under any venv).

Units are non-blank lines or blank-line separated paragraphs, as (start, end) code point spans;
adapters decide which units to drop and ``Writer`` turns that into removed spans. ``Phases``
times each adapter's phases apart (``OUT/timings.json``): converting our corpus into the peer's
input format, the peer run as its users run it, and reading its output back into spans.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Span = tuple[int, int]
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_PARA = re.compile(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*")


def args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--unit", choices=["line", "paragraph", "sentence"], default="paragraph")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--threshold", type=float, default=0.8)
    return ap.parse_args()


def read_docs(corpus: Path) -> Iterator[tuple[str, str]]:
    """(id, text) in corpus order, exactly as dedupe_docs reads them."""
    docs = corpus / "docs"
    for path in sorted(docs.rglob("*.txt"), key=lambda p: p.relative_to(docs).as_posix()):
        with path.open(encoding="utf-8", newline="") as f:
            yield path.relative_to(docs).as_posix(), f.read()


def units(text: str, unit: str) -> list[Span]:
    pattern = _LINE if unit == "line" else _PARA
    return [m.span() for m in pattern.finditer(text)]


class Phases:
    """Wall seconds per phase: ``convert`` (our corpus into the peer's format), ``tool`` (the
    peer as its users run it: its CLI, its executor, or its library calls), ``readback`` (its
    output into removed spans and our output files)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "timings.json").write_text(json.dumps(self.seconds))


def write_shards(docs: Sequence[tuple[str, str]], folder: Path, shards: int) -> None:
    """Our documents as ``part-NNNNN.jsonl.gz`` records {id, text, source}, in corpus order,
    split into ``shards`` consecutive runs (the input Dolma and datatrove users keep)."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(docs) // shards) if docs else 1
    for k in range(shards):
        with gzip.open(folder / f"part-{k:05d}.jsonl.gz", "wt", encoding="utf-8") as f:
            for doc_id, text in docs[k * per : (k + 1) * per]:
                f.write(json.dumps({"id": doc_id, "text": text, "source": "bench"}) + "\n")


class Writer:
    """Writes ``clean/<id>`` and ``removed.jsonl`` as documents finish."""

    def __init__(self, out: Path) -> None:
        self.out = out
        (out / "clean").mkdir(parents=True, exist_ok=True)
        self.f = (out / "removed.jsonl").open("w", encoding="utf-8")

    def write(self, doc_id: str, text: str, removed: list[dict[str, Any]]) -> None:
        keep, pos = [], 0
        for r in sorted(removed, key=lambda r: r["start"]):
            keep.append(text[pos : r["start"]])
            pos = max(pos, r["end"])
        keep.append(text[pos:])
        path = self.out / "clean" / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(keep), encoding="utf-8")
        self.f.write(json.dumps({"id": doc_id, "removed": removed}) + "\n")

    def close(self) -> None:
        self.f.close()


def removal(span: Span, source: tuple[str, int, int] | None,
            reason: str = "duplicate") -> dict[str, Any]:
    src = {"id": source[0], "start": source[1], "end": source[2]} if source else None
    return {"start": span[0], "end": span[1], "reason": reason, "source": src}


def shingles(text: str, n: int = 3) -> list[str]:
    """Word n-grams of the casefolded unit (what MinHash peers hash)."""
    words = re.findall(r"\w+", text.casefold())
    if len(words) <= n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
