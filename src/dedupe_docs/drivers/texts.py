"""The texts of a corpus as one array of bytes, each document at a fixed width, for tasks that
read them by offset.

A Ray task that needs texts (signing a batch, deciding a range of documents) gets this array
from the object store, where it is shared memory that every worker on a node maps without
copying it, instead of a list of strings unpickled anew by every task. A task decodes its own
documents whole and slices only the passages it cites of the others, the way the bounded
driver reads its text file (the stage functions only slice texts they do not own).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import attrs
import numpy as np

CODECS = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}
"""How a document of each width (bytes a character) is stored: a fixed width, so that a
passage of a document is read from its character offsets alone."""


def encode(text: str) -> tuple[int, bytes]:
    """``text`` as stored (see ``CODECS``), and its width: the narrowest of one byte (ASCII),
    two (UTF-16 of one unit a character: no lone surrogate, nothing beyond the Basic
    Multilingual Plane) or four."""
    if text.isascii():
        return 1, text.encode("latin-1")
    with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate
        data = text.encode("utf-16-le")
        if len(data) == 2 * len(text):  # else a character took two units
            return 2, data
    return 4, text.encode("utf-32-le", "surrogatepass")


@attrs.frozen(eq=False)
class Lengths:
    """What a driver keeps of texts it let go once they were in a shared :class:`TextStore`:
    each document's length in characters and in UTF-8 bytes (for progress)."""

    chars: list[int]
    utf8: list[int]

    def __len__(self) -> int:
        return len(self.chars)


@attrs.frozen(eq=False)
class TextStore:
    """Every document's text, ``data[at[d]:at[d + 1]]`` at ``width[d]`` bytes a character."""

    data: np.ndarray
    at: np.ndarray
    width: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> TextStore:
        widths, pieces = zip(*map(encode, texts), strict=True) if texts else ((), ())
        at = np.zeros(len(pieces) + 1, np.int64)
        np.cumsum([len(p) for p in pieces], out=at[1:])
        data = np.frombuffer(b"".join(pieces), np.uint8)
        return cls(data, at, np.array(widths, np.int8))

    def __len__(self) -> int:
        return len(self.width)

    def texts(self, d0: int, d1: int) -> list[str]:
        """The texts of documents ``d0..d1``."""
        at = self.at[d0 : d1 + 1].tolist()
        view = memoryview(self.data)
        return [
            str(view[a:b], CODECS[w], "surrogatepass")
            for a, b, w in zip(at, at[1:], self.width[d0:d1].tolist(), strict=False)
        ]

    def chars(self, d: int, start: int, end: int) -> str:
        """Characters ``start..end`` of document ``d``."""
        width, at = int(self.width[d]), int(self.at[d])
        data = memoryview(self.data)[at + start * width : at + end * width]
        return str(data, CODECS[width], "surrogatepass")

    def length(self, d: int) -> int:
        return (int(self.at[d + 1]) - int(self.at[d])) // int(self.width[d])

    def where(self, d: int) -> tuple[np.ndarray, int, int, int]:
        """Where document ``d`` is: the data, its first byte, its width and its length."""
        at, width = int(self.at[d]), int(self.width[d])
        return self.data, at, width, (int(self.at[d + 1]) - at) // width

    def view(self, d0: int, d1: int) -> Texts:
        """The texts as a task over documents ``d0..d1`` reads them."""
        return Texts(self, d0, self.texts(d0, d1))


class Texts(Sequence[str]):
    """Document texts by corpus number: those of ``d0..`` whole, the others as
    :class:`_Sliced` (read a passage at a time; one made per document, its place in the store
    found once)."""

    def __init__(self, store: TextStore | TextStores, first: int, own: list[str]) -> None:
        self.store, self.first, self.own = store, first, own
        self.n_own = len(own)
        self.others: dict[int, _Sliced] = {}

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, d: int) -> str:  # type: ignore[override]
        i = d - self.first
        if 0 <= i < self.n_own:
            return self.own[i]
        sliced = self.others.get(d)
        if sliced is None:
            sliced = self.others[d] = _Sliced(*self.store.where(d))
        return sliced  # type: ignore[return-value]


class _Sliced:
    """The text of a document a task does not own, read a slice at a time: ``length``
    characters of ``width`` bytes from byte ``at`` of ``data``."""

    __slots__ = ("at", "codec", "data", "length", "width")

    def __init__(self, data: np.ndarray, at: int, width: int, length: int) -> None:
        self.data, self.at, self.width, self.length = memoryview(data), at, width, length
        self.codec = CODECS[width]

    def __getitem__(self, where: slice) -> str:
        start, stop, _ = where.indices(self.length)
        stop = max(start, stop)
        w, at = self.width, self.at
        return str(self.data[at + start * w : at + stop * w], self.codec, "surrogatepass")


@attrs.frozen(eq=False)
class TextStores:
    """The texts of a corpus held in several :class:`TextStore`\\ s, a read task's each (on Ray
    each its own object: no process ever joins them), read as one: documents
    ``first[p]..first[p + 1]`` are those of ``parts[p]``, its documents ``kept[p]`` (None: all
    of them; the driver may drop a document whose id is a duplicate)."""

    parts: list[TextStore]
    first: np.ndarray
    kept: list[np.ndarray | None]

    def __len__(self) -> int:
        return int(self.first[-1])

    def _where(self, d: int) -> tuple[TextStore, int]:
        p = int(np.searchsorted(self.first, d, "right")) - 1
        kept, local = self.kept[p], d - int(self.first[p])
        return self.parts[p], local if kept is None else int(kept[local])

    def texts(self, d0: int, d1: int) -> list[str]:
        """The texts of documents ``d0..d1``."""
        texts: list[str] = []
        p = int(np.searchsorted(self.first, d0, "right")) - 1
        while d0 < d1:
            lo, hi = d0 - int(self.first[p]), min(d1, int(self.first[p + 1])) - int(self.first[p])
            kept, part = self.kept[p], self.parts[p]
            if kept is None:
                texts += part.texts(lo, hi)
            else:
                texts += [part.texts(k, k + 1)[0] for k in kept[lo:hi].tolist()]
            d0, p = d0 + hi - lo, p + 1
        return texts

    def chars(self, d: int, start: int, end: int) -> str:
        """Characters ``start..end`` of document ``d``."""
        part, local = self._where(d)
        return part.chars(local, start, end)

    def length(self, d: int) -> int:
        part, local = self._where(d)
        return part.length(local)

    def where(self, d: int) -> tuple[np.ndarray, int, int, int]:
        """Where document ``d`` is (:meth:`TextStore.where`)."""
        part, local = self._where(d)
        return part.where(local)

    def view(self, d0: int, d1: int) -> Texts:
        """The texts as a task over documents ``d0..d1`` reads them."""
        return Texts(self, d0, self.texts(d0, d1))  # type: ignore[arg-type]
