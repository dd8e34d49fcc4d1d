"""Peer: datasketch MinHash + MinHashLSH per unit (word 3-gram shingles, 128 permutations).

Why: the most common Python near-duplicate recipe. A unit whose LSH candidates include one with
estimated Jaccard >= threshold is removed, pointing at the earliest such unit (cluster's first).
"""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from benchmarks.peers._common import Phases, Writer, args, read_docs, removal, shingles, units


def main() -> None:
    a = args()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=128)
    kept: dict[int, tuple[tuple[str, int, int], MinHash]] = {}
    phases = Phases(a.out)
    with phases("convert"):  # in-process: reading our files is all the conversion there is
        docs = list(read_docs(a.corpus))
    removed_by_doc = []
    with phases("tool"):
        for doc_id, text in docs:
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
            removed_by_doc.append(removed)
    with phases("readback"):
        out = Writer(a.out)
        for (doc_id, text), removed in zip(docs, removed_by_doc, strict=True):
            out.write(doc_id, text, removed)
        out.close()
    phases.write()


if __name__ == "__main__":
    main()
