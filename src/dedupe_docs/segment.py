"""Documents → blocks: the units that are kept or dropped, as code-point spans.

A block is a non-blank line (default) or a paragraph (lines between blank lines), trimmed of
surrounding whitespace, so everything outside the blocks is whitespace. Sentences are the finer
unit used to cut the duplicate part out of a block that is only partly a duplicate.
"""

from __future__ import annotations

import numpy as np
import regex

from .config import Unit

_LINE = regex.compile(r"[^\s](?:[^\r\n\u2028\u2029\x85\x0b\x0c]*[^\s])?")
_BLANK_LINE = regex.compile(r"(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*(?:\r\n|\r|\n)")
_SENTENCE = regex.compile(
    r"[^\s](?:.*?)(?:[.!?…]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』”’）]*|$)", regex.DOTALL
)


def segment(text: str, unit: Unit = "line") -> np.ndarray:
    """Block spans of ``text`` as an ``(n, 2)`` int64 array of ``[start, end)`` offsets."""
    spans = [m.span() for m in _LINE.finditer(text)]
    lines = np.array(spans, dtype=np.int64).reshape(-1, 2)
    if unit == "line" or len(lines) < 2:
        return lines
    # A paragraph ends where the gap between two lines holds a blank line.
    breaks = [0]
    for i in range(1, len(lines)):
        if _BLANK_LINE.search(text, lines[i - 1, 1], lines[i, 0]):
            breaks.append(i)
    starts = np.array(breaks)
    ends = np.append(starts[1:], len(lines)) - 1
    return np.stack([lines[starts, 0], lines[ends, 1]], axis=1)


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
