"""Compiled tokeniser (Numba), used when the ``fast`` extra is installed.

It does in one pass over the code points what :func:`dedupe_docs.normalize.tokenize` does with
a few dozen NumPy passes, and gives the same result bit for bit (a test checks it on hostile
text). Compiled functions are cached on disk, so only the first run pays for compiling.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_SEPARATOR, _WORD, _CHAR_TOKEN, _MARK = 0, 1, 2, 3


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
def first_occurrences_kernel(hashes, first, part, bits):  # type: ignore[no-untyped-def]
    """Write into ``first`` the first position of every hash whose top ``bits`` bits are
    ``part``, in one pass over an open-addressing table of positions (threads may fill the
    parts of one ``first`` array at once: each writes only its own positions). A hash of 0
    stands for no shingle and is its own first occurrence."""
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
    table = np.full(size, -1, dtype=np.int64)
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
