"""The compiled kernels of the stages (Numba): loops over tokens, runs and blocks that NumPy
cannot express without a Python loop.

The tokeniser does in one pass over the code points what
:func:`dedupe_docs.stages.normalize.tokenize_numpy` does with a few dozen NumPy passes; the line
splitter and the first-occurrence table also have NumPy references (used when
``DEDUPE_DOCS_PURE_NUMPY`` is set). Each kernel is tested against a reference that gives the same
result bit for bit (tests/test_kernel.py, test_detect.py, test_decide.py). Compiled functions are
cached on disk, so only the first run pays for compiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SEPARATOR, _WORD, _CHAR_TOKEN, _MARK = 0, 1, 2, 3


# Sign and index (dedupe_docs.stages.normalize, segment, index).


@njit(cache=True, nogil=True)
def _mix(x: np.uint64) -> np.uint64:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def sentence_opens_kernel(cps, starts, ends, block_first, classes):  # type: ignore[no-untyped-def]
    """:func:`dedupe_docs.stages.sign.sentence_opens` and then
    :func:`~dedupe_docs.stages.sign.counted_sentences`, in one pass over the gaps between
    tokens (the characters a stop can stand in), not over every character. ``classes`` holds
    the ``STOP_CHAR``, ``CLOSER_CHAR``, ``WIDE_STOP_CHAR``, ``SPACE_CHAR`` and ``EDGE_CHAR``
    bits of each code point of the Basic Multilingual Plane (none of them lies beyond)."""
    n, m = len(starts), len(cps)
    opens = np.zeros(n, dtype=np.uint8)
    for i in range(1, n):
        bits = MAY_OPEN if starts[i] - ends[i - 1] >= EDGE_CHARS else 0
        for p in range(ends[i - 1], starts[i]):
            kind = _char_class(cps[p], classes)
            if kind & EDGE_CHAR:
                bits |= MAY_OPEN
            if bits & SENTENCE_OPENS:
                continue
            if kind & WIDE_STOP_CHAR:
                bits |= SENTENCE_OPENS
            elif kind & STOP_CHAR:
                q = p + 1
                while q < m and _char_class(cps[q], classes) & CLOSER_CHAR:
                    q += 1
                if q >= m or _char_class(cps[q], classes) & SPACE_CHAR:
                    bits |= SENTENCE_OPENS
        opens[i] = bits
    for b in block_first:
        if b < n:
            opens[b] |= SENTENCE_OPENS | MAY_OPEN
    if n:
        opens[0] |= SENTENCE_OPENS | MAY_OPEN
        opens[n - 1] |= MAY_CLOSE
    first = 0
    for i in range(1, n + 1):
        if i < n and opens[i] & MAY_OPEN:
            opens[i - 1] |= MAY_CLOSE
        if i == n or opens[i] & SENTENCE_OPENS:
            size = i - first
            counted = size >= SHORT_LINE_TOKENS and size < SHORT_SENTENCE_TOKENS
            if counted and ends[i - 1] - starts[first] >= FRAGMENT_CHARS:
                opens[first] |= COUNTED
            first = i
    return opens


@njit(cache=True, inline="always")
def _char_class(c, classes):  # type: ignore[no-untyped-def]
    return classes[c] if c < len(classes) else 0


STOP_CHAR, CLOSER_CHAR, WIDE_STOP_CHAR, SPACE_CHAR, EDGE_CHAR = 1, 2, 4, 8, 16
"""The bits of a character's class for :func:`sentence_opens_kernel`."""


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def sign_columns_kernel(starts, ends, hashes, blocks, doc_char, k, multipliers):  # type: ignore[no-untyped-def]
    """The per-document columns of a signed batch from its joined-text tokens and blocks, in
    one merge pass each: where each document's tokens and blocks start, token and block
    offsets made relative to their document, each block's token range, and the hash of the
    ``k`` tokens starting at each token (0 where they would leave its document)."""
    n, nd, nb = len(starts), len(doc_char), blocks.shape[0]
    doc_tokens = np.empty(nd + 1, np.int64)
    doc_blocks = np.empty(nd + 1, np.int64)
    i = 0
    j = 0
    for d in range(nd):
        while i < n and starts[i] < doc_char[d]:
            i += 1
        doc_tokens[d] = i
        while j < nb and blocks[j, 0] < doc_char[d]:
            j += 1
        doc_blocks[d] = j
    doc_tokens[nd] = n
    doc_blocks[nd] = nb
    tok_start = np.empty(n, np.int32)
    tok_end = np.empty(n, np.int32)
    shingles = np.zeros(n, np.uint64)
    for d in range(nd):
        lo, hi, base = doc_tokens[d], doc_tokens[d + 1], doc_char[d]
        for t in range(lo, hi):
            tok_start[t] = starts[t] - base
            tok_end[t] = ends[t] - base
        for t in range(lo, hi - k + 1):
            acc = np.uint64(0)
            for m in range(k):
                acc += hashes[t + m] * multipliers[m]
            w = _mix(acc)
            shingles[t] = w if w != 0 else np.uint64(1)
    blk_start = np.empty(nb, np.int64)
    blk_end = np.empty(nb, np.int64)
    blk_t0 = np.empty(nb, np.int64)
    blk_t1 = np.empty(nb, np.int64)
    for d in range(nd):
        for b in range(doc_blocks[d], doc_blocks[d + 1]):
            blk_start[b] = blocks[b, 0] - doc_char[d]
            blk_end[b] = blocks[b, 1] - doc_char[d]
    t0 = 0
    t1 = 0
    for b in range(nb):
        while t0 < n and starts[t0] < blocks[b, 0]:
            t0 += 1
        while t1 < n and starts[t1] < blocks[b, 1]:
            t1 += 1
        blk_t0[b] = t0
        blk_t1[b] = t1
    return doc_tokens, doc_blocks, tok_start, tok_end, blk_start, blk_end, blk_t0, blk_t1, shingles


@njit(cache=True, nogil=True)
def first_occurrences_kernel(hashes, first, part, bits):  # type: ignore[no-untyped-def]
    """Write into ``first`` the first position of every hash whose top ``bits`` bits are
    ``part``, in one pass over an open-addressing table of positions (threads may fill the
    parts of one ``first`` array at once: each writes only its own positions). A hash of 0
    stands for no shingle and is its own first occurrence. The table holds positions in the
    dtype of ``first`` (int32 below 2**31 hashes)."""
    n = len(hashes)
    shift = np.uint64(64 - bits) if bits > 0 else np.uint64(0)
    mine = np.uint64(part)
    count = 0
    for i in range(n):
        if hashes[i] != 0 and (bits == 0 or (hashes[i] >> shift) == mine):
            count += 1
    size = 1
    while size < count + count // 2 + 1:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.full(size, -1, first.dtype)
    for i in range(n):
        h = hashes[i]
        if bits > 0 and (h >> shift) != mine:
            continue
        if h == 0:
            first[i] = i
            continue
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


