"""Documents → blocks: the units that are kept or dropped, as code-point spans.

A block is a non-blank line (default) or a paragraph (lines between blank lines), trimmed of
surrounding whitespace, so everything outside the blocks is whitespace. Sentences are the finer
unit used to cut the duplicate part out of a block that is only partly a duplicate.
"""

from __future__ import annotations

import numpy as np
import regex

from dedupe_docs.config import Unit
from dedupe_docs.stages.normalize import codepoints, compiled, lookup, tables

_BREAK = regex.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
_SENTENCE = regex.compile(
    r"[^\s](?:.*?)(?:[.!?…]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』”’）]*|$)", regex.DOTALL
)


def segment(text: str, unit: Unit = "line", cps: np.ndarray | None = None) -> np.ndarray:
    """Block spans of ``text`` as an ``(n, 2)`` int64 array of ``[start, end)`` offsets."""
    if cps is None:
        cps = codepoints(text)
    blocks = _lines(cps)
    if unit == "line" or len(blocks) < 2:
        return blocks
    # A paragraph ends where two line breaks (\r\n counts once) separate two lines.
    between = np.array(
        [
            _BREAK.subn("", text[e:s])[1]
            for e, s in zip(blocks[:-1, 1].tolist(), blocks[1:, 0].tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    starts = np.flatnonzero(np.concatenate(([True], between >= 2)))
    ends = np.append(starts[1:], len(blocks)) - 1
    return np.stack([blocks[starts, 0], blocks[ends, 1]], axis=1)


def _lines(cps: np.ndarray) -> np.ndarray:
    """Non-blank lines, trimmed: the compiled kernel, or its NumPy reference when
    ``DEDUPE_DOCS_PURE_NUMPY`` asks for it (see :func:`~dedupe_docs.stages.normalize.compiled`)."""
    layout = tables().layout
    if compiled() is not None:
        from dedupe_docs.stages.kernels import lines_kernel

        return lines_kernel(cps, layout)  # type: ignore[no-any-return]
    kinds = lookup(cps, layout, 3)
    visible = np.flatnonzero(kinds == 0)
    if len(visible) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    line = np.cumsum(kinds == 2, dtype=np.int64)[visible]
    new_line = np.ones(len(visible), dtype=bool)
    new_line[1:] = line[1:] != line[:-1]
    last = np.append(new_line[1:], True)
    return np.stack([visible[new_line], visible[last] + 1], axis=1).astype(np.int64)


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
