"""Decisions → cleaned text, provenance records and the output folder.

The cleaned text is the kept spans joined by the whitespace that separated them: at each cut
the whitespace on the side that held the larger break (a blank line beats a newline), so the
output keeps the document's paragraph shape and its own newline style.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _io
from .formats import RecordLayout, write_records
from .types import CleanedDocument, Document, Kept, Removal


def build(
    doc: Document, removals: Sequence[Removal], spans: Sequence[tuple[int, int]]
) -> CleanedDocument:
    """Assemble the cleaned text of ``doc`` from its kept spans."""
    text = doc.text
    starts = [r.start for r in removals]
    pieces: list[str] = []
    kept: list[Kept] = []
    out = 0
    for i, (s, e) in enumerate(spans):
        before = bisect.bisect_left(starts, s)  # removals that start before this span
        if i == 0:
            sep = text[:s] if before == 0 else ""
        else:
            after_prev = bisect.bisect_left(starts, spans[i - 1][1])
            first, last = removals[after_prev], removals[before - 1]
            sep = max(text[last.end : s], text[spans[i - 1][1] : first.start], key=_breaks)
        pieces += [sep, text[s:e]]
        out += len(sep)
        kept.append(Kept(s, e, out, out + e - s))
        out += e - s
    if spans:
        end = spans[-1][1]
        following = bisect.bisect_left(starts, end)
        pieces.append(
            text[end : removals[following].start] if following < len(removals) else text[end:]
        )
    return CleanedDocument(
        doc.id, "".join(pieces), len(text), tuple(kept), tuple(removals), doc.path, doc.record
    )


def _breaks(whitespace: str) -> int:
    """Line breaks in a whitespace run (``\r\n`` counts once)."""
    return whitespace.count("\n") + whitespace.count("\r") - whitespace.count("\r\n")


def write(
    folder: Path,
    cleaned: Sequence[CleanedDocument],
    report: dict[str, Any],
    *,
    text_field: str = "text",
    layout: RecordLayout | None = None,
) -> list[str]:
    """Write every output file into ``folder`` (a fresh temporary folder); return their names."""
    written = []
    records = [c for c in cleaned if c.record is not None]
    files = [c for c in cleaned if c.record is None and c.path is not None]
    for c in files:
        target = folder / "clean" / c.path  # type: ignore[operator]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(c.text.encode("utf-8", "surrogatepass"))
    if files:
        written.append(f"clean/ ({len(files)} files)")
    if records:
        written.append(write_records(folder, records, text_field, layout))
    with (folder / "provenance.jsonl").open("wb") as f:
        for c in cleaned:
            f.write(_io.dumps_line(c.provenance()))
    (folder / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return [*written, "provenance.jsonl", "report.json"]