@njit(cache=True, nogil=True)
def gather_tokens_kernel(  # type: ignore[no-untyped-def]
    source, ranges, at, tok_hash, tok_exact, tok_start, tok_end, lead, tail, tok_sentence
):
    """Copy the rows ``start..end`` of each row ``i`` of ``ranges`` of the token file
    (``dedupe_docs.drivers.bounded.TOKEN``) into the columns from ``at[i]`` on, and zero the columns
    from the end of that copy to ``at[i + 1]``."""
    for r in range(ranges.shape[0]):
        a, b, to = ranges[r, 0], ranges[r, 1], at[r]
        for i in range(a, b):
            row, j = source[i], to + i - a
            tok_hash[j], tok_exact[j], tok_start[j] = row.tok_hash, row.tok_exact, row.tok_start
            tok_end[j], lead[j], tail[j] = row.tok_end, row.lead, row.tail
            tok_sentence[j] = row.tok_sentence
        for j in range(to + b - a, at[r + 1]):
            tok_hash[j], tok_exact[j], tok_start[j], tok_end[j], lead[j], tail[j] = 0, 0, 0, 0, 0, 0
            tok_sentence[j] = 0


@njit(cache=True, nogil=True)
def window_positions_kernel(tokens, starts, ends, at):  # type: ignore[no-untyped-def]
    """Where each of ``tokens`` lies in the ranges ``starts..ends`` laid one after the other
    from ``at`` on (one between two ranges: the end of the range before it). Consecutive
    tokens tend to lie in one range, so the range of the last one is tried first."""
    out = np.empty(len(tokens), dtype=np.int64)
    r = 0
    for i in range(len(tokens)):
        p = tokens[i]
        if not (starts[r] <= p and (r + 1 == len(starts) or p < starts[r + 1])):
            r = max(np.searchsorted(starts, p, side="right") - 1, 0)
        out[i] = at[r] + min(max(p - starts[r], 0), ends[r] - starts[r])
    return out


# Detect (dedupe_docs.stages.detect): a passage is a handful of runs, and a Python loop over
# millions of them was half the run time. A run is a row of (target start, target end, source
# start, source end) token indices; a passage's runs are a slice of the runs array.


FOLLOW_TOKENS = 32
"""Tokens a run may follow its diagonal past the last seed that points along it (see
:func:`runs_kernel`)."""


@njit(cache=True, nogil=True)
def runs_kernel(first, k, base, hashes, doc_offsets):  # type: ignore[no-untyped-def]
    """Runs of seeds: consecutive tokens whose shingles occur earlier at consecutive tokens (one
    diagonal). ``first`` covers the tokens from ``base`` on. Returns the target and source
    ``[start, end)`` of every run, ends counting the ``k`` tokens of its last shingle.

    A shingle that stands several times in the source document points at its first occurrence
    only: in ``2024-05-31 00:35:55`` every shingle of five numbers is the same (digits read as
    0), so the seeds of a copy jump back. Where such a seed jumps back inside the run's own
    source document and the next token of the run's source starts the same shingle as the
    target's (its last token matches, ``hashes``), the run follows its diagonal instead, for at
    most ``FOLLOW_TOKENS`` tokens past the last seed pointing along it. A seed in another
    document starts a run of its own, as any seed does, and so does one that starts a run
    inside the target's own document (the first time of a paragraph said three times).
    """
    n = len(first)
    source = np.empty(n, dtype=np.int64)
    followed = 0
    for i in range(n):
        t = i + base
        s = first[i]
        if s != t and i > 0 and source[i - 1] != t - 1 and s != source[i - 1] + 1:
            p = source[i - 1] + 1
            start = doc_offsets[np.searchsorted(doc_offsets, t, side="right") - 1]
            if followed < FOLLOW_TOKENS and p < t and start < t:  # not across documents
                at = np.searchsorted(doc_offsets, p - 1, side="right")
                source_doc = (doc_offsets[at - 1] <= s) and (s < doc_offsets[at])
                own = start <= s  # the seed lies in the target's own document
                starts_run = i + 1 < n and first[i + 1] == s + 1  # a seed of a run of its own
                if (
                    source_doc  # the shingle stands earlier in the run's own source document
                    and not (own and starts_run)  # a paragraph said three times in a document
                    and p + k <= doc_offsets[at]
                    and hashes[t + k - 1] == hashes[p + k - 1]
                ):
                    s = p
        followed = followed + 1 if s != first[i] else 0
        source[i] = s
    count = 0
    for i in range(n):
        t = i + base
        if source[i] != t and (i == 0 or source[i - 1] == t - 1 or source[i - 1] != source[i] - 1):
            count += 1
    t_start = np.empty(count, dtype=np.int64)
    t_end = np.empty(count, dtype=np.int64)
    s_start = np.empty(count, dtype=np.int64)
    s_end = np.empty(count, dtype=np.int64)
    r = -1
    for i in range(n):
        t = i + base
        if source[i] == t:
            continue
        if i == 0 or source[i - 1] == t - 1 or source[i - 1] != source[i] - 1:
            r += 1
            t_start[r], s_start[r] = t, source[i]
        t_end[r], s_end[r] = t + k, source[i] + k
    return t_start, t_end, s_start, s_end


@njit(cache=True, nogil=True)
def chain_kernel(table, max_gap, overlap):  # type: ignore[no-untyped-def]
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


