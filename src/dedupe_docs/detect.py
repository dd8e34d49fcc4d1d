"""Seed → extend: align the tokens of later copies with the first occurrence of their text.

Every repeated shingle is a seed pointing at its first occurrence. Seeds whose source advances
with the target form a run (one diagonal); runs from the same source document are chained
across small gaps (a typo, a dropped or inserted sentence) into a passage. A passage that aligns
at least ``min_tokens`` tokens marks each aligned target token with its source token; scattered
common phrases never chain that far, so they align nothing. Verification happens per block, in
:mod:`dedupe_docs.decide`.
"""

from __future__ import annotations

import numpy as np


def align(
    positions: np.ndarray,
    sources: np.ndarray,
    doc_offsets: np.ndarray,
    *,
    k: int,
    min_tokens: int,
    max_gap: int,
    keep: str = "first",
) -> np.ndarray:
    """Source token of every corpus token (``-1`` where it repeats nothing).

    ``positions`` holds the global token index of each shingle's first token, ascending;
    ``sources`` the global token index of that shingle's first occurrence; ``doc_offsets`` the
    first global token index of each document (plus the total at the end). With
    ``keep="longest"`` a passage whose later copy spans more tokens is turned around, so the
    later, more complete copy is the one that survives.
    """
    total = int(doc_offsets[-1])
    aligned = np.full(total, -1, dtype=np.int64)
    seeds = np.flatnonzero(sources != positions)
    if len(seeds) == 0:
        return aligned
    tp, sp = positions[seeds], sources[seeds]
    diag = sp - tp
    new_run = np.ones(len(seeds), dtype=bool)
    new_run[1:] = (tp[1:] != tp[:-1] + 1) | (diag[1:] != diag[:-1])
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], len(seeds)) - 1
    t_start, s_start = tp[run_first], sp[run_first]
    t_end = tp[run_last] + k
    s_end = sp[run_last] + k
    t_doc = np.searchsorted(doc_offsets, t_start, side="right") - 1
    s_doc = np.searchsorted(doc_offsets, s_start, side="right") - 1
    # A lone matching shingle is too weak to join a passage, unless passages may be that short.
    long_enough = (t_end - t_start) >= min(k + 1, min_tokens)
    # A run whose source overlaps its own target is periodic text ("ha ha ha"), not a copy.
    self_overlap = (t_doc == s_doc) & (s_end > t_start)
    useful = long_enough & ~self_overlap
    runs = zip(
        t_doc[useful].tolist(),
        s_doc[useful].tolist(),
        t_start[useful].tolist(),
        t_end[useful].tolist(),
        s_start[useful].tolist(),
        s_end[useful].tolist(),
        strict=True,
    )
    chains = _chain(runs, max_gap)
    chains.sort(key=lambda c: c[0])  # stronger passages win where two overlap
    for strength, chain in chains:
        if strength < min_tokens:
            continue
        if keep == "longest" and _target_is_longer(chain):
            _mark(
                aligned, [(ss, se, ts, te) for ts, te, ss, se in sorted(chain, key=lambda r: r[2])]
            )
        else:
            _mark(aligned, chain)
    if keep == "longest":
        _follow(aligned)
    return aligned


def _target_is_longer(chain: list[Run]) -> bool:
    target = max(r[1] for r in chain) - min(r[0] for r in chain)
    source = max(r[3] for r in chain) - min(r[2] for r in chain)
    return target > source


def _follow(aligned: np.ndarray, rounds: int = 8) -> None:
    """Point tokens whose source was turned around at that source's own source."""
    for _ in range(rounds):
        has = np.flatnonzero(aligned >= 0)
        onward = aligned[aligned[has]]
        moved = onward >= 0
        if not moved.any():
            break
        aligned[has[moved]] = onward[moved]
    aligned[aligned == np.arange(len(aligned))] = -1


Run = tuple[int, int, int, int]  # target start, target end, source start, source end


def _chain(runs: object, max_gap: int) -> list[tuple[int, list[Run]]]:
    """Greedy chaining of runs (in target order) into passages.

    Returns ``(strength, runs)`` per passage, where strength is the largest number of tokens
    aligned without inserted text in between: two short quotes with a comment between them are
    not one long passage, but a long copy with a sentence inserted still is.
    """
    done: list[tuple[int, list[Run]]] = []
    active: list[list] = []  # [source doc, target end, source end, runs, segment, strength]
    current_doc = -1
    for t_doc, s_doc, ts, te, ss, se in runs:  # type: ignore[attr-defined]
        if t_doc != current_doc:
            done.extend((c[5], c[3]) for c in active)
            active, current_doc = [], t_doc
        still = []
        for c in active:
            if ts - c[1] <= max_gap:
                still.append(c)
            else:
                done.append((c[5], c[3]))
        active = still
        best, best_skew = None, max_gap + 1
        for c in active:
            if c[0] != s_doc:
                continue
            t_gap, s_gap = ts - c[1], ss - c[2]
            skew = abs(t_gap - s_gap)
            if s_gap > max_gap or s_gap < -max_gap or skew > max_gap:
                continue
            if skew < best_skew:
                best, best_skew = c, skew
        if best is None:
            active.append([s_doc, te, se, [(ts, te, ss, se)], te - ts, te - ts])
            continue
        t_gap, s_gap = ts - best[1], ss - best[2]
        added = te - max(ts, best[1])
        if t_gap > s_gap + 2:  # inserted text: a new segment starts
            best[4] = added
        else:
            best[4] += added + max(t_gap, 0)
        best[5] = max(best[5], best[4])
        best[1], best[2] = max(best[1], te), max(best[2], se)
        best[3].append((ts, te, ss, se))
    done.extend((c[5], c[3]) for c in active)
    return done


def _mark(aligned: np.ndarray, chain: list[Run]) -> None:
    """Write a passage's token alignment: runs one to one, small equal gaps as substitutions."""
    prev: Run | None = None
    for ts, te, ss, se in chain:
        if prev is not None:
            gap_t, gap_s = ts - prev[1], ss - prev[3]
            if 0 < gap_t <= gap_s + 2:  # a substitution or deletion, not inserted text
                steps = np.minimum(np.arange(gap_t), max(gap_s - 1, 0))
                aligned[prev[1] : ts] = prev[3] + steps if gap_s > 0 else prev[3] - 1
        aligned[ts:te] = np.arange(ss, se)
        prev = (ts, te, ss, se) if prev is None or te >= prev[1] else prev
