"""Score a tool's detections per reuse kind and on the whole corpus.

Each suspicious document holds one kind of reuse, so a kind's score uses its cases and every
detection inside a suspicious document of that kind (whatever source it cites). The whole
corpus uses every case and every detection, including detections inside source documents and
inside suspicious documents without reuse (``none``), which can only be wrong.
"""

from __future__ import annotations

from typing import Any

from benchmarks.reuse.generate import KINDS
from benchmarks.reuse.plagdet import Alignment, case_recalls, character_scores, score

Record = dict[str, Any]


def cases_of(gold: list[Record]) -> list[Alignment]:
    """Gold records as alignments, in order."""
    return [
        Alignment(
            g["id"],
            g["start"],
            g["end"],
            g["source"]["id"],
            g["source"]["start"],
            g["source"]["end"],
        )
        for g in gold
    ]


def evaluate(docs: list[Record], gold: list[Record], detections: list[Alignment]) -> Record:
    """PlagDet, character scores and missed cases per kind, ``none`` and ``whole``."""
    kind_of = {d["id"]: d["kind"] if d["role"] == "suspicious" else "source" for d in docs}
    cases = cases_of(gold)
    out: Record = {}
    for kind in (*KINDS, "whole"):
        mine = [c for c, g in zip(cases, gold, strict=True) if kind in ("whole", g["kind"])]
        dets = [r for r in detections if kind == "whole" or kind_of.get(r.doc) == kind]
        row: Record = {**score(mine, dets).to_json(), **character_scores(mine, dets).to_json()}
        row["missed_cases"] = sum(1 for x in case_recalls(mine, dets) if x == 0)
        out[kind] = row
    false = [r for r in detections if kind_of.get(r.doc) in (None, "source")]
    out["none"] = {
        "detections": len(false),
        "detected_chars": character_scores([], false).detected,
    }
    return out