@njit(cache=True, nogil=True)
def extend_kernel(  # type: ignore[no-untyped-def]
    runs,
    bounds,
    strength,
    first_segment,
    last_segment,
    hashes,
    doc_offsets,
    lead,
    tail,
    min_tokens,
    limit,
):
    """Grow each passage past its outermost shingles, inside the blocks where it starts and
    ends, while tokens match, stepping over single mismatched tokens (typos near the edges of
    a copy; a word that happens to follow both copies on the next line is no part of it). A
    passage still too weak to count (a short line or sentence) grows on once on each side over
    a word that the copy splits in two or two words that it joins (``ht tp`` for ``http``: a
    space slipped in or dropped; deciding tells such a word from two others), over a
    mismatched first or last word of a block where the copy holds one too (a typo in it, or
    split in two), and over whole blocks before and after it that match but for typos.
    Returns each passage's strength; how many tokens it grew at its start and at its end, how
    many more tokens the copy holds than its source in what it grew at its start (the rest of
    a run's difference in length lies at its end), and whether it grew over a word split or
    joined (1, else 0); and whether it stepped over such a first or last word.
    A passage too weak to count that still aligns ``SHORT_LINE_TOKENS`` gets minus that
    count: it may copy a sentence on its own (of ``SHORT_SENTENCE_TOKENS``, or long by its
    characters).

    A passage too weak on its own still counts when it copies whole source blocks: a copy of
    whole blocks with a sentence inserted is split into segments that may each be short.
    """
    out = strength.copy()
    grown = np.zeros((len(bounds) - 1, 4), dtype=np.int64)
    edited = np.zeros(len(bounds) - 1, dtype=np.bool_)
    for c in range(len(bounds) - 1):
        lo, hi = bounds[c], bounds[c + 1]
        ts, te, ss, se = runs[lo, 0], runs[lo, 1], runs[lo, 2], runs[lo, 3]
        t_doc = np.searchsorted(doc_offsets, ts, side="right") - 1
        s_doc = np.searchsorted(doc_offsets, ss, side="right") - 1
        t_lo, s_lo = doc_offsets[t_doc], doc_offsets[s_doc]
        ts, ss, back, skew = _grow_back(hashes, lead, ts, ss, t_lo, s_lo, limit, 0, False)
        runs[lo, 0], runs[lo, 2] = ts, ss
        first_ts = ts
        te, se = runs[hi - 1, 1], runs[hi - 1, 3]
        t_hi, s_hi = doc_offsets[t_doc + 1], doc_offsets[s_doc + 1]
        if s_doc == t_doc:
            s_hi = min(s_hi, first_ts)  # the source may not run into its own copy
        te, se, forward, ahead = _grow_forward(hashes, tail, te, se, t_hi, s_hi, limit, 0, False)
        best = max(strength[c], first_segment[c] + back, last_segment[c] + forward)
        if best < min_tokens:  # too weak: typos may have cut it short at a line's edge
            ts, ss, back, skew = _grow_back(hashes, lead, ts, ss, t_lo, s_lo, limit, back, True)
            if s_doc == t_doc:
                s_hi = min(s_hi, ts)
            te, se, forward, ahead = _grow_forward(
                hashes, tail, te, se, t_hi, s_hi, limit, forward, True
            )
            edited[c] |= skew != 0 or ahead != 0
            if back < limit and lead[ts] == 1 and lead[ss] == 1 and min(ts - t_lo, ss - s_lo) > 0:
                ts, ss, back = ts - 1, ss - 1, back + 1  # the first word of both blocks differs
                edited[c] = True
            elif back < limit and skew == 0 and lead[ts] == 2 and lead[ss] == 1:
                ts, ss, back, skew = ts - 2, ss - 1, back + 2, 1  # split in two in the copy
                edited[c] = True
            while back < limit and lead[ts] == 0 and lead[ss] == 0:  # whole blocks before
                t, s, typos = _block_before(hashes, lead, ts, ss, t_lo, s_lo, limit - back)
                if t == ts:
                    break
                back, ts, ss = back + ts - t, t, s
                edited[c] |= typos > 0
            if s_doc == t_doc:
                s_hi = min(s_hi, ts)
            last = tail[te - 1] == 1 and tail[se - 1] == 1  # the last word of both differs
            if forward < limit and last and te < t_hi and se < s_hi:
                te, se, forward = te + 1, se + 1, forward + 1
                edited[c] = True
            elif (
                forward < limit
                and ahead == 0
                and tail[te - 1] == 2
                and tail[se - 1] == 1
                and se < s_hi
            ):
                te, se, forward = te + 2, se + 1, forward + 2  # split in two in the copy
                edited[c] = True
            while forward < limit and tail[te - 1] == 0 and tail[se - 1] == 0:  # and after
                t, s, typos = _block_after(hashes, tail, te, se, t_hi, s_hi, limit - forward)
                if t == te:
                    break
                forward, te, se = forward + t - te, t, s
                edited[c] |= typos > 0
            runs[lo, 0], runs[lo, 2] = ts, ss
            best = max(strength[c], first_segment[c] + back, last_segment[c] + forward)
        runs[hi - 1, 1], runs[hi - 1, 3] = te, se
        grown[c, 0], grown[c, 1], grown[c, 2] = back, forward, skew
        grown[c, 3] = skew != 0 or ahead != 0
        if best < min_tokens:
            total = _aligned_count(runs[lo:hi])
            if total >= min_tokens and _copies_whole_blocks(runs[lo:hi], lead, tail):
                best = total
            elif (total >= SHORT_LINE_TOKENS and _block_for_block(runs[lo:hi], lead, tail)) or (
                _whole_blocks_inside(runs[lo:hi], lead, tail) >= SHORT_COPY_TOKENS
            ):
                best = min_tokens
            elif total >= SHORT_LINE_TOKENS:
                best = -total  # a short copy: a sentence of its own, if deciding finds it whole
        out[c] = best
    return out, grown, edited


@njit(cache=True)
def _typos_only(same, n):  # type: ignore[no-untyped-def]
    """Whether ``same[:n]`` (per token pair of two blocks, whether they match) differs only by
    typos: at most one token in four, each mismatch between matching tokens (or at a block's
    end, beside a matching one)."""
    misses = 0
    for k in range(n):
        if not same[k]:
            misses += 1
            if n == 1 or (k > 0 and not same[k - 1]) or (k < n - 1 and not same[k + 1]):
                return False
    return 4 * misses <= n


@njit(cache=True)
def _grow_back(hashes, lead, ts, ss, t_lo, s_lo, limit, back, splits):  # type: ignore[no-untyped-def]
    """Grow a passage that starts at ``ts`` copying ``ss`` back while tokens match, stepping
    over single mismatched tokens, inside the copy's block, up to ``limit`` tokens in all
    (``back`` grown so far); with ``splits``, over one word split in two or two joined
    (:func:`_split_before`) too. Returns the new starts, the tokens grown and how many more
    the copy holds than its source in them."""
    skew = 0
    while back < limit and lead[ts] != 0:  # never out of the block it starts in
        if ts - 1 >= t_lo and ss - 1 >= s_lo and hashes[ts - 1] == hashes[ss - 1]:
            ts, ss, back = ts - 1, ss - 1, back + 1
        elif (
            ts - 2 >= t_lo
            and ss - 2 >= s_lo
            and lead[ts - 1] != 0
            and hashes[ts - 2] == hashes[ss - 2]
        ):
            ts, ss, back = ts - 2, ss - 2, back + 2
        else:
            split = _split_before(hashes, lead, ts, ss, t_lo, s_lo) if splits and skew == 0 else 0
            if split == 0:
                break
            skew = split
            step = 2 + max(skew, 0)
            ts, ss, back = ts - step, ss - step + skew, back + step
    return ts, ss, back, skew


