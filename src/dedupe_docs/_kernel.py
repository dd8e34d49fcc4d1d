"""Compiled tokeniser (Numba), used when the ``fast`` extra is installed.

It does in one pass over the code points what :func:`dedupe_docs.normalize.tokenize` does with
a few dozen NumPy passes, and gives the same result bit for bit (a test checks it on hostile
text). Compiled functions are cached on disk, so only the first run pays for compiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SEPARATOR, _WORD, _CHAR_TOKEN, _MARK = 0, 1, 2, 3


@njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def tokenize_kernel(
    cps, kinds_t, values_t, digits_t, astral, astral_kinds, astral_values, astral_digits, powers
):  # type: ignore[no-untyped-def]
    n = len(cps)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    exact = np.empty(n, dtype=np.uint64)
    top = np.uint64(len(powers) - 1)
    m = 0
    in_token = False
    prev_eff = _SEPARATOR
    start = 0
    total = np.uint64(0)
    count = np.uint64(0)
    ex_total = np.uint64(0)
    ex_count = np.uint64(0)
    last = np.uint64(0)
    for i in range(n + 1):
        if i < n:
            cp = cps[i]
            if cp <= 0xFFFF:
                k, v, dg = kinds_t[cp], values_t[cp], digits_t[cp]
            else:
                j = np.searchsorted(astral, cp)
                k, v, dg = astral_kinds[j], astral_values[j], astral_digits[j]
        else:
            k, v, dg = _SEPARATOR, np.uint64(0), np.uint64(0)
        if k == _SEPARATOR:
            boundary = in_token
        else:
            boundary = in_token and (k == _CHAR_TOKEN or (k == _WORD and prev_eff == _CHAR_TOKEN))
        if boundary or (k != _SEPARATOR and not in_token):
            if in_token and count > 0:
                h = _mix(total ^ count)
                starts[m], ends[m] = start, i
                hashes[m] = h if h != 0 else np.uint64(1)
                e = _mix(ex_total ^ ex_count)
                exact[m] = e if e != 0 else np.uint64(1)
                m += 1
            in_token = k != _SEPARATOR
            start = i
            total = np.uint64(0)
            count = np.uint64(0)
            ex_total = np.uint64(0)
            ex_count = np.uint64(0)
            first = True
        else:
            first = False
        if k == _SEPARATOR:
            prev_eff = _SEPARATOR
            continue
        if v != 0:
            repeat = (not first) and v == last
            if not repeat:
                total += v * powers[min(count, top)]
                count += np.uint64(1)
            if dg != 0 or not repeat:
                ex_total += (dg if dg != 0 else v) * powers[min(ex_count, top)]
                ex_count += np.uint64(1)
        last = v
        if k != _MARK:
            prev_eff = k
        elif prev_eff == _SEPARATOR:
            prev_eff = _WORD
    return starts[:m], ends[:m], hashes[:m], exact[:m]


@njit(cache=True)
def lines_kernel(cps, layout_t):  # type: ignore[no-untyped-def]
    """``[start, end)`` of every non-blank line, trimmed (layout: 1 space, 2 line break)."""
    n = len(cps)
    out = np.empty((n // 2 + 1, 2), dtype=np.int64)
    m = 0
    first = -1
    last = -1
    for i in range(n):
        cp = cps[i]
        kind = layout_t[cp] if cp <= 0xFFFF else 0
        if kind == 0:
            if first < 0:
                first = i
            last = i
        elif kind == 2 and first >= 0:
            out[m, 0], out[m, 1] = first, last + 1
            m += 1
            first = -1
    if first >= 0:
        out[m, 0], out[m, 1] = first, last + 1
        m += 1
    return out[:m].copy()


@njit(cache=True)
def first_occurrences_kernel(hashes):  # type: ignore[no-untyped-def]
    """First position of every hash, in one pass over an open-addressing table of positions."""
    n = len(hashes)
    size = 1
    while size < n + n // 2 + 1:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    for i in range(n):
        h = hashes[i]
        slot = (h ^ (h >> np.uint64(32))) & mask
        while True:
            j = table[slot]
            if j < 0:
                table[slot] = i
                first[i] = i
                break
            if hashes[j] == h:
                first[i] = j
                break
            slot = (slot + np.uint64(1)) & mask
    return first


@njit(cache=True)
def _doc_of(doc_tokens, token):  # type: ignore[no-untyped-def]
    """The document holding ``token`` (``doc_tokens``: where each document's tokens start)."""
    return np.searchsorted(doc_tokens, token, side="right") - 1


@njit(cache=True)
def block_copies_kernel(  # type: ignore[no-untyped-def]
    aligned, tok_exact, tok_start, tok_end, doc_tokens, blk_t0, blk_t1
):
    """Per block: how many of its tokens are aligned, and the source span (document, start,
    end) where the block is an exact copy, else -1.

    An exact copy has every token aligned, in order, to consecutive tokens equal with digits
    kept, all in one document and not overlapping the block itself. One pass over the tokens
    replaces a handful of corpus-wide NumPy passes (prefix sums, gathers, comparisons).
    """
    n = len(blk_t0)
    covered = np.zeros(n, dtype=np.int64)
    src_doc = np.full(n, -1, dtype=np.int64)
    src_start = np.full(n, -1, dtype=np.int64)
    src_end = np.full(n, -1, dtype=np.int64)
    for k in range(n):
        a, b = blk_t0[k], blk_t1[k]
        count = 0
        exact = b > a
        for i in range(a, b):
            j = aligned[i]
            if j < 0:
                exact = False
                continue
            count += 1
            if exact and (tok_exact[j] != tok_exact[i] or (i > a and j != aligned[i - 1] + 1)):
                exact = False
        covered[k] = count
        if not exact:
            continue
        first, last = aligned[a], aligned[b - 1]
        if last >= a and first < b:
            continue  # a block cannot repeat itself
        d = _doc_of(doc_tokens, first)
        if _doc_of(doc_tokens, last) == d:
            src_doc[k], src_start[k], src_end[k] = d, tok_start[first], tok_end[last]
    return covered, src_doc, src_start, src_end


@njit(cache=True)
def span_tokens_kernel(tok_start, aligned, t0, t1, starts, ends):  # type: ignore[no-untyped-def]
    """Token range ``[first, last)`` of each character span ``[start, end)`` inside the tokens
    ``t0..t1`` of its block (the tokens starting in the span), and how many are aligned."""
    n = len(starts)
    first = np.empty(n, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)
    covered = np.zeros(n, dtype=np.int64)
    for k in range(n):
        block = tok_start[t0[k] : t1[k]]
        first[k] = t0[k] + np.searchsorted(block, starts[k])
        last[k] = t0[k] + np.searchsorted(block, ends[k])
        for i in range(first[k], last[k]):
            if aligned[i] >= 0:
                covered[k] += 1
    return first, last, covered


@njit(cache=True)
def copy_sources_kernel(  # type: ignore[no-untyped-def]
    aligned, tok_start, tok_end, doc_tokens, doc, t0, t1
):
    """The source of each request: tokens ``t0..t1`` of document ``doc``.

    The source document is the one most aligned tokens point into (the first one on a tie);
    its tokens, sorted and unique, give the source span (document, start, end) and the runs of
    consecutive tokens, as character spans ``piece_start``/``piece_end`` (those of request
    ``k`` at ``piece_at[k]:piece_at[k + 1]``). The document is -1 where no token is aligned or
    the source overlaps the request itself (a passage cannot repeat itself).
    """
    n = len(doc)
    src_doc = np.full(n, -1, dtype=np.int64)
    src_start = np.full(n, -1, dtype=np.int64)
    src_end = np.full(n, -1, dtype=np.int64)
    piece_at = np.zeros(n + 1, dtype=np.int64)
    width = 0
    for k in range(n):
        width = max(width, t1[k] - t0[k])
    piece_start = np.empty(2 * n + 16, dtype=np.int64)  # doubled when full
    piece_end = np.empty_like(piece_start)
    sources = np.empty(width, dtype=np.int64)
    docs = np.empty(width, dtype=np.int64)
    pieces = 0
    d = 0  # the document of the last source token: most runs stay in one
    for k in range(n):
        a, b = t0[k], t1[k]
        count = 0
        for i in range(a, b):
            j = aligned[i]
            if j >= 0:
                if not doc_tokens[d] <= j < doc_tokens[d + 1]:
                    d = _doc_of(doc_tokens, j)
                sources[count], docs[count] = j, d
                count += 1
        if count == 0:
            piece_at[k + 1] = pieces
            continue
        m = _majority(docs[:count])
        kept = 0
        increasing = True
        for i in range(count):
            if docs[i] == m:
                increasing = increasing and (kept == 0 or sources[i] > sources[kept - 1])
                sources[kept] = sources[i]
                kept += 1
        tokens = sources[:kept] if increasing else np.unique(sources[:kept])
        if m == doc[k] and tokens[-1] >= a and tokens[0] < b:
            piece_at[k + 1] = pieces
            continue
        src_doc[k], src_start[k], src_end[k] = m, tok_start[tokens[0]], tok_end[tokens[-1]]
        run = tokens[0]
        for i in range(1, len(tokens) + 1):
            if i == len(tokens) or tokens[i] != tokens[i - 1] + 1:
                if pieces == len(piece_start):
                    piece_start = np.concatenate((piece_start, np.empty_like(piece_start)))
                    piece_end = np.concatenate((piece_end, np.empty_like(piece_end)))
                piece_start[pieces], piece_end[pieces] = tok_start[run], tok_end[tokens[i - 1]]
                pieces += 1
                if i < len(tokens):
                    run = tokens[i]
        piece_at[k + 1] = pieces
    return src_doc, src_start, src_end, piece_at, piece_start[:pieces], piece_end[:pieces]


@njit(cache=True)
def _majority(values):  # type: ignore[no-untyped-def]
    """The most frequent value, the smallest one on a tie (what ``np.unique`` and ``argmax``
    give); the common case of one value costs one pass and no sort."""
    for value in values:
        if value != values[0]:
            break
    else:
        return values[0]
    ordered = np.sort(values)
    best, best_count, run = ordered[0], 0, 0
    for i in range(len(ordered)):
        run = run + 1 if i > 0 and ordered[i] == ordered[i - 1] else 1
        if run > best_count:
            best, best_count = ordered[i], run
    return best
