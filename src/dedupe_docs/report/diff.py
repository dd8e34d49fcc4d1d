"""How a removed copy differs from the text it repeats, as a reader sees it.

A copy that differs from its source only in case, spacing, typographic quotes and dashes, or
doubled letters is the same text to a reader, and the matcher treated it so. The differences are
therefore computed on a folded form of both texts, then mapped back onto the original texts, so
only the real edits (a typo, a changed word or number, a mark of punctuation) are marked.

Copies that were reworded (the ``reworded`` rule: words shuffled, inserted, deleted or replaced
by synonyms) are compared word by word instead (:func:`word_differences`): a changed word reads
as one replaced word, not as a few changed letters, and a word that moved is marked as moved.

The folded form follows the matching normalisation of :mod:`dedupe_docs.stages.normalize`
(compatibility decomposition, case folding, runs of a repeated character squeezed to one) but
keeps what a reader must see: digits (never squeezed), punctuation and accents. Spacing is
dropped, as the matcher drops it; typographic quotes and dashes read as their ASCII forms. An
edit never starts or ends with spacing: a word inserted at the end of a line is marked without
the line break after it.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from typing import Any, Literal

import attrs
import numpy as np
from rapidfuzz.distance import Indel, Levenshtein

Tag = Literal["equal", "replace", "delete", "insert", "move"]
Opcode = tuple[Tag, int, int, int, int]
"""``(tag, source_start, source_end, text_start, text_end)``, offsets into the two strings;
``move`` (word differences only) is a word of the source found at another place of the copy."""

MAX_DIFF_CELLS = 400_000_000
"""Longer pairs (their folded lengths multiplied) are not compared character by character."""
MAX_WORD_CELLS = 50_000_000
"""Longer pairs (their numbers of words multiplied) are not compared word by word."""

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


_WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
"""A word (with its inner apostrophes: ``doesn't``) or one mark of punctuation."""


def word_differences(old: str, new: str, context: tuple[str, str] = ("", "")) -> tuple[Opcode, ...]:
    """Opcodes turning ``old`` into ``new`` word by word, for reworded copies.

    Words are compared folded (:func:`fold`: case, quotes, doubled letters), and each edit
    covers whole words (or marks of punctuation): the longest common subsequence of the two
    word sequences is equal; a word of ``old`` left out of it that ``new`` holds elsewhere,
    also left out, is ``move`` (the nearest such pair first, neighbouring moved words one
    edit); the other words left out between two equal words are ``replace`` (a run of words of
    ``old`` paired with a run of ``new``), ``delete`` or ``insert``. Edits come in the order of
    ``new``, and the ``text`` ranges of all opcodes tile ``new``; an ``equal`` opcode's
    ``source`` range spans the words it matched (a move breaks the order of ``old``).
    ``context`` is as for :func:`differences`: its words match but are never deleted.

    >>> old, new = "They keep the letters", "They retain the letters"
    >>> [(t, old[a0:a1], new[b0:b1]) for t, a0, a1, b0, b1 in word_differences(old, new)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('equal', 'They', 'They '), ('replace', 'keep', 'retain'),
     ('equal', 'the letters', ' the letters')]
    >>> old, new = "the quick brown fox jumps", "quick brown fox the jumps"
    >>> [(t, old[a0:a1], new[b0:b1]) for t, a0, a1, b0, b1 in word_differences(old, new)
    ...  if t != "equal"]
    [('move', 'the', 'the')]
    """
    if old == new:
        return (("equal", 0, len(old), 0, len(new)),) if old else ()
    before, after = context
    whole = before + old + after
    lo, hi = len(before), len(before) + len(old)
    src = [m.span() for m in _WORD.finditer(whole)]
    dst = [m.span() for m in _WORD.finditer(new)]
    ka = [fold(whole[s:e]).text for s, e in src]
    kb = [fold(new[s:e]).text for s, e in dst]

    def inside(i: int) -> int:  # an offset of ``whole`` as one of ``old``
        return min(max(i - lo, 0), len(old))

    if len(ka) * len(kb) > MAX_WORD_CELLS:
        return (("replace", 0, len(old), 0, len(new)),)
    pairs: list[tuple[int, int]] = []  # (word of old, word of new), in order
    for op in Indel.opcodes(ka, kb):
        if op.tag == "equal":
            n = op.src_end - op.src_start
            pairs.extend((op.src_start + k, op.dest_start + k) for k in range(n))
    matched_a = {i for i, _ in pairs}
    matched_b = {j for _, j in pairs}
    # Words of ``old`` left out (not context, which is never deleted), by folded form.
    left: defaultdict[str, list[int]] = defaultdict(list)
    for i, (s, e) in enumerate(src):
        if i not in matched_a and lo <= s and e <= hi and ka[i][:1].isalnum():
            left[ka[i]].append(i)
    moved: dict[int, int] = {}  # word of new -> word of old it moved from
    for j, key in enumerate(kb):
        if j in matched_b or not left.get(key):
            continue
        near = min(left[key], key=lambda i: abs(i / len(ka) - j / len(kb)))
        left[key].remove(near)
        moved[j] = near
    moved_from = set(moved.values())
    edits: list[list[Any]] = []
    for j, i in sorted(moved.items()):
        last = edits[-1] if edits else None
        if last is not None and last[5] == j - 1 and last[6] == i - 1:
            last[2], last[4], last[5], last[6] = src[i][1], dst[j][1], j, i
        else:
            edits.append(["move", src[i][0], src[i][1], dst[j][0], dst[j][1], j, i])
    edits = [e[:5] for e in edits]
    anchors = [(-1, -1), *pairs, (len(src), len(dst))]
    for (pi, pj), (ni, nj) in itertools.pairwise(anchors):
        gone = _runs([i for i in range(pi + 1, ni) if i not in moved_from and lo <= src[i][0] < hi])
        came = _runs([j for j in range(pj + 1, nj) if j not in moved])
        at_a = src[ni][0] if ni < len(src) else len(whole)
        at_b = dst[nj][0] if nj < len(dst) else (dst[-1][1] if dst else len(new))
        for k in range(max(len(gone), len(came))):
            if k < len(gone) and k < len(came):
                (i0, i1), (j0, j1) = gone[k], came[k]
                edits.append(["replace", src[i0][0], src[i1][1], dst[j0][0], dst[j1][1]])
            elif k < len(gone):
                i0, i1 = gone[k]
                edits.append(["delete", src[i0][0], src[i1][1], at_b, at_b])
            else:
                j0, j1 = came[k]
                edits.append(["insert", at_a, at_a, dst[j0][0], dst[j1][1]])
    edits.sort(key=lambda e: (e[3], e[4] > e[3], e[1]))
    # Equal runs between the edits: the copy's text, and the words of old they matched.
    starts = [dst[j][0] for _, j in pairs]
    ops: list[Opcode] = []
    cursor = 0

    def equal(b0: int, b1: int) -> None:
        """Equal opcodes for ``new[b0:b1]``, split where the words of old they match are not
        side by side there (a word that moved away lies between them)."""
        first = bisect.bisect_left(starts, b0)
        last = bisect.bisect_left(starts, b1) - 1
        if first > last:
            at = src[pairs[first][0]][0] if first < len(pairs) else len(whole)
            ops.append(("equal", inside(at), inside(at), b0, b1))
            return
        run = first
        for k in range(first + 1, last + 2):
            if k <= last and pairs[k][0] == pairs[k - 1][0] + 1:
                continue
            end = b1 if k > last else dst[pairs[k][1]][0]
            a0, a1 = src[pairs[run][0]][0], src[pairs[k - 1][0]][1]
            ops.append(("equal", inside(a0), inside(a1), b0, end))
            b0, run = end, k

    for tag, a0, a1, b0, b1 in edits:
        if b0 > cursor:
            equal(cursor, b0)
        ops.append((tag, inside(a0), inside(a1), b0, b1))
        cursor = max(cursor, b1)
    if cursor < len(new) or not ops:
        equal(cursor, len(new))
    return tuple(ops)


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive ``indices`` as ``(first, last)`` runs."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def compare(
    old: str, new: str, context: tuple[str, str] = ("", ""), *, words: bool = False
) -> tuple[Opcode, ...]:
    """:func:`word_differences` if ``words`` (a reworded copy), else :func:`differences`."""
    return (word_differences if words else differences)(old, new, context)