@njit(cache=True)
def _grow_forward(hashes, tail, te, se, t_hi, s_hi, limit, forward, splits):  # type: ignore[no-untyped-def]
    """:func:`_grow_back` forward from ends ``te`` and ``se`` (:func:`_split_after`)."""
    ahead = 0
    while forward < limit and tail[te - 1] != 0:  # nor out of the block it ends in
        if te < t_hi and se < s_hi and hashes[te] == hashes[se]:
            te, se, forward = te + 1, se + 1, forward + 1
        elif te + 1 < t_hi and se + 1 < s_hi and tail[te] != 0 and hashes[te + 1] == hashes[se + 1]:
            te, se, forward = te + 2, se + 2, forward + 2
        else:
            split = _split_after(hashes, tail, te, se, t_hi, s_hi) if splits and ahead == 0 else 0
            if split == 0:
                break
            ahead = split
            step = 2 + max(ahead, 0)
            te, se, forward = te + step, se + step - ahead, forward + step
    return te, se, forward, ahead


@njit(cache=True)
def _split_before(hashes, lead, ts, ss, t_lo, s_lo):  # type: ignore[no-untyped-def]
    """Before a passage that starts at ``ts`` copying ``ss`` (the tokens before both differ):
    1 where the copy holds two tokens for one of the source's (a word split in two: ``ht tp``
    for ``http``), -1 where it holds one for two (two words joined), else 0; either where the
    two tokens before them match too, or the one before them does and starts the copy's
    block (one token that happens to match is not enough: in Chinese each is a character).
    Inside the copy's block only."""
    if lead[ts - 1] == 0:
        return 0
    if lead[ts - 2] != 0 and _match_before(hashes, lead, ts - 3, ss - 2, t_lo, s_lo):
        return 1
    if _match_before(hashes, lead, ts - 2, ss - 3, t_lo, s_lo):
        return -1
    return 0


@njit(cache=True)
def _match_before(hashes, lead, t, s, t_lo, s_lo):  # type: ignore[no-untyped-def]
    """Whether tokens ``t`` and ``s`` match, and so do the two before them or ``t`` starts
    its block."""
    if t < t_lo or s < s_lo or hashes[t] != hashes[s]:
        return False
    return lead[t] == 0 or (t - 1 >= t_lo and s - 1 >= s_lo and hashes[t - 1] == hashes[s - 1])


@njit(cache=True)
def _split_after(hashes, tail, te, se, t_hi, s_hi):  # type: ignore[no-untyped-def]
    """:func:`_split_before` after a passage that ends at ``te`` copying up to ``se``."""
    if tail[te] == 0:
        return 0
    if tail[te + 1] != 0 and _match_after(hashes, tail, te + 2, se + 1, t_hi, s_hi):
        return 1
    if _match_after(hashes, tail, te + 1, se + 2, t_hi, s_hi):
        return -1
    return 0


@njit(cache=True)
def _match_after(hashes, tail, t, s, t_hi, s_hi):  # type: ignore[no-untyped-def]
    """:func:`_match_before` forward: the two tokens after them, or ``t`` ends its block."""
    if t >= t_hi or s >= s_hi or hashes[t] != hashes[s]:
        return False
    return tail[t] == 0 or (t + 1 < t_hi and s + 1 < s_hi and hashes[t + 1] == hashes[s + 1])


@njit(cache=True)
def _block_before(hashes, lead, ts, ss, t_lo, s_lo, budget):  # type: ignore[no-untyped-def]
    """From two block starts ``ts`` and ``ss``, the starts of the blocks before them when
    those have as many tokens, at most ``budget``, and match but for typos
    (:func:`_typos_only`): ``(start, start, typos)``, else ``(ts, ss, 0)``. A copy whose line
    breaks fall where its source's do runs on over whole lines; a word that merely follows
    both copies on the line before is no part of it."""
    same = np.zeros(budget, dtype=np.bool_)
    for k in range(budget):
        t, s = ts - 1 - k, ss - 1 - k
        if t < t_lo or s < s_lo or (lead[t] == 0) != (lead[s] == 0):
            return ts, ss, 0
        same[k] = hashes[t] == hashes[s]
        if lead[t] == 0:
            if not _typos_only(same, k + 1):
                return ts, ss, 0
            return t, s, k + 1 - np.count_nonzero(same[: k + 1])
    return ts, ss, 0


@njit(cache=True)
def _block_after(hashes, tail, te, se, t_hi, s_hi, budget):  # type: ignore[no-untyped-def]
    """:func:`_block_before` forward: from two block ends ``te`` and ``se``, the ends of the
    blocks after them, ``(end, end, typos)``, else ``(te, se, 0)``."""
    same = np.zeros(budget, dtype=np.bool_)
    for k in range(budget):
        t, s = te + k, se + k
        if t >= t_hi or s >= s_hi or (tail[t] == 0) != (tail[s] == 0):
            return te, se, 0
        same[k] = hashes[t] == hashes[s]
        if tail[t] == 0:
            if not _typos_only(same, k + 1):
                return te, se, 0
            return t + 1, s + 1, k + 1 - np.count_nonzero(same[: k + 1])
    return te, se, 0


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


SHORT_COPY_TOKENS = 6
"""Tokens from which a whole block copied as a whole block is a duplicate passage, however
much shorter than ``min_tokens`` (a copied line of a few words; fewer are formulaic)."""
SHORT_COPY_CHARS = 40
"""Characters (a run of spaces counting one) from which a whole block copied as a whole block
is a duplicate however few its tokens: a line of a few long words (Russian, German)."""
FRAGMENT_CHARS = SHORT_COPY_CHARS - 8
"""Characters from a passage's first word to its last for a passage of ``SHORT_LINE_TOKENS``
to ``SHORT_SENTENCE_TOKENS`` tokens to be marked, and for such a sentence to be counted over
the documents: what a copy of ``SHORT_COPY_CHARS`` may span, less the quotes, brackets and
full stop around its words."""
SHORT_LINE_TOKENS = 5
"""Tokens from which detection marks a whole block copied as a whole block (one shingle's
worth); deciding keeps it a copy when it has ``SHORT_COPY_TOKENS`` or ``SHORT_COPY_CHARS``."""
SHORT_SENTENCE_TOKENS = 12
"""Tokens from which a sentence copied on its own, out of other text, is a duplicate: such
short passages are marked (below any passage that counts) and deciding keeps only whole
sentences of them. A shorter one counts where it is long by its characters
(``SHORT_COPY_CHARS``) and stands in few documents."""

