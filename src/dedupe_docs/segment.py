"""Documents → blocks: the units that are kept or dropped, as code-point spans.

A block is a non-blank line (default) or a paragraph (lines between blank lines), trimmed of
surrounding whitespace, so everything outside the blocks is whitespace. Sentences are the finer
unit used to cut the duplicate part out of a block that is only partly a duplicate.
"""

from __future__ import annotations

import numpy as np
import regex

from .config import Unit
from .normalize import codepoints, lookup, tables

_SENTENCE = regex.compile(
    r"[^\s](?:.*?)(?:[.!?…]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』”’）]*|$)", regex.DOTALL
)


def segment(text: str, unit: Unit = "line", cps: np.ndarray | None = None) -> np.ndarray:
    """Block spans of ``text`` as an ``(n, 2)`` int64 array of ``[start, end)`` offsets."""
    if cps is None:
        cps = codepoints(text)
    layout = lookup(cps, tables().layout, 3)
    visible = np.flatnonzero(layout == 0)
    if len(visible) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    is_break = layout == 2
    line = np.cumsum(is_break, dtype=np.int64)[visible]
    new_line = np.ones(len(visible), dtype=bool)
    new_line[1:] = line[1:] != line[:-1]
    last = np.append(new_line[1:], True)
    blocks = np.stack([visible[new_line], visible[last] + 1], axis=1).astype(np.int64)
    if unit == "line" or len(blocks) < 2:
        return blocks
    # A paragraph ends where two line breaks (\r\n counts once) separate two lines.
    counted = is_break.copy()
    counted[1:] &= ~((cps[1:] == 0x0A) & (cps[:-1] == 0x0D))
    breaks = np.concatenate(([0], np.cumsum(counted, dtype=np.int64)))
    between = breaks[blocks[1:, 0]] - breaks[blocks[:-1, 1]]
    starts = np.flatnonzero(np.concatenate(([True], between >= 2)))
    ends = np.append(starts[1:], len(blocks)) - 1
    return np.stack([blocks[starts, 0], blocks[ends, 1]], axis=1)


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, trimmed, covering all its non-blank text."""
    spans = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.span()
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans
