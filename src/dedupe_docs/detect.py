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
from numba import njit


def align(
    first: np.ndarray,
    doc_offsets: np.ndarray,
    token_hashes: np.ndarray,
    blocks: tuple[np.ndarray, np.ndarray],
    *,
    k: int,
    min_tokens: int,
    max_gap: int,
    keep: str = "first",
) -> np.ndarray:
    """Source token of every corpus token (``-1`` where it repeats nothing).

    ``first`` holds, per token, the token where the shingle starting there first occurs (the
    token itself when it is the first, or starts no shingle); ``doc_offsets`` the first token of
    each document (plus the total at the end); ``token_hashes`` lets passages grow token by
    token past their outermost shingles; ``blocks`` holds the first and end token of every
    non-empty block, ascending. With ``keep="longest"`` a passage whose later copy spans more
    tokens is turned around, so the later, more complete copy is the one that survives.
    """
    total = int(doc_offsets[-1])
    aligned = np.full(total, -1, dtype=np.int64)
    tp = np.flatnonzero(first != np.arange(total))
    if len(tp) == 0:
        return aligned
    sp = first[tp]
    diag = sp - tp
    new_run = np.ones(len(tp), dtype=bool)
    new_run[1:] = (tp[1:] != tp[:-1] + 1) | (diag[1:] != diag[:-1])
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], len(tp)) - 1
    t_start, s_start = tp[run_first], sp[run_first]
    t_end = tp[run_last] + k
    s_end = sp[run_last] + k
    t_doc = np.searchsorted(doc_offsets, t_start, side="right") - 1
    s_doc = np.searchsorted(doc_offsets, s_start, side="right") - 1
    # A lone matching shingle is too weak to start a passage: it counts only beside a run of
    # the same source on (almost) the same diagonal, as between the typos of a noisy copy.
    long_enough = (t_end - t_start) >= min(k + 1, min_tokens)
    near = np.zeros(len(run_first), dtype=bool)
    if len(run_first) > 1:
        close = (
            (t_doc[1:] == t_doc[:-1])
            & (s_doc[1:] == s_doc[:-1])
            & (np.abs(np.diff(s_start - t_start)) <= 2)
            & (t_start[1:] - t_end[:-1] <= max_gap)
        )
        near[1:] |= close & long_enough[:-1]
        near[:-1] |= close & long_enough[1:]
    # A run whose source overlaps its own target is periodic text ("ha ha ha"), not a copy.
    self_overlap = (t_doc == s_doc) & (s_end > t_start)
    useful = (long_enough | near) & ~self_overlap
    table = np.stack([t_doc, s_doc, t_start, t_end, s_start, s_end], axis=1)[useful]
    run_chain, strength, first_segment, last_segment, closed = _chain(table, max_gap, k)
    order = np.argsort(run_chain, kind="stable")  # runs grouped by passage, in target order
    runs = np.ascontiguousarray(table[order, 2:])
    bounds = np.searchsorted(run_chain[order], np.arange(len(strength) + 1))
    strength = _extend(
        runs,
        bounds,
        strength,
        first_segment,
        last_segment,
        token_hashes,
        doc_offsets,
        *blocks,
        min_tokens,
        max_gap,
    )
    strong = np.flatnonzero(strength >= min_tokens)
    # Stronger passages are marked last, so they win where two overlap; ties in closing order.
    strong = strong[np.lexsort((closed[strong], strength[strong]))]
    _mark(aligned, runs, bounds, strong, keep == "longest")
    if keep == "longest":
        _follow(aligned)
    return aligned


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


# The kernels below are compiled with Numba: a passage is a handful of runs, and a Python loop
# over millions of them was half the run time. A run is a row of (target start, target end,
# source start, source end) token indices; a passage's runs are a slice of the runs array.