SENTENCE_OPENS = 1
"""The bit of :attr:`~dedupe_docs.stages.sign.Signed.tok_sentence` set where a sentence opens,
as :func:`dedupe_docs.stages.segment.sentences` cuts a block into sentences."""
COUNTED = 2
"""The bit set (with ``SENTENCE_OPENS``) on the first token of a sentence that is counted over
the documents (:func:`dedupe_docs.stages.sign.counted_sentences`)."""
MAY_OPEN = 4
"""The bit set where deciding may find a sentence opening (its ``_sentence_edges``): the gap
before the token holds a line break or one of ``SENTENCE_END``, or is ``EDGE_CHARS`` long, or
the token starts a block."""
MAY_CLOSE = 8
"""The bit set where deciding may find a sentence closing after the token: the gap after it is
one that ``MAY_OPEN`` marks, or the batch ends (so does a document)."""
SENTENCE_END = ".!?:;…。！？"
"""Marks after which deciding reads a line's sentence (or clause) as over."""
EDGE_CHARS = 8
"""Characters that deciding reads beside a span to tell whether a sentence opens or closes
there; a gap between two words that long may hold nothing else (spaces, marks)."""


@njit(cache=True)
def _block_for_block(runs, lead, tail):  # type: ignore[no-untyped-def]
    """Whether the passage runs from the start of a block to the end of one on both sides:
    whole lines copied as whole lines, not a phrase quoted inside other text."""
    t_first, t_last = runs[:, 0].min(), runs[:, 1].max()
    s_first, s_last = runs[:, 2].min(), runs[:, 3].max()
    whole_target = lead[t_first] == 0 and tail[t_last - 1] == 0
    return whole_target and lead[s_first] == 0 and tail[s_last - 1] == 0


@njit(cache=True, nogil=True)
def whole_lines_kernel(runs, bounds, passages, lead, tail):  # type: ignore[no-untyped-def]
    """Per passage of ``passages``: whether it copies whole blocks as whole blocks (see
    ``_block_for_block``)."""
    out = np.zeros(len(passages), dtype=np.bool_)
    for p in range(len(passages)):
        c = passages[p]
        out[p] = _block_for_block(runs[bounds[c] : bounds[c + 1]], lead, tail)
    return out


@njit(cache=True, nogil=True)
def may_stand_kernel(runs, bounds, passages, sentence, lead, tail):  # type: ignore[no-untyped-def]
    """Per short passage of ``passages``: whether it may stand as a copy of its own, as
    deciding keeps one: its source holds a whole sentence of ``SHORT_LINE_TOKENS`` tokens or
    more, from a token where one may open to one where one may close (``MAY_OPEN``,
    ``MAY_CLOSE`` in ``sentence``), or its target a whole block (``lead``, ``tail``)."""
    out = np.zeros(len(passages), dtype=np.bool_)
    for p in range(len(passages)):
        chain = runs[bounds[passages[p]] : bounds[passages[p] + 1]]
        t_lo, t_hi = chain[:, 0].min(), chain[:, 1].max()
        s_lo, s_hi = chain[:, 2].min(), chain[:, 3].max()
        a = s_lo
        while a < s_hi and not sentence[a] & MAY_OPEN:
            a += 1
        b = s_hi - 1
        while b >= a and not sentence[b] & MAY_CLOSE:
            b -= 1
        if b - a + 1 >= SHORT_LINE_TOKENS:
            out[p] = True
            continue
        a = t_lo
        while a < t_hi and lead[a] != 0:
            a += 1
        b = t_hi - 1
        while b >= a and tail[b] != 0:
            b -= 1
        out[p] = a <= b
    return out


@njit(cache=True)
def _whole_blocks_inside(runs, lead, tail):  # type: ignore[no-untyped-def]
    """Target tokens of the whole blocks a passage copies as whole blocks once the pieces of
    blocks at its ends are trimmed (0 if none): a seed runs on over a line break into the
    first words of the next line (a navigation bar, then a heading that numbers its page), and
    the line it does copy whole is still a copied line."""
    first, last = 0, 0
    for i in range(runs.shape[0]):
        if runs[i, 1] > runs[last, 1]:
            last = i
    ts = runs[first, 0]
    while ts < runs[first, 1] and lead[ts] != 0:
        ts += 1
    te = runs[last, 1]
    while te > runs[last, 0] and tail[te - 1] != 0:
        te -= 1
    if te <= ts or ts >= runs[first, 1] or te <= runs[last, 0]:
        return 0
    ss = runs[first, 2] + (ts - runs[first, 0])
    se = runs[last, 3] - (runs[last, 1] - te)
    if lead[ss] != 0 or tail[se - 1] != 0:
        return 0
    return te - ts


@njit(cache=True)
def _copies_whole_blocks(runs, lead, tail):  # type: ignore[no-untyped-def]
    """Whether the passage's source runs from the start of a block to the end of one (a
    quotation of a sentence or two out of a longer block is not a whole block)."""
    first, last = runs[:, 2].min(), runs[:, 3].max()
    return lead[first] <= 2 and tail[last - 1] <= 2


@njit(cache=True, nogil=True)
def block_edges_kernel(starts, ends, lo, hi):  # type: ignore[no-untyped-def]
    """Per token ``lo..hi``, for the last block starting at or before it (``starts``, ``ends``:
    the non-empty blocks, ascending): how many tokens after that block's start it lies, and how
    many tokens the block runs past it, clipped to 3 and -1..3 (3 where no block starts at or
    before it). Two tokens' values tell whether a passage copies whole blocks."""
    lead = np.full(hi - lo, 3, dtype=np.int8)
    tail = np.full(hi - lo, 3, dtype=np.int8)
    i = np.searchsorted(starts, lo, side="right") - 1
    for t in range(lo, hi):
        while i + 1 < len(starts) and starts[i + 1] <= t:
            i += 1
        if i >= 0:
            lead[t - lo] = min(t - starts[i], 3)
            tail[t - lo] = max(min(ends[i] - t - 1, 3), -1)
    return lead, tail


