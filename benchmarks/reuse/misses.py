"""Why a tool misses what it misses: every case's uncovered characters, classified.

Why: a PlagDet number says how much is missed, not why. For each case this records

* where the uncovered characters are: on the case's *whole* lines (all of the line's text is
  inside the case) or on its *boundary* lines (shared with the document's own text: the
  passage starts or ends inside them; in an unwrapped document, the whole paragraph), and at
  the head or the tail of the case (before the first or after the last detected character);
* what evidence the copy left for a matcher: the longest run of normalised words it shares
  exactly with its source (from shared 8-, 16- and 24-word shingles), the share of its words
  covered by a 5-word shingle shared with the source, and the share of its distinct words
  that occur in the source at all;
* how the case was made (cut at sentence or word boundaries, pasted at a sentence boundary or
  between two words, wrapped or one paragraph a line).

The per-kind summary groups the recall of cases by those features.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from benchmarks.reuse.generate import KINDS
from benchmarks.reuse.plagdet import Alignment, union_length

Record = dict[str, Any]
EXAMPLES = 6
RUNS = (24, 16, 8)
"""Exact shared runs of words looked for, longest first."""

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """Words as a matcher compares them: casefolded, digits folded to ``0``."""
    return [re.sub(r"\d", "0", w) for w in _WORD.findall(text.casefold())]


def _grams(words: list[str], k: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def evidence(copy: str, source: str) -> Record:
    """What a copy shares with its source, in normalised words."""
    mine, theirs = _words(copy), _words(source)
    run = next((k for k in RUNS if _grams(mine, k) & _grams(theirs, k)), 0)
    label = {24: "24+", 16: "16-23", 8: "8-15", 0: "<8"}[run]
    shared5 = _grams(theirs, 5)
    covered = bytearray(len(mine))
    for i in range(len(mine) - 4):
        if tuple(mine[i : i + 5]) in shared5:
            covered[i : i + 5] = b"\x01" * 5
    return {
        "words": len(mine),
        "exact_run": label,
        "shingle_cover": round(sum(covered) / max(1, len(mine)), 3),
        "word_overlap": round(len(set(mine) & set(theirs)) / max(1, len(set(mine))), 3),
    }


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """``(from, to, whole)`` for each line piece of ``text[start:end]``."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos)
        stop = end if nl == -1 or nl >= end else nl
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = len(text) if nl == -1 else nl
        if stop > pos:
            out.append((pos, stop, line_start >= start and line_end <= end))
        pos = stop + 1
    return out


def _covered(lo: int, hi: int, spans: list[tuple[int, int]]) -> int:
    return union_length((max(lo, a), min(hi, b)) for a, b in spans if a < hi and lo < b)


def _nonspace(text: str) -> int:
    return sum(not ch.isspace() for ch in text)


def case_report(text: str, source: str, g: Record, right: list[tuple[int, int]]) -> Record:
    """One case: its recall on the suspicious side, where the misses are, and its evidence."""
    missed = {"whole_lines": 0, "boundary_lines": 0}
    chars = {"whole_lines": 0, "boundary_lines": 0}
    for lo, hi, whole in _lines(text, g["start"], g["end"]):
        key = "whole_lines" if whole else "boundary_lines"
        size = _nonspace(text[lo:hi])
        chars[key] += size
        covered = sum(
            _nonspace(text[max(lo, a) : min(hi, b)]) for a, b in right if a < hi and lo < b
        )
        missed[key] += size - covered
    first = min((max(a, g["start"]) for a, b in right if b > g["start"]), default=g["end"])
    last = max((min(b, g["end"]) for a, b in right if a < g["end"]), default=g["start"])
    total = chars["whole_lines"] + chars["boundary_lines"]
    return {
        "id": g["id"],
        "start": g["start"],
        "end": g["end"],
        "recall": round(1 - sum(missed.values()) / max(1, total), 3),
        "chars": chars,
        "missed": missed,
        "missed_head": _nonspace(text[g["start"] : first]) if right else 0,
        "missed_tail": _nonspace(text[last : g["end"]]) if right else 0,
        "pieces": len(right),
        "layout": "one paragraph a line" if g.get("width") == 0 else "wrapped",
        "cut": g.get("cut"),
        "inserted": g.get("inserted"),
        **evidence(text[g["start"] : g["end"]], source),
    }


def _group(rows: list[Record], key: str) -> Record:
    groups: dict[str, list[Record]] = defaultdict(list)
    for row in rows:
        groups[str(row[key])].append(row)
    return {
        name: {
            "cases": len(items),
            "nothing": sum(1 for r in items if r["pieces"] == 0),
            "mean_recall": round(sum(r["recall"] for r in items) / len(items), 3),
        }
        for name, items in sorted(groups.items())
    }


def _size(words: int) -> str:
    """A length bucket in words."""
    for limit in (100, 200, 400):
        if words < limit:
            return f"<{limit}"
    return "400+"


def analyse(
    docs: list[Record], gold: list[Record], detections: list[Alignment], other: list[Record]
) -> Record:
    """Per kind: missed characters by line and position, recall grouped by how the case was
    made and by its evidence, characters removed for other reasons, and examples."""
    texts = {d["id"]: d["text"] for d in docs}
    by_doc: dict[str, list[Alignment]] = defaultdict(list)
    for r in detections:
        by_doc[r.doc].append(r)
    removed_other: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in other:
        removed_other[r["id"]].append((r["start"], r["end"]))
    out: Record = {}
    for kind in KINDS:
        rows = []
        other_chars = 0
        for g in gold:
            if g["kind"] != kind:
                continue
            src = g["source"]
            right = [
                (r.start, r.end)
                for r in by_doc[g["id"]]
                if r.source == src["id"]
                and r.source_start < src["end"]
                and src["start"] < r.source_end
            ]
            source_text = texts[src["id"]][src["start"] : src["end"]]
            rows.append(case_report(texts[g["id"]], source_text, g, right))
            other_chars += _covered(g["start"], g["end"], removed_other[g["id"]])
        for row in rows:
            row["size"] = _size(row["words"])
        summary: Record = {
            "cases": len(rows),
            "nothing": sum(1 for r in rows if r["pieces"] == 0),
            "chars": {
                k: sum(r["chars"][k] for r in rows) for k in ("whole_lines", "boundary_lines")
            },
            "missed": {
                k: sum(r["missed"][k] for r in rows) for k in ("whole_lines", "boundary_lines")
            },
            "missed_head": sum(r["missed_head"] for r in rows),
            "missed_tail": sum(r["missed_tail"] for r in rows),
            "removed_for_other_reasons": other_chars,
            "pieces": sum(r["pieces"] for r in rows),
        }
        for key in ("layout", "cut", "inserted", "size", "exact_run"):
            summary[f"by_{key}"] = _group(rows, key)
        missed_rows = [r for r in rows if r["recall"] < 1]
        summary["examples"] = sorted(missed_rows, key=lambda r: r["recall"])[:EXAMPLES]
        out[kind] = summary
    return out