@njit(cache=True)
def _chain(table, max_gap, overlap):  # type: ignore[no-untyped-def]
    """Greedy chaining of runs (rows ``t_doc, s_doc, ts, te, ss, se`` in target order) into
    passages.

    Returns the passage of every run and, per passage, its strength, first and last segment
    and the order in which it was closed. Strength is the largest number of tokens aligned
    without inserted text in between: two short quotes with a comment between them are not one
    long passage, but a long copy with a sentence inserted still is. The first and last
    segments are what edge extension may lengthen.
    """
    n = table.shape[0]
    run_chain = np.empty(n, dtype=np.int64)
    strength = np.empty(n, dtype=np.int64)
    first_segment = np.empty(n, dtype=np.int64)
    last_segment = np.empty(n, dtype=np.int64)
    closed = np.empty(n, dtype=np.int64)
    # The passages still open, in the order they were opened.
    ids = np.empty(n, dtype=np.int64)
    s_docs = np.empty(n, dtype=np.int64)
    t_ends = np.empty(n, dtype=np.int64)
    s_ends = np.empty(n, dtype=np.int64)
    segment = np.empty(n, dtype=np.int64)
    best_run = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    in_first = np.empty(n, dtype=np.bool_)
    n_open = n_chains = n_closed = 0
    current_doc = -1
    for r in range(n + 1):
        t_doc = table[r, 0] if r < n else -2
        ts = table[r, 2] if r < n else 0
        # Close the passages of an earlier document, or too far behind this run.
        kept = 0
        for j in range(n_open):
            if t_doc == current_doc and ts - t_ends[j] <= max_gap:
                ids[kept], s_docs[kept], t_ends[kept], s_ends[kept] = (
                    ids[j],
                    s_docs[j],
                    t_ends[j],
                    s_ends[j],
                )
                segment[kept], best_run[kept] = segment[j], best_run[j]
                first[kept], in_first[kept] = first[j], in_first[j]
                kept += 1
            else:
                c = ids[j]
                strength[c], first_segment[c], last_segment[c] = best_run[j], first[j], segment[j]
                closed[c] = n_closed
                n_closed += 1
        n_open = kept
        if r == n:
            break
        current_doc = t_doc
        s_doc, te, ss, se = table[r, 1], table[r, 3], table[r, 4], table[r, 5]
        best, best_skew = -1, max_gap + 1
        for j in range(n_open):
            if s_docs[j] != s_doc:
                continue
            t_gap, s_gap = ts - t_ends[j], ss - s_ends[j]
            skew = abs(t_gap - s_gap)
            if s_gap > max_gap or s_gap < -overlap or skew > max_gap:
                continue  # too far, or back in the source (a phrase that occurs twice there)
            if skew < best_skew:
                best, best_skew = j, skew
        if best < 0:
            j = n_open
            n_open += 1
            ids[j], s_docs[j], t_ends[j], s_ends[j] = n_chains, s_doc, te, se
            segment[j] = best_run[j] = first[j] = te - ts
            in_first[j] = True
            run_chain[r] = n_chains
            n_chains += 1
            continue
        j = best
        t_gap, s_gap = ts - t_ends[j], ss - s_ends[j]
        added = te - max(ts, t_ends[j])
        if t_gap > max(s_gap, 0) + 2:  # inserted text: a new segment starts
            segment[j], in_first[j] = added, False
        else:
            segment[j] += added + max(t_gap, 0)
        if in_first[j]:
            first[j] = segment[j]
        best_run[j] = max(best_run[j], segment[j])
        t_ends[j], s_ends[j] = max(t_ends[j], te), max(s_ends[j], se)
        run_chain[r] = ids[j]
    return (
        run_chain,
        strength[:n_chains],
        first_segment[:n_chains],
        last_segment[:n_chains],
        closed[:n_chains],
    )


@njit(cache=True)
def _extend(  # type: ignore[no-untyped-def]
    runs,
    bounds,
    strength,
    first_segment,
    last_segment,
    hashes,
    doc_offsets,
    block_starts,
    block_ends,
    min_tokens,
    limit,
):
    """Grow each passage past its outermost shingles while tokens match, stepping over single
    mismatched tokens (typos near the edges of a copy); return each passage's strength.

    A passage too weak on its own still counts when it copies whole source blocks: a copy of
    whole blocks with a sentence inserted is split into segments that may each be short.
    """
    out = strength.copy()
    for c in range(len(bounds) - 1):
        lo, hi = bounds[c], bounds[c + 1]
        ts, te, ss, se = runs[lo, 0], runs[lo, 1], runs[lo, 2], runs[lo, 3]
        t_doc = np.searchsorted(doc_offsets, ts, side="right") - 1
        s_doc = np.searchsorted(doc_offsets, ss, side="right") - 1
        t_lo, s_lo = doc_offsets[t_doc], doc_offsets[s_doc]
        back = 0
        while back < limit:
            if ts - 1 >= t_lo and ss - 1 >= s_lo and hashes[ts - 1] == hashes[ss - 1]:
                ts, ss, back = ts - 1, ss - 1, back + 1
            elif ts - 2 >= t_lo and ss - 2 >= s_lo and hashes[ts - 2] == hashes[ss - 2]:
                ts, ss, back = ts - 2, ss - 2, back + 2
            else:
                break
        runs[lo, 0], runs[lo, 2] = ts, ss
        first_ts = ts
        te, se = runs[hi - 1, 1], runs[hi - 1, 3]
        t_hi, s_hi = doc_offsets[t_doc + 1], doc_offsets[s_doc + 1]
        if s_doc == t_doc:
            s_hi = min(s_hi, first_ts)  # the source may not run into its own copy
        forward = 0
        while forward < limit:
            if te < t_hi and se < s_hi and hashes[te] == hashes[se]:
                te, se, forward = te + 1, se + 1, forward + 1
            elif te + 1 < t_hi and se + 1 < s_hi and hashes[te + 1] == hashes[se + 1]:
                te, se, forward = te + 2, se + 2, forward + 2
            else:
                break
        runs[hi - 1, 1], runs[hi - 1, 3] = te, se
        best = max(strength[c], first_segment[c] + back, last_segment[c] + forward)
        if best < min_tokens:
            total = _aligned_count(runs[lo:hi])
            if total >= min_tokens and _copies_whole_blocks(runs[lo:hi], block_starts, block_ends):
                best = total
        out[c] = best
    return out


