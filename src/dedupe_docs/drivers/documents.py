"""The documents of a corpus that tasks read (see :mod:`dedupe_docs.drivers.reads`), as the
driver holds them: no Python object per document.

A read task keeps its documents' ids, places (``file:line``), paths and records in the object
store; the driver keeps handles on them and, per document, only NumPy columns: a code for its
path and whether it is a record (:class:`Paths`, where the output goes), and a hash of its id
(while reading, to find duplicate ids). The tasks that need the documents (emit) read them by
range (:meth:`StoredDocs.columns`); so the driver's memory does not grow with the number of
documents but by a few bytes each.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any, overload

import attrs
import numpy as np

from dedupe_docs.runtime import workers
from dedupe_docs.types import Document


@attrs.frozen(eq=False)
class Paths:
    """Each document's ``path`` as a number into ``names`` (the distinct paths, in order of
    first use; -1: None) and whether it has a ``record``: what the driver plans the output's
    files from."""

    names: list[str]
    code: np.ndarray
    record: np.ndarray

    @classmethod
    def of(cls, docs: Sequence[Document]) -> Paths:
        numbers: dict[str, int] = {}
        code = [-1 if d.path is None else numbers.setdefault(d.path, len(numbers)) for d in docs]
        record = np.array([d.record is not None for d in docs], bool)
        return cls(list(numbers), np.array(code, np.int32), record)

    @classmethod
    def concat(cls, parts: Sequence[Paths]) -> Paths:
        """The paths of ``parts``' documents, one after another.

        >>> a = Paths.of([Document("1", "", "a.jsonl", {}), Document("2", "", None)])
        >>> b = Paths.of([Document("3", "", "b.txt"), Document("4", "", "a.jsonl", {})])
        >>> both = Paths.concat([a, b])
        >>> both.names, both.code.tolist(), both.record.tolist()
        (['a.jsonl', 'b.txt'], [0, -1, 1, 0], [True, False, False, True])
        """
        numbers: dict[str, int] = {}
        codes = [np.zeros(0, np.int32)]
        for part in parts:
            new = [numbers.setdefault(n, len(numbers)) for n in part.names]
            codes.append(np.array([*new, -1], np.int32)[part.code])  # -1 stays -1
        records = [np.zeros(0, bool), *(p.record for p in parts)]
        return cls(list(numbers), np.concatenate(codes).astype(np.int32), np.concatenate(records))

    def __len__(self) -> int:
        return len(self.code)

    def taken(self, at: np.ndarray) -> Paths:
        """The paths of documents ``at`` only."""
        return Paths(self.names, self.code[at], self.record[at])

    def named(self, codes: np.ndarray) -> list[str]:
        return [self.names[c] for c in codes.tolist()]


@attrs.frozen(eq=False)
class Columns:
    """What a read task keeps of its documents but their ids and texts, a list each."""

    wheres: list[str]
    paths: list[str | None]
    records: list[dict[str, Any] | None]


def id_hashes(ids: Sequence[str]) -> np.ndarray:
    """A 64-bit hash of each id, the same in every process (Python's own ``hash`` is not)."""
    digest = functools.partial(hashlib.blake2b, digest_size=8)
    joined = b"".join(digest(i.encode("utf-8", "surrogatepass")).digest() for i in ids)
    return np.frombuffer(joined, np.uint64).copy()


def joined_ids(parts: list[list[str]], kept: list[np.ndarray | None]) -> list[str]:
    """Every document's id, from the read tasks' lists (``kept``: each part's documents kept,
    None: all)."""
    ids: list[str] = []
    for part, k in zip(parts, kept, strict=True):
        ids += part if k is None else [part[i] for i in k.tolist()]
    return ids


@attrs.frozen(eq=False)
class StoredDocs(Sequence[Document]):
    """The documents of a corpus as the read tasks keep them: ``ids`` (a handle: every id),
    each part's :class:`Columns` (handles), the corpus number of each part's first document
    (``first``, the total last) and its documents kept (None: all), and their :class:`Paths`.
    Slicing fetches the documents of a range (without their text) from the object store."""

    ids: Any
    parts: list[Any]
    first: np.ndarray
    kept: list[np.ndarray | None]
    paths: Paths

    def __len__(self) -> int:
        return int(self.first[-1])

    @overload
    def __getitem__(self, at: int) -> Document: ...
    @overload
    def __getitem__(self, at: slice) -> list[Document]: ...
    def __getitem__(self, at: int | slice) -> Document | list[Document]:
        """A document, or those of a range (their text empty), fetched from the object store."""
        if isinstance(at, int):
            return self[at : at + 1][0]
        d0, d1, _ = at.indices(len(self))
        if d1 <= d0:
            return []
        ids = self.id_list()[d0:d1]
        paths, records = workers.value(self.columns(d0, d1), "ray")
        return [Document(*doc) for doc in zip(ids, [""] * len(ids), paths, records, strict=True)]

    def id_list(self) -> list[str]:
        """Every document's id, fetched from the object store."""
        return workers.value(self.ids, "ray")  # type: ignore[no-any-return]

    def columns(self, d0: int, d1: int) -> Any:
        """The paths and records of documents ``d0..d1`` (a nonempty range), as a handle a
        task takes: on the parts that hold them only."""
        p0 = int(np.searchsorted(self.first, d0, "right")) - 1
        p1 = int(np.searchsorted(self.first, d1, "left"))
        make = functools.partial(
            _range, first=self.first[p0 : p1 + 1] - d0, kept=self.kept[p0:p1], n=d1 - d0
        )
        return workers.joined(self.parts[p0:p1], make, "ray")


def _range(
    parts: list[Columns], first: np.ndarray, kept: list[np.ndarray | None], n: int
) -> tuple[list[str | None], list[dict[str, Any] | None]]:
    """The paths and records of ``n`` documents of ``parts`` (their columns), from the
    document ``-first[0]`` kept of the first on (``first[p]``: where part ``p``'s documents
    kept begin, counted from the first of the ``n``)."""
    paths: list[str | None] = []
    records: list[dict[str, Any] | None] = []
    for part, f, k in zip(parts, first.tolist(), kept, strict=False):
        lo = max(0, -f)
        hi = min(n - f, len(part.paths) if k is None else len(k))
        at = range(lo, hi) if k is None else k[lo:hi].tolist()
        paths += [part.paths[i] for i in at]
        records += [part.records[i] for i in at]
    return paths, records
