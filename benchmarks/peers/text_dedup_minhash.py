"""Peer: text-dedup's MinHash script (HF ``datasets`` based), one row per unit.

Why: a popular research near-dedup toolkit. Units are saved as a local dataset, its click entry
point runs as shipped (threshold 0.8, 5-grams, min_length 0 so short units are not dropped as a
side effect). Its union-find clusters are then read back and, as for every peer, the earliest
member of a cluster is kept and the later ones removed (text-dedup itself keeps the cluster's
union-find root, which is not always the earliest).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import datasets
from text_dedup import minhash

from benchmarks.peers._common import Writer, args, read_docs, removal, units


def main() -> None:
    a = args()
    spans: list[tuple[str, int, int]] = []
    texts: list[str] = []
    for doc_id, text in read_docs(a.corpus):
        for s, e in units(text, a.unit):
            spans.append((doc_id, s, e))
            texts.append(text[s:e])
    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        datasets.Dataset.from_dict({"text": texts}).save_to_disk(str(t / "in"))
        del texts
        minhash.main.main(args=[
            "--path", str(t / "in"), "--local", "--output", str(t / "out"),
            "--cache_dir", str(t / "cache"), "--column", "text", "--num_proc", str(a.jobs),
            "--threshold", str(a.threshold), "--min_length", "0", "--ngram", "5",
        ], standalone_mode=False)
        uf = minhash.uf
    first: dict[int, int] = {}  # cluster root -> earliest member (its own pick is the root)
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for i, (doc_id, s, e) in enumerate(spans):
        keep = first.setdefault(uf.find(i), i)
        if keep != i:
            by_doc.setdefault(doc_id, []).append(removal((s, e), spans[keep]))
    out = Writer(a.out)
    for doc_id, text in read_docs(a.corpus):
        out.write(doc_id, text, by_doc.get(doc_id, []))
    out.close()


if __name__ == "__main__":
    main()
