"""Floor: read every file, regex-tokenise, hash the tokens with NumPy, dedupe nothing.

Why: no dedup tool written in Python can beat this, so every MB/s is also shown as a ratio of it.
"""

from __future__ import annotations

import json
import re

import numpy as np

from benchmarks.peers._common import args, read_docs

_TOKEN = re.compile(r"\w+")
_POW = np.uint64(1099511628211) ** np.arange(64, dtype=np.uint64)


def token_hashes(text: str) -> np.ndarray:
    """64-bit polynomial hash of each casefolded token, vectorised over the bytes."""
    joined = "\0".join(_TOKEN.findall(text.casefold())).encode("utf-8")
    if not joined:
        return np.zeros(0, dtype=np.uint64)
    b = np.frombuffer(joined, dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(b == 0) + 1])
    pos = np.arange(len(b)) - np.repeat(starts, np.diff(np.concatenate([starts, [len(b)]])))
    with np.errstate(over="ignore"):
        return np.add.reduceat(b.astype(np.uint64) * _POW[np.minimum(pos, 63)], starts)


def main() -> None:
    a = args()
    tokens = 0
    acc = np.uint64(0)
    for _, text in read_docs(a.corpus):
        h = token_hashes(text)
        tokens += len(h)
        acc ^= np.bitwise_xor.reduce(h) if len(h) else np.uint64(0)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "removed.jsonl").write_text("")
    (a.out / "summary.json").write_text(json.dumps({"tokens": tokens, "xor": int(acc)}))


if __name__ == "__main__":
    main()
