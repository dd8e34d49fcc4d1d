"""The segments of a persisted index: key tables written once, never rewritten.

A segment is a folder holding two columns of ``(key, value)`` rows sorted by key: ``shingles``
(hash → the index's document holding its first occurrence) and ``boilerplate`` (short-block
key → the documents it stands in). A column is one or more parts, part ``p`` of ``2**b``
holding the keys whose top ``b`` bits are ``p``, so a merge works one part at a time in
bounded memory. Part ``p`` of column ``C`` is three ``.npy`` files: ``C-pp.keys.npy`` (uint64
ascending, distinct), ``C-pp.values.npy`` (uint32, or int64 where a value needs it) and
``C-pp.filter.npy``, one bit per slot of the keys' top bits (8 to 16 bits per key), set where
a key has those bits. Looking a sorted array of hashes up walks it once: a hash whose filter
bit is clear (most hashes absent from the part) costs one read of a bit that the walk reads in
order; only the rest gallop forward through the keys.

The folders of an index written before segments (``gen-N``: 16 parts per column of
``hash-XX.npy`` and ``doc-XX.npy``, the boilerplate counts in ``bp-keys.npy`` and
``bp-counts.npy``) are read as one segment without filters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import attrs
import numpy as np
from numba import njit

from dedupe_docs.runtime.storage import fsync_path

FILTER_BITS = 8
"""Filter bits per key, at least (16 at most): a hash absent from a part passes the filter
with a probability of at most ``1 - exp(-1 / FILTER_BITS)`` (12 %)."""
PART_KEYS = 1 << 23
"""Keys per part of a merged column, at most on average: what a merge holds at a time."""

Combine = Literal["first", "sum"]
"""How a merge joins the values of a key found in several segments: the earliest segment's
value (a first occurrence), or their sum (documents counted per batch)."""


@njit(cache=True, nogil=True)
def _fill_filter(keys, bits, shift):  # type: ignore[no-untyped-def]
    for i in range(len(keys)):
        slot = keys[i] >> shift
        bits[slot >> np.uint64(3)] |= np.uint8(1) << np.uint8(slot & np.uint64(7))


@njit(cache=True, nogil=True)
def _probe_kernel(queries, keys, bits, shift, found):  # type: ignore[no-untyped-def]
    n = len(keys)
    j = 0
    for i in range(len(queries)):
        q = queries[i]
        slot = q >> shift
        if (bits[slot >> np.uint64(3)] >> np.uint8(slot & np.uint64(7))) & 1 == 0:
            continue
        if j < n and keys[j] < q:  # gallop from the last place, then halve
            lo, hi, step = j, j + 1, 1
            while hi < n and keys[hi] < q:
                lo = hi
                step *= 2
                hi = lo + step
            hi = min(hi, n)
            lo += 1
            while lo < hi:
                mid = (lo + hi) >> 1
                if keys[mid] < q:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
        if j < n and keys[j] == q:
            found[i] = j


def filter_shift(n_keys: int) -> int:
    """The shift that leaves a key's filter slot: ``64 - bits`` for ``2**bits`` slots, at least
    ``FILTER_BITS`` per key."""
    return 64 - max(3, math.ceil(math.log2(max(n_keys, 1) * FILTER_BITS)))


def build_filter(keys: np.ndarray) -> np.ndarray:
    """The filter of sorted ``keys``: bit ``key >> shift`` set for each key."""
    shift = filter_shift(len(keys))
    bits = np.zeros(1 << (64 - shift - 3), dtype=np.uint8)
    _fill_filter(keys, bits, np.uint64(shift))
    return bits


@attrs.frozen
class Part:
    """Keys ascending and distinct, one value each, and the filter (None: search without)."""

    keys: np.ndarray
    values: np.ndarray
    bits: np.ndarray | None

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Where each of the ascending ``queries`` stands in ``keys`` (-1: absent)."""
        found = np.full(len(queries), -1, dtype=np.int64)
        if len(self.keys) == 0 or len(queries) == 0:
            return found
        if self.bits is None:
            at = np.minimum(np.searchsorted(self.keys, queries), len(self.keys) - 1)
            hit = self.keys[at] == queries
            found[hit] = at[hit]
            return found
        shift = 64 - int(math.log2(len(self.bits) * 8))
        _probe_kernel(queries, self.keys, self.bits, np.uint64(shift), found)
        return found