@njit(cache=True, nogil=True)
def mark_kernel(aligned, base, runs, bounds, passages, strong, grown, longest, free_only=False):  # type: ignore[no-untyped-def]
    """Write each passage's token alignment into ``aligned`` (the tokens from ``base`` on), in
    the given order: runs one to one, small equal gaps as substitutions.

    Where passages overlap, a token points at the earliest source among the runs that seed it
    (a shingle that first stood there): a copy that runs on from one source into text first
    seen in another points each part at its own first copy, not at a later copy holding both,
    which goes. Tokens a passage only bridges (a gap) or grew over (``grown``: tokens at its
    start and end past its shingles) give way to any seeded run of a passage as strong, and so
    does all of a passage grown over a word split or joined (``ht tp``: the hashes cannot tell
    that from another word, ``B-Tree`` for ``BRIN``, so it only fills what no other aligns); a
    short passage (``strong`` 0: a copied sentence, maybe) to every part of a passage that
    counts (``strong`` 1). With ``free_only``, a passage is marked only where no token it
    spans is aligned yet. A passage that copies whole blocks as whole blocks (``strong`` 2)
    outranks, all of it, one that only holds the same words laid out otherwise: a sidebar
    copied from a page with the same sidebar, not from an index that lists its entries. With
    ``longest``, a passage whose later copy spans more tokens is turned around, so the later,
    more complete copy is the one that survives; there, the longer run wins where passages
    overlap.
    """
    weight = np.zeros(len(aligned), dtype=np.int32)
    for p in range(len(passages)):
        c = passages[p]
        chain = runs[bounds[c] : bounds[c + 1]]
        if free_only:
            taken = False
            for t in range(chain[:, 0].min(), chain[:, 1].max()):
                taken |= aligned[t - base] >= 0
            if taken:
                continue
        target = chain[:, 1].max() - chain[:, 0].min()
        source = chain[:, 3].max() - chain[:, 2].min()
        back, forward, skew = grown[c, 0], grown[c, 1], grown[c, 2]
        weak = 1 if longest else 1 + 2 * strong[p]  # the rank of bridged and grown tokens
        split = grown[c, 3] != 0  # grown over a word split or joined: it only fills gaps
        if longest and target > source:
            back = forward = skew = 0
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
                        t = prev_te + g - base
                        if weight[t] < weak:
                            step = min(g, max(gap_s - 1, 0))
                            aligned[t] = prev_se + step if gap_s > 0 else prev_se - 1
                            weight[t] = weak
            length = te - ts
            last = i == chain.shape[0] - 1
            seeded_lo = back if i == 0 else 0
            seeded_hi = length - forward if last else length
            shift = skew if i == 0 else 0
            for g in range(length):
                t = ts + g - base
                # Where a word split in two or two joined lies in what grew, the run's lengths
                # differ: the start maps along the seeds, what grew at the end from the end.
                at = se - (length - g) if last and g >= seeded_hi else ss + g - shift
                at = max(ss, min(at, se - 1))
                if seeded_lo <= g < seeded_hi and not split:
                    rank = length + 2 if longest else 2 + 2 * strong[p]
                    if weight[t] < rank or (weight[t] == rank and (longest or at < aligned[t])):
                        aligned[t] = at
                        weight[t] = rank
                elif weight[t] < weak:
                    aligned[t] = at
                    weight[t] = weak
            if i == 0 or te >= prev_te:
                prev_te, prev_se = te, se


CONTINUE_TOKENS = 32
"""Tokens a short run may hold to be pointed along its neighbour's source, and how far past
the alignment that marking gave the tokens before it runs pointed on one after another may
reach (see :func:`continue_kernel`); a batch's window of sources reaches this much further
before and after its seeds for it."""


@njit(cache=True, nogil=True)
def continue_kernel(aligned, base, exact, lead, doc_offsets, min_tokens):  # type: ignore[no-untyped-def]
    """Where short runs of aligned tokens (each one diagonal of at most ``CONTINUE_TOKENS``
    tokens, fewer than ``min_tokens`` of them inside any one block) follow each other inside
    blocks for ``min_tokens`` tokens or more, point each on along the source of the tokens
    before it, or else back along that of the tokens after it, where that source holds the
    same words there (``exact``: token hashes with digits kept; ``lead``: 0 at the first token
    of a block).

    Marking points each token at the earliest source of its words, so a copy of text that was
    itself made of pieces of earlier text (its own words, then a pasted sentence) is aligned in
    pieces, each maybe too short to count on its own, though the whole run stands word for word
    in one document. Pointed along that document, it is one passage (settling cites the pieces
    of it that went through their own sources). A run across a line break counts by its parts:
    deciding reads a passage block by block, so parts too short there are pieces too. Runs that
    meet where a block starts stay as they are: the lines of an evolving code listing, each
    kept from an earlier version, are lines reused, not text pasted together. A source before
    the target only (``aligned`` covers the tokens from ``base`` on; ``exact``, ``lead`` and
    ``doc_offsets`` the corpus).
    """
    n = len(aligned)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    n_runs = 0
    i = 0
    while i < n:
        if aligned[i] < 0:
            i += 1
            continue
        t_hi = doc_offsets[_doc_of(doc_offsets, base + i) + 1]
        j = i + 1
        while j < n and base + j < t_hi and aligned[j] == aligned[j - 1] + 1:
            j += 1
        starts[n_runs], ends[n_runs] = i, j
        n_runs += 1
        i = j
    moved_end, moved_ahead = -1, 0  # where the last run pointed on ends, and how far ahead
    g = 0
    while g < n_runs:
        h, total = g, 0
        while h < n_runs and _longest_in_block(lead, base, starts[h], ends[h]) < min_tokens:
            if ends[h] - starts[h] > CONTINUE_TOKENS:
                break
            if h > g and (starts[h] != ends[h - 1] or lead[base + starts[h]] == 0):
                break  # not next to the run before, or a block (or a document) starts there
            total += ends[h] - starts[h]
            h += 1
        if total >= min_tokens:
            for r in range(g, h):
                i, m = starts[r], ends[r] - starts[r]
                t_doc = _doc_of(doc_offsets, base + i)
                t_lo, t_hi = doc_offsets[t_doc], doc_offsets[t_doc + 1]
                # Runs pointed on one after another reach CONTINUE_TOKENS at most past the
                # alignment marking gave the tokens before the first of them.
                ahead = moved_ahead if moved_end == i else 0
                done = 0
                args = (aligned, base, exact, doc_offsets, i, m)
                before = base + i - 1 >= t_lo and aligned[i - 1] >= 0
                if before and ahead + m <= CONTINUE_TOKENS:
                    done = _continue_run(*args, aligned[i - 1], 1)
                if done == 2:
                    moved_end, moved_ahead = i + m, ahead + m
                elif done == 0 and base + i + m < t_hi and aligned[i + m] >= 0:
                    _continue_run(*args, aligned[i + m], -m)
        g = max(h, g + 1)


@njit(cache=True, nogil=True)
def short_line_seeds_kernel(first, base, lead, starts, ends, doc_offsets, k):  # type: ignore[no-untyped-def]
    """The seeds whose shingle is a short line's own (see ``sign._short_line_shingles``: a
    line of 2 to ``k - 1`` tokens whose words span ``SHORT_COPY_CHARS`` characters), as rows
    of the line's first and end token and the source's first token. ``first`` covers the
    tokens from ``base`` on; ``lead``, ``starts``, ``ends`` every token's."""
    rows = np.empty((0, 3), dtype=np.int64)
    found = []
    for i in range(len(first)):
        t = base + i
        if first[i] == t or lead[t] != 0:
            continue
        end = doc_offsets[np.searchsorted(doc_offsets, t, side="right")]
        j = t + 1
        while j < end and j - t < k and lead[j] != 0:
            j += 1
        if 2 <= j - t < k and ends[j - 1] - starts[t] >= SHORT_COPY_CHARS:
            found.append((t, j, first[i]))
    if found:
        rows = np.array(found, dtype=np.int64)
    return rows


