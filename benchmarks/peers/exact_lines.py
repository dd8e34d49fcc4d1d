"""Baseline: exact normalised-unit hashing (casefold, collapse whitespace); later copies removed.

Why: the simplest thing a user would try; catches exact and case noise, misses everything fuzzy.
"""

from __future__ import annotations

import hashlib

from benchmarks.peers._common import Writer, args, read_docs, removal, units


def main() -> None:
    a = args()
    first: dict[bytes, tuple[str, int, int]] = {}
    out = Writer(a.out)
    for doc_id, text in read_docs(a.corpus):
        removed = []
        for s, e in units(text, a.unit):
            key = hashlib.blake2b(" ".join(text[s:e].casefold().split()).encode(),
                                  digest_size=8).digest()
            if key in first:
                removed.append(removal((s, e), first[key]))
            else:
                first[key] = (doc_id, s, e)
        out.write(doc_id, text, removed)
    out.close()


if __name__ == "__main__":
    main()
