"""Array helpers that NumPy lacks or makes slow."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values: what ``np.unique`` gives, by a sort (NumPy 2.3+ takes a
    hash-table path for ``np.unique`` that is many times slower on millions of 64-bit hashes)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def in_sorted(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """``np.isin(values, ordered)`` for a sorted ``ordered``: one binary search per value,
    where ``np.isin`` compares every value with every member of a small set."""
    if not len(ordered):
        return np.zeros(np.shape(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return ordered[at] == values  # type: ignore[no-any-return]


def range_indices(first: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indices ``first[i] .. first[i] + counts[i]`` of every range, one range after the
    other, and where each range's indices begin among them: one gather for many ranges, not a
    slice per range."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(first - offsets, counts) + np.arange(int(counts.sum())), offsets
