"""Settle the removals: restore any removal whose source did not survive, and join neighbouring
removals into the spans that are written out.

Removals are decided block by block, so a copy may cite text that is itself removed (the source
of a source, or a passage cut by a removal); the contract is that every removed duplicate points
at text in the cleaned corpus, which :func:`settle` restores until it holds. :func:`merge_removals`
then joins neighbouring removals of one reason and source where the joined source still survives.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from dedupe_docs.stages.decide import BOILERPLATE, KEEP, Units


@attrs.frozen(eq=False)
class Spans:
    """Maximal kept spans per document: a run of kept units with no removal between them."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @staticmethod
    def concat(parts: Sequence[Spans]) -> Spans:
        return Spans(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(Spans))
        )


def kept_spans(units: Units) -> Spans:
    kept = units.reason == KEEP
    idx = np.flatnonzero(kept)
    if len(idx) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty, empty, empty)
    new = np.ones(len(idx), dtype=bool)
    new[1:] = (idx[1:] != idx[:-1] + 1) | (units.doc[idx[1:]] != units.doc[idx[:-1]])
    first, last = idx[new], idx[np.append(new[1:], True)]
    return Spans(units.doc[first], units.start[first], units.end[last])


def _survives(
    spans: Spans, doc: np.ndarray, start: np.ndarray, end: np.ndarray, doc_base: np.ndarray
) -> np.ndarray:
    """Whether each ``[start, end)`` of ``doc`` lies inside one kept span."""
    if len(spans.doc) == 0:
        return np.zeros(len(doc), dtype=bool)
    keys = doc_base[spans.doc] + spans.start
    query = doc_base[np.maximum(doc, 0)] + start
    i = np.searchsorted(keys, query, side="right") - 1
    safe = np.maximum(i, 0)
    return (i >= 0) & (spans.doc[safe] == doc) & (spans.end[safe] >= end)


def settle(
    units: Units,
    doc_lengths: np.ndarray,
    schedule: np.ndarray | None = None,
    restored: np.ndarray | None = None,
    earlier: Spans | None = None,
) -> tuple[Units, Spans]:
    """Restore removals whose source does not survive inside one kept span, until none is left.

    Restoring only adds kept text, so the loop ends; the result satisfies the contract's
    invariant that every removed duplicate points at text in the cleaned corpus. Without a
    ``schedule`` one round does it: a source that survives keeps surviving as text is restored.
    ``earlier`` adds the kept spans of documents before ``units`` that sources may lie in, as
    they were before any settling (restored text would let a source split by a removal
    survive, which the joint round does not).

    A persisted index replays earlier batches: ``schedule`` pins units to their recorded
    history (per unit: -2 where the rules apply, else the round from which it is kept, -1 for
    never), and ``restored`` receives each unit's own history (0: kept from the start).
    """
    doc_base = np.concatenate(([0], np.cumsum(doc_lengths + 1)))
    reason = units.reason.copy()
    units = attrs.evolve(units, reason=reason)
    pinned = np.flatnonzero(schedule >= -1) if schedule is not None else np.zeros(0, np.int64)
    when = schedule[pinned] if schedule is not None else pinned
    last = int(when.max(initial=0))
    history = np.where(reason == KEEP, 0, -1)
    rounds = 0
    while True:
        reason[pinned] = np.where((when >= 0) & (when <= rounds), KEEP, BOILERPLATE)
        spans = kept_spans(units)
        sourced = np.flatnonzero(units.src_doc >= 0)
        sourced = sourced[reason[sourced] != KEEP]
        ok = _survives(
            spans if earlier is None else Spans.concat([earlier, spans]),
            units.src_doc[sourced],
            units.src_start[sourced],
            units.src_end[sourced],
            doc_base,
        )
        lost = sourced[~ok]
        if len(lost) == 0 and rounds >= last:
            if restored is not None:
                restored[:] = history
            return units, spans
        reason[lost] = KEEP
        rounds += 1
        history[lost] = rounds


def merge_removals(units: Units, spans: Spans, doc_lengths: np.ndarray) -> Units:
    """Join neighbouring removals of one reason and one source document, where the joined source
    still lies inside one kept span. Returns only the removals, sorted."""
    removed = units.take(np.flatnonzero(units.reason != KEEP))
    rows = np.flatnonzero(units.reason != KEEP)
    if len(rows) == 0:
        return removed
    doc_base = np.concatenate(([0], np.cumsum(doc_lengths + 1)))
    joins = np.zeros(len(rows), dtype=bool)
    joins[1:] = (
        (rows[1:] == rows[:-1] + 1)
        & (removed.doc[1:] == removed.doc[:-1])
        & (removed.reason[1:] == removed.reason[:-1])
        & (removed.rule[1:] == removed.rule[:-1])
        & (removed.src_doc[1:] == removed.src_doc[:-1])
    )
    group = np.cumsum(~joins) - 1
    first = np.flatnonzero(~joins)
    src_start = np.minimum.reduceat(removed.src_start, first)
    src_end = np.maximum.reduceat(removed.src_end, first)
    sourced = removed.src_doc[first] >= 0
    ok = ~sourced | _survives(spans, removed.src_doc[first], src_start, src_end, doc_base)
    single = ~ok[group]  # groups whose joined source would not survive stay apart
    joins &= ~single
    group = np.cumsum(~joins) - 1
    first = np.flatnonzero(~joins)
    n = len(first)
    length = (removed.end - removed.start).astype(np.float64)
    weight = np.bincount(group, weights=length, minlength=n)
    sim = np.bincount(group, weights=np.nan_to_num(removed.similarity) * length, minlength=n)
    similarity = np.where(
        removed.src_doc[first] >= 0, np.round(sim / np.maximum(weight, 1), 4), np.nan
    )
    return Units(
        removed.doc[first],
        removed.start[first],
        np.maximum.reduceat(removed.end, first),
        removed.reason[first],
        removed.src_doc[first],
        np.minimum.reduceat(removed.src_start, first),
        np.maximum.reduceat(removed.src_end, first),
        similarity,
        removed.rule[first],
    )