@njit(cache=True)
def _aligned_count(runs):  # type: ignore[no-untyped-def]
    """Target tokens a passage aligns: its runs plus the small gaps bridged between them."""
    count = runs[0, 1] - runs[0, 0]
    prev_te, prev_se = runs[0, 1], runs[0, 3]
    for i in range(1, runs.shape[0]):
        ts, te, ss, se = runs[i, 0], runs[i, 1], runs[i, 2], runs[i, 3]
        if 0 < ts - prev_te <= ss - prev_se + 2:
            count += ts - prev_te
        count += te - max(ts, prev_te)
        prev_te, prev_se = max(prev_te, te), max(prev_se, se)
    return count


@njit(cache=True)
def _copies_whole_blocks(runs, starts, ends):  # type: ignore[no-untyped-def]
    """Whether the passage's source runs from the start of a block to the end of one (a
    quotation of a sentence or two out of a longer block is not a whole block)."""
    first, last = runs[:, 2].min(), runs[:, 3].max()
    i = np.searchsorted(starts, first, side="right") - 1
    j = np.searchsorted(starts, last - 1, side="right") - 1
    return i >= 0 and j >= 0 and first - starts[i] <= 2 and ends[j] - last <= 2


@njit(cache=True)
def _mark(aligned, runs, bounds, passages, longest):  # type: ignore[no-untyped-def]
    """Write each passage's token alignment, in the given order: runs one to one, small equal
    gaps as substitutions.

    Where passages overlap, a token keeps the alignment of the longer run: a third copy that
    shares its first words with the end of a second one still points at the first copy, not
    at the second one, which goes. With ``longest``, a passage whose later copy spans more
    tokens is turned around, so the later, more complete copy is the one that survives.
    """
    weight = np.zeros(len(aligned), dtype=np.int32)
    for c in passages:
        chain = runs[bounds[c] : bounds[c + 1]]
        target = chain[:, 1].max() - chain[:, 0].min()
        source = chain[:, 3].max() - chain[:, 2].min()
        if longest and target > source:
            turned = np.empty_like(chain)
            order = np.argsort(chain[:, 2], kind="mergesort")
            for i in range(len(order)):
                r = chain[order[i]]
                turned[i, 0], turned[i, 1], turned[i, 2], turned[i, 3] = r[2], r[3], r[0], r[1]
            chain = turned
        prev_te = prev_se = -1
        for i in range(chain.shape[0]):
            ts, te, ss, se = chain[i, 0], chain[i, 1], chain[i, 2], chain[i, 3]
            if i > 0:
                gap_t, gap_s = ts - prev_te, ss - prev_se
                if 0 < gap_t <= gap_s + 2:  # a substitution or deletion, not inserted text
                    for g in range(gap_t):
                        t = prev_te + g
                        if weight[t] == 0:
                            step = min(g, max(gap_s - 1, 0))
                            aligned[t] = prev_se + step if gap_s > 0 else prev_se - 1
                            weight[t] = 1
            length = te - ts
            for g in range(length):
                if weight[ts + g] <= length:
                    aligned[ts + g] = ss + g
                    weight[ts + g] = length
            if i == 0 or te >= prev_te:
                prev_te, prev_se = te, se
