"""Peer: rensa (Rust MinHash) RMinHash + RMinHashLSH per unit, word 3-gram shingles.

Why: the fast, Rust-backed MinHash; same decision rule as datasketch_lsh for a fair comparison.
"""

from __future__ import annotations

from rensa import RMinHash, RMinHashLSH

from benchmarks.peers._common import Phases, Writer, args, read_docs, removal, shingles, units


def main() -> None:
    a = args()
    lsh = RMinHashLSH(threshold=a.threshold, num_perm=128, num_bands=16)
    kept: list[tuple[tuple[str, int, int], RMinHash]] = []
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
                m = RMinHash(num_perm=128, seed=42)
                m.update(sh)
                hits = [k for k in lsh.query(m) if kept[k][1].jaccard(m) >= a.threshold]
                if hits:
                    removed.append(removal((s, e), kept[min(hits)][0]))
                else:
                    lsh.insert(len(kept), m)
                    kept.append(((doc_id, s, e), m))
            removed_by_doc.append(removed)
    with phases("readback"):
        out = Writer(a.out)
        for (doc_id, text), removed in zip(docs, removed_by_doc, strict=True):
            out.write(doc_id, text, removed)
        out.close()
    phases.write()


if __name__ == "__main__":
    main()