@attrs.frozen
class Column:
    """A column of a segment: ``2**b`` parts by the keys' top ``b`` bits."""

    parts: list[Part]

    def __len__(self) -> int:
        return sum(len(p.keys) for p in self.parts)

    def slices(self, queries: np.ndarray) -> list[tuple[int, int]]:
        """The rows of the ascending ``queries`` that each part may hold."""
        bounds = _part_bounds(len(self.parts))
        cut = [*np.searchsorted(queries, bounds).tolist(), len(queries)]
        return [(cut[p], cut[p + 1]) for p in range(len(self.parts))]

    def find(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``queries`` found, and their values."""
        rows, values = [], []
        for part, (lo, hi) in zip(self.parts, self.slices(queries), strict=True):
            at = part.find(queries[lo:hi])
            hit = np.flatnonzero(at >= 0)
            rows.append(hit + lo)
            values.append(np.asarray(part.values[at[hit]], dtype=np.int64))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(values)


def _part_bounds(n_parts: int) -> np.ndarray:
    """The first key of each of ``n_parts`` parts (a power of two)."""
    if n_parts == 1:
        return np.zeros(1, dtype=np.uint64)
    bits = n_parts.bit_length() - 1
    return np.arange(n_parts, dtype=np.uint64) << np.uint64(64 - bits)


def _load(path: Path) -> np.ndarray:
    """A memory-mapped array; an empty one read whole (an empty file cannot be mapped)."""
    array = np.load(path, mmap_mode="r")
    return np.load(path) if array.size == 0 else array


def open_column(folder: Path, name: str, n_parts: int) -> Column:
    """The column ``name`` of the segment in ``folder``."""
    return Column(
        [
            Part(
                _load(folder / f"{name}-{p:02x}.keys.npy"),
                _load(folder / f"{name}-{p:02x}.values.npy"),
                _load(folder / f"{name}-{p:02x}.filter.npy"),
            )
            for p in range(n_parts)
        ]
    )


def open_legacy(folder: Path) -> tuple[Column, Column]:
    """The shingles and boilerplate columns of an index folder written before segments."""
    shingles = Column(
        [
            Part(_load(folder / f"hash-{p:02x}.npy"), _load(folder / f"doc-{p:02x}.npy"), None)
            for p in range(16)
        ]
    )
    counts = Part(_load(folder / "bp-keys.npy"), _load(folder / "bp-counts.npy"), None)
    return shingles, Column([counts])


def write_part(folder: Path, name: str, part: int, keys: np.ndarray, values: np.ndarray) -> None:
    """Write part ``part`` of column ``name`` (``keys`` ascending and distinct), fsynced."""
    small = len(values) == 0 or (values.min() >= 0 and values.max() <= np.iinfo(np.uint32).max)
    for kind, array in (
        ("keys", keys.astype(np.uint64, copy=False)),
        ("values", values.astype(np.uint32 if small else np.int64)),
        ("filter", build_filter(keys)),
    ):
        path = folder / f"{name}-{part:02x}.{kind}.npy"
        with path.open("wb") as f:
            np.save(f, array)
        fsync_path(path)


def write_column(folder: Path, name: str, keys: np.ndarray, values: np.ndarray) -> None:
    """Write ``(keys, values)`` rows (distinct keys, in any order) as a one-part column."""
    order = np.argsort(keys)  # distinct: no ties to keep in order
    write_part(folder, name, 0, keys[order], values[order])


def merged_parts(total: int) -> int:
    """Parts of a merged column of ``total`` keys: a power of two, ``PART_KEYS`` keys each at
    most on average."""
    return 1 << max(0, math.ceil(math.log2(max(total, 1) / PART_KEYS)))


def merge(folder: Path, name: str, columns: Sequence[Column], how: Combine) -> int:
    """Write the rows of ``columns`` (oldest first) as one column of ``folder``, part by part;
    return its parts. A key in several columns keeps the oldest value, or the sum."""
    n_parts = merged_parts(sum(len(c) for c in columns))
    bounds = _part_bounds(n_parts)
    for p in range(n_parts):
        keys, values = [], []
        for column in columns:
            for part in column.parts:  # the rows of each part that fall in merged part p
                cut = np.searchsorted(part.keys, bounds[p : p + 2]).tolist()
                lo, hi = cut[0], cut[1] if p + 1 < n_parts else len(part.keys)
                keys.append(np.asarray(part.keys[lo:hi]))
                values.append(np.asarray(part.values[lo:hi], dtype=np.int64))
        key = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        value = np.concatenate(values) if values else np.zeros(0, np.int64)
        order = np.argsort(key, kind="stable")  # sorted runs, oldest first among equal keys
        key, value = key[order], value[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        if how == "sum":
            value = np.add.reduceat(value, np.flatnonzero(first)) if len(key) else value
        else:
            value = value[first]
        write_part(folder, name, p, key[first], value)
    return n_parts
