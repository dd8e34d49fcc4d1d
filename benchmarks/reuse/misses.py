"""Why a tool misses what it misses: the uncovered characters of every case, classified.

Why: a PlagDet number says how much is missed, not why. Each case's suspicious span is split
into its lines; a line is *whole* when all of its text lies inside the case, else it is a
*boundary* line, shared with the document's own text (the passage starts or ends inside it:
in an unwrapped document, the whole paragraph). The characters a tool leaves uncovered are
counted by kind of line, and every case it does not touch at all is listed with what might
explain it: how many words, how many whole lines it has, and how many of its 5-word shingles
(words normalised as a matcher does) also occur in its source span.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from benchmarks.reuse.generate import KINDS
from benchmarks.reuse.plagdet import Alignment, union_length

Record = dict[str, Any]
EXAMPLES = 6

_WORD = re.compile(r"[^\W_]+")


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = [re.sub(r"\d", "0", w) for w in _WORD.findall(text.casefold())]
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """``(from, to, whole)`` for each line piece of ``text[start:end]``."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos)
        stop = end if nl == -1 or nl >= end else nl
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = len(text) if nl == -1 else nl
        whole = line_start >= start and line_end <= end
        if stop > pos:
            out.append((pos, stop, whole))
        pos = stop + 1
    return out


def _covered(lo: int, hi: int, spans: list[tuple[int, int]]) -> int:
    return union_length((max(lo, a), min(hi, b)) for a, b in spans if a < hi and lo < b)


def analyse(
    docs: list[Record], gold: list[Record], detections: list[Alignment], other: list[Record]
) -> Record:
    """Missed characters per kind by line kind, cases missed entirely, and examples."""
    texts = {d["id"]: d["text"] for d in docs}
    by_doc: dict[str, list[Alignment]] = defaultdict(list)
    for r in detections:
        by_doc[r.doc].append(r)
    removed_other: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in other:
        removed_other[r["id"]].append((r["start"], r["end"]))
    out: Record = {}
    for kind in KINDS:
        stats: Record = {
            "cases": 0,
            "chars": {"whole_lines": 0, "boundary_lines": 0},
            "missed": {"whole_lines": 0, "boundary_lines": 0},
            "removed_for_other_reasons": 0,
            "nothing": [],
            "partial": [],
        }
        for g in gold:
            if g["kind"] != kind:
                continue
            stats["cases"] += 1
            text = texts[g["id"]]
            right = [
                (r.start, r.end)
                for r in by_doc[g["id"]]
                if r.source == g["source"]["id"]
                and r.source_start < g["source"]["end"]
                and g["source"]["start"] < r.source_end
            ]
            missed_here = {"whole_lines": 0, "boundary_lines": 0}
            whole_lines = 0
            for lo, hi, whole in _lines(text, g["start"], g["end"]):
                key = "whole_lines" if whole else "boundary_lines"
                chars = len(text[lo:hi].strip())
                stats["chars"][key] += chars
                whole_lines += whole
                miss = chars - _covered(lo, hi, right) if chars else 0
                missed_here[key] += max(0, miss)
            for key, value in missed_here.items():
                stats["missed"][key] += value
            stats["removed_for_other_reasons"] += _covered(
                g["start"], g["end"], removed_other[g["id"]]
            )
            src = texts[g["source"]["id"]][g["source"]["start"] : g["source"]["end"]]
            mine = text[g["start"] : g["end"]]
            shingles = _shingles(mine)
            row = {
                "id": g["id"],
                "start": g["start"],
                "end": g["end"],
                "words": len(mine.split()),
                "whole_lines": whole_lines,
                "shared_shingles": round(len(shingles & _shingles(src)) / max(1, len(shingles)), 3),
                "missed_whole": missed_here["whole_lines"],
                "missed_boundary": missed_here["boundary_lines"],
            }
            if not right:
                stats["nothing"].append(row)
            elif sum(missed_here.values()):
                stats["partial"].append(row)
        stats["nothing_count"] = len(stats["nothing"])
        stats["partial_count"] = len(stats["partial"])
        stats["nothing"] = stats["nothing"][:EXAMPLES]
        stats["partial"] = sorted(
            stats["partial"], key=lambda r: -(r["missed_whole"] + r["missed_boundary"])
        )[:EXAMPLES]
        out[kind] = stats
    return out
