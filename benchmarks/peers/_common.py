"""Shared plumbing for peer adapters (standard library only: it runs under any venv).

Units are non-blank lines or blank-line separated paragraphs, as (start, end) code point spans;
adapters decide which units to drop and ``write_outputs`` turns that into removed spans.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
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
