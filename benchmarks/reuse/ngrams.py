"""The 2013-style baseline of text alignment: exact matches of 50-character n-grams.

Why: it is the reference point the text-alignment literature reports beside every system;
it finds verbatim copies well and little else. Implemented corpus-wide here, as a cleaner
would run it: every document is compared with all earlier ones at once.

Text is lower-cased and every run of white space becomes one space (so re-wrapping does not
matter); each 50-character window is hashed to 64 bits (polynomial hash, NumPy, wrapping
arithmetic), and a window whose first occurrence lies in an earlier document is a seed pointing
there. Seeds on one diagonal (both positions advancing together) form runs; runs citing the same
document are merged into one detection while the gaps on both sides stay within ``gap``
characters and the source side moves forward; detections shorter than ``min_chars`` are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from benchmarks.reuse.plagdet import Alignment

N = 50
GAP = 200
MIN_CHARS = 100
_BASE = np.uint64(0x100000001B3)
_RUN = re.compile(r"\S+")


def normalise(text: str) -> tuple[str, np.ndarray]:
    """Lower-cased text with white-space runs as one space, and each of its characters'
    offset in ``text``.

    >>> normalise("Ab  c\\nD")
    ('ab c d', array([0, 1, 3, 4, 5, 6]))
    """
    pieces: list[str] = []
    offsets: list[np.ndarray] = []
    for m in _RUN.finditer(text):
        if pieces:
            pieces.append(" ")
            offsets.append(np.array([m.start() - 1]))
        word = m.group()
        low = word.lower()
        pieces.append(low if len(low) == len(word) else word)
        offsets.append(np.arange(m.start(), m.end()))
    if not pieces:
        return "", np.zeros(0, dtype=np.int64)
    return "".join(pieces), np.concatenate(offsets).astype(np.int64)


def window_hashes(text: str, n: int = N) -> np.ndarray:
    """A 64-bit hash of every ``n``-character window of ``text`` (empty if shorter)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out = out * _BASE + codes[k : k + count] + np.uint64(1)
    return out


def detect(
    docs: Sequence[tuple[str, str]], n: int = N, gap: int = GAP, min_chars: int = MIN_CHARS
) -> list[Alignment]:
    """Detections in every document of text first seen in an earlier one, in corpus order."""
    norm = [normalise(text) for _, text in docs]
    hashes = [window_hashes(t, n) for t, _ in norm]
    doc_of = np.concatenate([np.full(len(h), i, dtype=np.int64) for i, h in enumerate(hashes)])
    pos_of = np.concatenate([np.arange(len(h), dtype=np.int64) for h in hashes])
    if not len(doc_of):
        return []
    _, first, inverse = np.unique(np.concatenate(hashes), return_index=True, return_inverse=True)
    src = first[inverse]  # each window's first occurrence, as an index into the corpus arrays
    out: list[Alignment] = []
    offset = 0
    for d, h in enumerate(hashes):
        here = slice(offset, offset + len(h))
        offset += len(h)
        s = src[here]
        hit = np.flatnonzero(doc_of[s] < d)
        if not len(hit):
            continue
        sdoc, spos = doc_of[s[hit]], pos_of[s[hit]]
        # runs: consecutive windows on one diagonal of one source document
        breaks = (
            np.flatnonzero((np.diff(hit) != 1) | (np.diff(spos) != 1) | (np.diff(sdoc) != 0)) + 1
        )
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks, [len(hit)])) - 1
        current: list[int] | None = None  # [doc, start, end, src start, src end] (normalised)
        merged: list[list[int]] = []
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            run = [int(sdoc[a]), int(hit[a]), int(hit[b]) + n, int(spos[a]), int(spos[b]) + n]
            if (
                current is not None
                and run[0] == current[0]
                and run[1] - current[2] <= gap
                and -n <= run[3] - current[4] <= gap
            ):
                current[2] = max(current[2], run[2])
                current[4] = max(current[4], run[4])
            else:
                current = run
                merged.append(current)
        offsets = norm[d][1]
        for sd, a, b, sa, sb in merged:
            if b - a < min_chars:
                continue
            src_offsets = norm[sd][1]
            out.append(
                Alignment(
                    doc=docs[d][0],
                    start=int(offsets[a]),
                    end=int(offsets[b - 1]) + 1,
                    source=docs[sd][0],
                    source_start=int(src_offsets[sa]),
                    source_end=int(src_offsets[sb - 1]) + 1,
                )
            )
    return out
