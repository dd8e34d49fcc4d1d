"""Index of first occurrences: for every shingle, where in corpus order it was first seen."""

from __future__ import annotations

import numpy as np

from .normalize import compiled


def first_occurrences(hashes: np.ndarray) -> np.ndarray:
    """For each position, the smallest position holding the same hash (itself if first).

    One pass over a hash table when the compiled kernels are there, else a sort.
    """
    if compiled() is not None and len(hashes):
        from ._kernel import first_occurrences_kernel

        return first_occurrences_kernel(hashes)  # type: ignore[no-any-return]
    return first_occurrences_sorted(hashes)


def first_occurrences_sorted(hashes: np.ndarray) -> np.ndarray:
    """The sorting reference of :func:`first_occurrences`.

    The sort only groups equal hashes; the first occurrence of each group is its smallest
    position, so the result depends on corpus order alone, not on how the sort breaks ties.
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(hashes)
    ordered = hashes[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    del ordered
    starts = np.flatnonzero(new_group)
    group_first = np.minimum.reduceat(order, starts)
    first = np.empty(n, dtype=np.int64)
    first[order] = np.repeat(group_first, np.diff(np.append(starts, n)))
    return first
