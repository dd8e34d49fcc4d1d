"""Index of first occurrences: for every shingle, where in corpus order it was first seen."""

from __future__ import annotations

import numpy as np


def first_occurrences(hashes: np.ndarray) -> np.ndarray:
    """For each position, the smallest position holding the same hash (itself if first).

    A stable sort groups equal hashes in input order, so the result never depends on anything
    but corpus order.
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    new_group[1:] = ordered[1:] != ordered[:-1]
    group_first = order[new_group]
    first = np.empty(n, dtype=np.int64)
    first[order] = group_first[np.cumsum(new_group) - 1]
    return first
