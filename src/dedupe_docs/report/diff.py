"""How a removed copy differs from the text it repeats, as a reader sees it.

A copy that differs from its source only in case, spacing, typographic quotes and dashes, or
doubled letters is the same text to a reader, and the matcher treated it so. The differences are
therefore computed on a folded form of both texts, then mapped back onto the original texts, so
only the real edits (a typo, a changed word or number, a mark of punctuation) are marked.

The folded form follows the matching normalisation of :mod:`dedupe_docs.stages.normalize`
(compatibility decomposition, case folding, runs of a repeated character squeezed to one) but
keeps what a reader must see: digits (never squeezed), punctuation and accents. Spacing is
dropped, as the matcher drops it; typographic quotes and dashes read as their ASCII forms. An
edit never starts or ends with spacing: a word inserted at the end of a line is marked without
the line break after it.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any, Literal

import attrs
import numpy as np
from rapidfuzz.distance import Levenshtein

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]
"""``(tag, source_start, source_end, text_start, text_end)``, offsets into the two strings."""

MAX_DIFF_CELLS = 400_000_000
"""Longer pairs (their folded lengths multiplied) are not compared character by character."""

_ASCII_FORMS = {
    **dict.fromkeys("‘’‚‛′‹›`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
}


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKD", ch).casefold()
    return "".join(_ASCII_FORMS.get(c, c) for c in folded)


@attrs.frozen
class Folded:
    """The folded form of a text and where each of its characters comes from.

    ``origin[i]`` is the index in the original text of the character that gave folded character
    ``i``; characters folded away (spacing, the second of a doubled letter) belong to the folded
    character before them. Only letters side by side are doubled, not two one-letter words.
    """

    text: str
    origin: list[int]
    length: int
    """Length of the original text."""

    def at(self, i: int) -> int:
        """Original offset of folded offset ``i`` (``0`` and the end map to the ends)."""
        if i <= 0:
            return 0
        return self.length if i >= len(self.text) else self.origin[i]


_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)])
_ASCII_DIGIT = np.array([chr(c).isdigit() for c in range(128)])
_ASCII_FOLD = {ord(c): f for c, f in _ASCII_FORMS.items() if c.isascii()}


def fold(text: str) -> Folded:
    """``text`` folded for comparison: case, spacing, quotes and dashes, doubled letters.

    >>> fold("THE  “Letter” ,printed\\ntwice").text
    'the"leter",printedtwice'
    >>> fold("TThhee  lleetttteerr").text == fold("the letter").text
    True
    >>> fold("a apple").text == fold("apple").text  # not doubled: a word of its own
    False
    """
    if text.isascii():  # the common case, in NumPy: the same folding (tested)
        return _fold_ascii(text)
    return _fold_any(text)


def _fold_any(text: str) -> Folded:
    out: list[str] = []
    origin: list[int] = []
    seen = -2  # the last character that is not spacing
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        joined, seen = seen == i - 1 and bool(out), i  # no spacing since the last character
        for c in _fold_char(ch):
            if joined and c == out[-1] and not c.isdigit():
                continue  # a doubled letter or mark
            out.append(c)
            origin.append(i)
            joined = True  # the rest of a character folded to several ("ß" to "ss")
    return Folded("".join(out), origin, len(text))


def _fold_ascii(text: str) -> Folded:
    codes = np.frombuffer(text.lower().translate(_ASCII_FOLD).encode("ascii"), np.uint8)
    at = np.flatnonzero(~_ASCII_SPACE[codes])
    kept = codes[at]
    keep = np.ones(len(kept), dtype=bool)
    doubled = (kept[1:] == kept[:-1]) & (np.diff(at) == 1)  # no spacing between the two
    keep[1:] = ~doubled | _ASCII_DIGIT[kept[1:]]
    return Folded(kept[keep].tobytes().decode("ascii"), at[keep].tolist(), len(text))


def differences(old: str, new: str, context: tuple[str, str] = ("", "")) -> tuple[Opcode, ...]:
    """Opcodes turning ``old`` into ``new``, computed on their folded forms (:func:`fold`) and
    given as offsets into ``old`` and ``new``; equal runs of 1-2 characters between two changes
    are folded into one change, so a re-typed word reads as one replacement.

    ``context`` holds the characters just before and after ``old`` in its document (the
    punctuation around a quoted span): compared as part of it, never marked, so a full stop
    that the removed copy holds and the quoted span ends just before is no edit.

    >>> differences("colour", "color")
    (('equal', 0, 4, 0, 4), ('delete', 4, 5, 4, 4), ('equal', 5, 6, 4, 5))
    >>> differences("The letter", "THE  LETTER.", ("", "."))
    (('equal', 0, 10, 0, 12),)
    """
    if old == new:
        return (("equal", 0, len(old), 0, len(new)),) if old else ()
    before, after = context
    whole = before + old + after
    a, b = fold(whole), fold(new)
    if a.text == b.text or (len(a.text) * len(b.text) > MAX_DIFF_CELLS):
        tag: Tag = "equal" if a.text == b.text else "replace"
        return ((tag, 0, len(old), 0, len(new)),)
    merged: list[list[Any]] = []
    raw = Levenshtein.opcodes(a.text, b.text)
    for i, op in enumerate(raw):
        short_gap = (
            op.tag == "equal"
            and 0 < i < len(raw) - 1
            and op.src_end - op.src_start <= 2
            and "\n" not in whole[a.at(op.src_start) : a.at(op.src_end)]
        )
        folded = [op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end]
        if short_gap or (op.tag != "equal" and merged and merged[-1][0] != "equal"):
            merged[-1][0] = "replace"
            merged[-1][2], merged[-1][4] = folded[2], folded[4]
        else:
            merged.append(folded)

    def inside(i: int) -> int:  # an offset of ``whole`` as one of ``old``
        return min(max(a.at(i) - len(before), 0), len(old))

    ops = [[t, inside(a0), inside(a1), b.at(b0), b.at(b1)] for t, a0, a1, b0, b1 in merged]
    ops[-1][2], ops[-1][4] = len(old), len(new)  # an empty folded form maps its end to 0
    ops = [op for op in ops if op[2] > op[1] or op[4] > op[3]]
    return tuple(_retag(op) for op in _trimmed(ops, old, new))


def _trimmed(ops: list[list[Any]], old: str, new: str) -> list[list[Any]]:
    """``ops`` with the spacing at either end of each edit handed to the equal runs beside it."""
    out: list[list[Any]] = []
    for op in ops:
        if op[0] == "equal":
            if out and out[-1][0] == "equal":
                out[-1][2], out[-1][4] = op[2], op[4]
            else:
                out.append(op)
            continue
        tag, a0, a1, b0, b1 = op
        a0, b0 = _skip_space(old, a0, a1), _skip_space(new, b0, b1)
        if (a0, b0) != (op[1], op[3]):
            if out:
                out[-1][2], out[-1][4] = a0, b0
            else:
                out.append(["equal", op[1], a0, op[3], b0])
        a1, b1 = _skip_space_back(old, a0, a1), _skip_space_back(new, b0, b1)
        out.append([tag, a0, a1, b0, b1])
        if (a1, b1) != (op[2], op[4]):
            out.append(["equal", a1, op[2], b1, op[4]])
    return out


def _skip_space(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def _skip_space_back(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _retag(op: list[Any]) -> Opcode:
    tag, a0, a1, b0, b1 = op
    if tag != "equal":
        tag = "delete" if b0 == b1 else "insert" if a0 == a1 else "replace"
    return (tag, a0, a1, b0, b1)