@njit(cache=True, nogil=True)
def short_lines_kernel(aligned, base, exact, lines):  # type: ignore[no-untyped-def]
    """Each short line of ``lines`` (:func:`short_line_seeds_kernel`) that nothing aligned
    and whose source holds its words word for word (``exact``: digits kept) points there."""
    for r in range(lines.shape[0]):
        t, end, s = lines[r, 0], lines[r, 1], lines[r, 2]
        same = True
        for i in range(end - t):
            same &= aligned[t + i - base] < 0 and exact[t + i] == exact[s + i]
        if same:
            for i in range(end - t):
                aligned[t + i - base] = s + i


@njit(cache=True, nogil=True)
def exact_kernel(aligned, base, exact, doc_offsets, runs, lead, tail, min_tokens):  # type: ignore[no-untyped-def]
    """Where a run of seeds (``runs``: rows of its target start and end, source start) lies in
    text that its source holds word for word (``exact``: token hashes with digits kept) for
    ``min_tokens`` tokens or more, and a passage aligned some token there with another word,
    or none aligned any; or where the stretch is one whole block on both sides (``lead``,
    ``tail``: :func:`block_edges_kernel`), of ``SHORT_COPY_TOKENS`` tokens or more (or
    ``min_tokens`` where fewer), that passages aligned in part or in pieces, not running on
    past its edges, or with other words: point that stretch along the run's source.

    Marking points each token at the earliest source of its words, so a later copy of a
    variant of a standard text (a licence whose names differ) aligns with the first variant,
    word for word where they agree and as substitutions where not, though the variant it
    copies, word for word, stood earlier too: deciding then finds the lines around each
    difference no copy. And a copy of text made of pieces of earlier text, wrapped otherwise
    than its source, may be pieces each too short to mark on its lines. The word-for-word
    source wins. Stretches aligned word for word, in pieces or not, stay as they are: pointing
    them elsewhere would cut passages that run on past them; but a line whose copy word for
    word begins and ends where the line does, in a line of the source, is a copy of that line
    though its words stood earlier in pieces (a line of a formula whose one varying word comes
    from another page), and runs on past nothing (a passage that runs on into the line, as a
    copy that dropped the sentence before it, stays as it is). A stretch reaches
    ``CONTINUE_TOKENS`` at most past its run on either side, and twice that for the test of a
    whole line whose source is another document (whose own words may stand in its middle,
    far from its edges); a batch's window of sources reaches that far.
    """
    for r in range(runs.shape[0]):
        ts, te, ss = runs[r, 0], runs[r, 1], runs[r, 2]
        d = ss - ts
        t_doc = _doc_of(doc_offsets, ts)
        s_doc = _doc_of(doc_offsets, ss)
        t_lo, t_hi = doc_offsets[t_doc], doc_offsets[t_doc + 1]
        s_lo, s_hi = doc_offsets[s_doc], doc_offsets[s_doc + 1]
        lo, lo_bound = ts, max(t_lo, ts - CONTINUE_TOKENS)
        while lo > lo_bound and lo - 1 + d >= s_lo and exact[lo - 1] == exact[lo - 1 + d]:
            lo -= 1
        hi, hi_bound = ts, min(t_hi, te + CONTINUE_TOKENS)
        while (
            hi < hi_bound
            and hi + d < (min(s_hi, lo) if s_doc == t_doc else s_hi)  # the source before its copy
            and exact[hi] == exact[hi + d]
        ):
            hi += 1
        least = min(min_tokens, SHORT_COPY_TOKENS)
        if hi - lo < least:
            continue
        fuzzy = False
        free = True
        for t in range(lo, hi):
            a = aligned[t - base]
            free &= a < 0
            fuzzy |= a >= 0 and exact[a] != exact[t]
        if (fuzzy or free) and hi - lo >= min_tokens:
            for t in range(lo, hi):
                aligned[t - base] = t + d
        elif not free and s_doc != t_doc:
            # a whole line may run on past the stretch: twice as far, for it alone
            while (
                lo > max(t_lo, ts - 2 * CONTINUE_TOKENS)
                and lo - 1 + d >= s_lo
                and exact[lo - 1] == exact[lo - 1 + d]
            ):
                lo -= 1
            while (
                hi < min(t_hi, te + 2 * CONTINUE_TOKENS)
                and hi + d < s_hi
                and exact[hi] == exact[hi + d]
            ):
                hi += 1
            if _line_in_pieces(aligned, base, exact, (lead, tail), lo, hi, d, (t_lo, t_hi), least):
                for t in range(lo, hi):
                    aligned[t - base] = t + d
        elif not free and _line_in_pieces(
            aligned, base, exact, (lead, tail), lo, hi, d, (t_lo, t_hi), least
        ):
            for t in range(lo, hi):
                aligned[t - base] = t + d


@njit(cache=True, nogil=True)
def _line_in_pieces(aligned, base, exact, edges, lo, hi, d, doc, least):  # type: ignore[no-untyped-def]
    """Whether tokens ``lo..hi`` (of the document ``doc``: its first and end token), word for
    word the same as ``lo + d..hi + d``, are one whole block of ``least`` tokens or more on
    both sides (``edges``: ``lead`` and ``tail``) that passages aligned in part, or in pieces
    that do not run on past its edges, or with other words (:func:`exact_kernel`)."""
    lead, tail = edges
    t_lo, t_hi = doc
    if hi - lo < least:
        return False
    line = lead[lo] == 0 and tail[hi - 1] == 0 and lead[lo + d] == 0 and tail[hi - 1 + d] == 0
    fuzzy = False
    pieces = False  # aligned in part, or from several places
    for t in range(lo, hi):
        a = aligned[t - base]
        fuzzy |= a >= 0 and exact[a] != exact[t]
        pieces |= a < 0 or a - t != aligned[lo - base] - lo
        line &= t == lo or (lead[t] != 0 and lead[t + d] != 0)
    # a passage that runs on into the line, or out of it, is no piece of it
    first, last = aligned[lo - base], aligned[hi - 1 - base]
    before = aligned[lo - 1 - base] if lo > t_lo else -1
    pieces &= first < 0 or before < 0 or before != first - 1
    pieces &= hi == t_hi or last < 0 or aligned[hi - base] != last + 1
    return line and (fuzzy or pieces)


