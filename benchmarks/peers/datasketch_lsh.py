"""Peer: datasketch MinHash + MinHashLSH per unit (word 3-gram shingles, 128 permutations).

Why: the most common Python near-duplicate recipe. A unit whose LSH candidates include one with
estimated Jaccard >= threshold is removed, pointing at the earliest such unit (cluster's first).
"""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from benchmarks.peers._common import Writer, args, read_docs, removal, shingles, units


def main() -> None:
    a = args()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=128)
    kept: dict[int, tuple[tuple[str, int, int], MinHash]] = {}
    out = Writer(a.out)
    for doc_id, text in read_docs(a.corpus):
        removed = []
        for s, e in units(text, a.unit):
            sh = shingles(text[s:e])
            if not sh:
                continue
            m = MinHash(num_perm=128, seed=1)
            m.update_batch([x.encode() for x in sh])
            hits = [k for k in lsh.query(m) if kept[k][1].jaccard(m) >= a.threshold]
            if hits:
                removed.append(removal((s, e), kept[min(hits)][0]))
            else:
                key = len(kept)
                kept[key] = ((doc_id, s, e), m)
                lsh.insert(key, m)
        out.write(doc_id, text, removed)
    out.close()


if __name__ == "__main__":
    main()
