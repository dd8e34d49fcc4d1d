"""PlagDet, the standard measure of text alignment (Potthast, Stein, Barrón-Cedeño and Rosso,
"An Evaluation Framework for Plagiarism Detection", COLING 2010), and character scores.

A *case* (gold) and a *detection* (a tool's answer) are both an :class:`Alignment`: a span of a
suspicious document and the span of the source document it reuses. Read as sets of characters
(references into two documents), a detection ``r`` *detects* a case ``s`` when both concern the
same pair of documents and overlap in the suspicious document and in the source document; then
``s ⊓ r = s ∩ r``, else it is empty. With ``S`` the cases and ``R`` the detections:

* macro precision = mean over ``r ∈ R`` of ``|∪_s (s ⊓ r)| / |r|``;
* macro recall = mean over ``s ∈ S`` of ``|∪_r (s ⊓ r)| / |s|``;
* granularity = mean over the detected cases of how many detections detect each (1 is best);
* plagdet = F1(precision, recall) / log2(1 + granularity).

``|s|`` counts the characters of both spans. As in the reference evaluation scripts: with no
cases and no detections precision and recall are 1; with one side empty they are 0;
granularity is 1 when no case is detected.

The character scores are micro averages over the characters of suspicious spans only: which
share of the characters detected lies in a case, which share of the cases' characters is
detected, and, of the detected characters inside a case, which share cites that case's source
document (source accuracy).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import attrs


@attrs.frozen
class Alignment:
    """A suspicious span and the source span it reuses; code points, end-exclusive."""

    doc: str
    start: int
    end: int
    source: str
    source_start: int
    source_end: int

    @property
    def pair(self) -> tuple[str, str]:
        return self.doc, self.source

    @property
    def size(self) -> int:
        """Characters in both spans (``|s|``)."""
        return (self.end - self.start) + (self.source_end - self.source_start)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> tuple[int, int] | None:
    lo, hi = max(a0, b0), min(a1, b1)
    return (lo, hi) if lo < hi else None


def union_length(spans: Iterable[tuple[int, int]]) -> int:
    """Characters covered by the union of ``(start, end)`` spans.

    >>> union_length([(0, 5), (3, 8), (10, 12)])
    10
    """
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def detects(r: Alignment, s: Alignment) -> bool:
    """Whether detection ``r`` detects case ``s``: same documents, overlapping on both sides."""
    return (
        r.pair == s.pair
        and _overlap(r.start, r.end, s.start, s.end) is not None
        and _overlap(r.source_start, r.source_end, s.source_start, s.source_end) is not None
    )


def _shared(a: Alignment, others: Sequence[Alignment]) -> int:
    """``|∪_o (a ∩ o)|`` over ``others`` (each already known to detect or be detected by
    ``a``)."""
    here = [x for o in others if (x := _overlap(a.start, a.end, o.start, o.end))]
    there = [
        x
        for o in others
        if (x := _overlap(a.source_start, a.source_end, o.source_start, o.source_end))
    ]
    return union_length(here) + union_length(there)


def _by_pair(items: Iterable[Alignment]) -> dict[tuple[str, str], list[Alignment]]:
    out: dict[tuple[str, str], list[Alignment]] = defaultdict(list)
    for item in items:
        out[item.pair].append(item)
    return out


@attrs.frozen
class Scores:
    """PlagDet and its parts for one set of cases and detections."""

    cases: int
    detections: int
    detected_cases: int
    """Cases detected by at least one detection."""
    precision: float
    recall: float
    granularity: float
    plagdet: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "cases": self.cases,
            "detections": self.detections,
            "detected_cases": self.detected_cases,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "granularity": round(self.granularity, 4),
            "plagdet": round(self.plagdet, 4),
        }


def case_recalls(cases: Sequence[Alignment], detections: Sequence[Alignment]) -> list[float]:
    """``|∪_r (s ⊓ r)| / |s|`` for every case, in order."""
    pairs = _by_pair(d for d in detections if d.size)
    out = []
    for s in cases:
        found = [r for r in pairs.get(s.pair, ()) if detects(r, s)]
        out.append(_shared(s, found) / s.size if s.size else 0.0)
    return out


def score(cases: Sequence[Alignment], detections: Sequence[Alignment]) -> Scores:
    """PlagDet of ``detections`` against ``cases`` (detections of no characters are ignored).

    >>> case = Alignment("susp", 0, 100, "src", 0, 100)
    >>> half = Alignment("susp", 0, 50, "src", 0, 50)
    >>> s = score([case], [half, Alignment("susp", 50, 100, "src", 50, 100)])
    >>> s.precision, s.recall, s.granularity, round(s.plagdet, 4)
    (1.0, 1.0, 2.0, 0.6309)
    """
    detections = [d for d in detections if d.size]
    if not cases or not detections:
        empty = not cases and not detections
        value = 1.0 if empty else 0.0
        return Scores(len(cases), len(detections), 0, value, value, 1.0, value)
    case_pairs = _by_pair(cases)
    precisions = []
    for r in detections:
        hit = [s for s in case_pairs.get(r.pair, ()) if detects(r, s)]
        precisions.append(_shared(r, hit) / r.size)
    det_pairs = _by_pair(detections)
    recalls, counts = [], []
    for s in cases:
        found = [r for r in det_pairs.get(s.pair, ()) if detects(r, s)]
        recalls.append(_shared(s, found) / s.size if s.size else 0.0)
        if found:
            counts.append(len(found))
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    granularity = sum(counts) / len(counts) if counts else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        cases=len(cases),
        detections=len(detections),
        detected_cases=len(counts),
        precision=precision,
        recall=recall,
        granularity=granularity,
        plagdet=f1 / math.log2(1 + granularity),
    )


@attrs.frozen
class CharacterScores:
    """Micro averages over the characters of suspicious spans."""

    detected: int
    """Characters inside some detection's suspicious span."""
    gold: int
    """Characters inside some case's suspicious span."""
    correct: int
    """Characters in both."""
    right_source: int
    """Of ``correct``, those whose detection cites the case's source document."""

    @property
    def precision(self) -> float | None:
        return self.correct / self.detected if self.detected else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.gold if self.gold else None

    @property
    def source_accuracy(self) -> float | None:
        return self.right_source / self.correct if self.correct else None

    def to_json(self) -> dict[str, float | int | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "detected_chars": self.detected,
            "gold_chars": self.gold,
            "char_precision": r(self.precision),
            "char_recall": r(self.recall),
            "source_accuracy": r(self.source_accuracy),
        }


