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
    units = attrs.evolve(
        units,
        reason=reason,
        start=units.start.copy(),
        end=units.end.copy(),
        src_start=units.src_start.copy(),
        src_end=units.src_end.copy(),
    )
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
        surviving = spans if earlier is None else Spans.concat([earlier, spans])
        ok = _survives(
            surviving,
            units.src_doc[sourced],
            units.src_start[sourced],
            units.src_end[sourced],
            doc_base,
        )
        lost = sourced[~ok]
        free = lost if schedule is None else lost[schedule[lost] == -2]
        if len(free) and _trim(units, free, surviving, doc_base).any():
            continue  # trimmed: the kept spans grew, and what survives is found again
        if len(lost) == 0 and rounds >= last:
            if restored is not None:
                restored[:] = history
            return units, spans
        reason[lost] = KEEP
        rounds += 1
        history[lost] = rounds


TRIMMED_CHARS = 100
"""Characters a removal must keep of a source that survives only in part to be trimmed to it,
rather than restored whole."""


def _trim(units: Units, rows: np.ndarray, spans: Spans, doc_base: np.ndarray) -> np.ndarray:
    """Trim removals ``rows`` whose source survives only at one end to that end; returns which
    were. A copy of a line that a removed copy starts (``P1 Q``, where ``P1`` went as a copy of
    an earlier page and ``Q`` stays) cites the text that survives (``Q``) and goes, where
    restoring it whole would keep ``Q`` twice; what is trimmed off joins the kept unit beside
    it (none there: restored whole). Only a copy equal to its source word for word
    (similarity 1) and as long as it but for a mark or two at its end is trimmed, so that an
    offset from its start is the same in both."""
    out = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0 or len(spans.doc) == 0:
        return out
    keys = doc_base[spans.doc] + spans.start
    for i, u in enumerate(rows.tolist()):
        s_doc, ss, se = int(units.src_doc[u]), int(units.src_start[u]), int(units.src_end[u])
        if (
            units.similarity[u] != 1.0
            or abs(int(units.end[u]) - int(units.start[u]) - (se - ss)) > 2
        ):
            continue
        for at in (se - 1, ss):  # the span that holds the source's last, or first, character
            k = int(np.searchsorted(keys, doc_base[s_doc] + at, side="right")) - 1
            if k < 0 or spans.doc[k] != s_doc or not spans.start[k] <= at < spans.end[k]:
                continue
            k_start, k_end = max(int(spans.start[k]), ss), min(int(spans.end[k]), se)
            # What is trimmed off joins the kept unit beside it, which must be there.
            beside = u - 1 if k_start > ss else u + 1
            if k_end - k_start < TRIMMED_CHARS or not _kept_beside(units, u, beside):
                continue
            if k_end < se:
                units.end[u] = units.start[u] + k_end - ss
                units.start[beside] = units.end[u]
            else:
                units.start[u] += k_start - ss
                units.end[beside] = units.start[u]
            units.src_start[u], units.src_end[u] = k_start, k_end
            out[i] = True
            break
    return out


def _kept_beside(units: Units, u: int, v: int) -> bool:
    """Whether unit ``v`` is a kept unit of ``u``'s document."""
    return 0 <= v < len(units.doc) and units.doc[v] == units.doc[u] and units.reason[v] == KEEP


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
