"""Token hashes → shingle hashes: k consecutive tokens hashed to 64 bits, vectorised."""

from __future__ import annotations

import numpy as np

from dedupe_docs.stages.normalize import mix64

_MULTIPLIERS = mix64(np.arange(1001, 1033, dtype=np.uint64))  # one fixed weight per position


def shingle_multipliers() -> np.ndarray:
    """The weight of each position in a shingle (for the compiled sign kernel)."""
    return _MULTIPLIERS


def shingle(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """Hash of every run of ``k`` consecutive tokens (``len - k + 1`` values, or none)."""
    n = len(token_hashes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc += token_hashes[j : j + n] * _MULTIPLIERS[j]
    return mix64(acc)