@njit(cache=True, nogil=True)
def _longest_in_block(lead, base, i, j):  # type: ignore[no-untyped-def]
    """The most tokens of ``i..j`` (from ``base`` on) that stand inside one block."""
    longest = part = 0
    for t in range(i, j):
        part = 1 if lead[base + t] == 0 else part + 1
        longest = max(longest, part)
    return longest


@njit(cache=True, nogil=True)
def _continue_run(aligned, base, exact, doc_offsets, i, m, neighbour, step):  # type: ignore[no-untyped-def]
    """Point the ``m`` tokens from ``i`` at ``neighbour + step`` on, if that stretch of the
    neighbour's document, before the target, holds the same words: 2 if they were pointed
    there, 1 if they pointed there already (the run before them was pointed on), else 0."""
    c = neighbour + step
    if c == aligned[i]:
        return 1
    s_doc = _doc_of(doc_offsets, neighbour)
    t = base + i
    if c < doc_offsets[s_doc] or c + m > doc_offsets[s_doc + 1] or c + m > t:
        return 0
    for x in range(m):
        if exact[c + x] != exact[t + x]:
            return 0
    for x in range(m):
        aligned[i + x] = c + x
    return 2


# Decide (dedupe_docs.stages.decide).


@njit(cache=True, nogil=True)
def _doc_of(doc_tokens, token):  # type: ignore[no-untyped-def]
    """The document holding ``token`` (``doc_tokens``: where each document's tokens start)."""
    return np.searchsorted(doc_tokens, token, side="right") - 1


@njit(cache=True, nogil=True)
def block_copies_kernel(  # type: ignore[no-untyped-def]
    aligned, base, tok_exact, tok_start, tok_end, doc_tokens, blk_t0, blk_t1
):
    """Per block: how many of its tokens are aligned, and the source span (document, start,
    end) where the block is an exact copy, else -1 (``aligned`` covers the tokens from
    ``base`` on).

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
            j = aligned[i - base]
            if j < 0:
                exact = False
                continue
            count += 1
            if exact and (
                tok_exact[j] != tok_exact[i] or (i > a and j != aligned[i - 1 - base] + 1)
            ):
                exact = False
        covered[k] = count
        if not exact:
            continue
        first, last = aligned[a - base], aligned[b - 1 - base]
        if last >= a and first < b:
            continue  # a block cannot repeat itself
        d = _doc_of(doc_tokens, first)
        if _doc_of(doc_tokens, last) == d:
            src_doc[k], src_start[k], src_end[k] = d, tok_start[first], tok_end[last]
    return covered, src_doc, src_start, src_end


@njit(cache=True, nogil=True)
def span_tokens_kernel(tok_start, aligned, base, t0, t1, starts, ends):  # type: ignore[no-untyped-def]
    """Token range ``[first, last)`` of each character span ``[start, end)`` inside the tokens
    ``t0..t1`` of its block (the tokens starting in the span), and how many are aligned
    (``aligned`` covers the tokens from ``base`` on)."""
    n = len(starts)
    first = np.empty(n, dtype=np.int64)
    last = np.empty(n, dtype=np.int64)
    covered = np.zeros(n, dtype=np.int64)
    for k in range(n):
        block = tok_start[t0[k] : t1[k]]
        first[k] = t0[k] + np.searchsorted(block, starts[k])
        last[k] = t0[k] + np.searchsorted(block, ends[k])
        for i in range(first[k], last[k]):
            if aligned[i - base] >= 0:
                covered[k] += 1
    return first, last, covered


@njit(cache=True, nogil=True)
def copy_sources_kernel(  # type: ignore[no-untyped-def]
    aligned, base, tok_start, tok_end, tok_hash, doc_tokens, doc, t0, t1, grow
):
    """The source of each request: tokens ``t0..t1`` of document ``doc`` (``aligned`` covers
    the tokens from ``base`` on).

    The source document is the one most aligned tokens point into (the first one on a tie);
    its tokens, sorted and unique, give the source span (document, start, end) and the runs of
    consecutive tokens, as character spans ``piece_start``/``piece_end`` (those of request
    ``k`` at ``piece_at[k]:piece_at[k + 1]``). The document is -1 where no token is aligned or
    the source overlaps the request itself (a passage cannot repeat itself).

    Where ``grow`` is set (a sentence) and the source tokens advance one by one with the
    request's, the source grows over the request's tokens before and after them that are
    aligned to another source and equal (``tok_hash``) the source's own neighbours: a word
    that two copies share at a sentence's edge (``This``, ``If``) may be aligned to the copy
    beside it, and it is still part of this one.
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
    places = np.empty(width, dtype=np.int64)
    pieces = 0
    d = 0  # the document of the last source token: most runs stay in one
    for k in range(n):
        a, b = t0[k], t1[k]
        count = 0
        for i in range(a, b):
            j = aligned[i - base]
            if j >= 0:
                if not doc_tokens[d] <= j < doc_tokens[d + 1]:
                    d = _doc_of(doc_tokens, j)
                sources[count], docs[count], places[count] = j, d, i
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
                sources[kept], places[kept] = sources[i], places[i]
                kept += 1
        tokens = sources[:kept] if increasing else np.unique(sources[:kept])
        if m == doc[k] and tokens[-1] >= a and tokens[0] < b:
            piece_at[k + 1] = pieces
            continue
        head = tail = 0
        if grow[k] and increasing and m != doc[k]:
            first, last = places[0], places[kept - 1]
            while (
                first - head > a
                and tokens[0] - head > doc_tokens[m]
                and aligned[first - head - 1 - base] >= 0
                and tok_hash[first - head - 1] == tok_hash[tokens[0] - head - 1]
            ):
                head += 1
            while (
                last + tail + 1 < b
                and tokens[-1] + tail + 1 < doc_tokens[m + 1]
                and aligned[last + tail + 1 - base] >= 0
                and tok_hash[last + tail + 1] == tok_hash[tokens[-1] + tail + 1]
            ):
                tail += 1
        src_doc[k] = m
        src_start[k], src_end[k] = tok_start[tokens[0] - head], tok_end[tokens[-1] + tail]
        run = tokens[0] - head
        for i in range(1, len(tokens) + 1):
            if i == len(tokens) or tokens[i] != tokens[i - 1] + 1:
                if pieces == len(piece_start):
                    piece_start = np.concatenate((piece_start, np.empty_like(piece_start)))
                    piece_end = np.concatenate((piece_end, np.empty_like(piece_end)))
                end = tokens[i - 1] + (tail if i == len(tokens) else 0)
                piece_start[pieces], piece_end[pieces] = tok_start[run], tok_end[end]
                pieces += 1
                if i < len(tokens):
                    run = tokens[i]
        piece_at[k + 1] = pieces
    return src_doc, src_start, src_end, piece_at, piece_start[:pieces], piece_end[:pieces]


@njit(cache=True, nogil=True)
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