def character_scores(
    cases: Sequence[Alignment], detections: Sequence[Alignment]
) -> CharacterScores:
    """Character precision, recall and source accuracy on the suspicious side.

    >>> case = Alignment("susp", 10, 20, "src", 0, 10)
    >>> c = character_scores([case], [Alignment("susp", 15, 25, "other", 0, 10)])
    >>> c.precision, c.recall, c.source_accuracy
    (0.5, 0.5, 0.0)
    """
    gold_by_doc: dict[str, list[Alignment]] = defaultdict(list)
    for s in cases:
        gold_by_doc[s.doc].append(s)
    det_by_doc: dict[str, list[Alignment]] = defaultdict(list)
    for r in detections:
        det_by_doc[r.doc].append(r)
    detected = gold = correct = right = 0
    for doc in set(gold_by_doc) | set(det_by_doc):
        golds = [(s.start, s.end) for s in gold_by_doc.get(doc, ())]
        dets = [(r.start, r.end) for r in det_by_doc.get(doc, ())]
        detected += union_length(dets)
        gold += union_length(golds)
        correct += union_length(
            x for d in dets for g in golds if (x := _overlap(d[0], d[1], g[0], g[1]))
        )
        right += union_length(
            x
            for r in det_by_doc.get(doc, ())
            for s in gold_by_doc.get(doc, ())
            if r.source == s.source and (x := _overlap(r.start, r.end, s.start, s.end))
        )
    return CharacterScores(detected, gold, correct, right)
