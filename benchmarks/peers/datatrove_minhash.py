"""Peer: datatrove's MinHash dedup (signature → buckets → cluster → filter), one Document per unit.

Why: the dedup used to build FineWeb, applied at paragraph level by making every paragraph its own
document (default MinhashConfig: 5-grams, 14 buckets × 8 hashes). The steps are called directly,
in order, as its LocalPipelineExecutor would; datatrove keeps no source pointer, so source is null.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)

from benchmarks.peers._common import Writer, args, read_docs, removal, units


def drain(result: Any) -> None:
    if isinstance(result, Iterable):
        for _ in result:
            pass


def main() -> None:
    a = args()
    cfg = MinhashConfig()
    spans: list[tuple[str, int, int]] = []

    def unit_docs() -> Iterable[Document]:
        n = 0
        for doc_id, text in read_docs(a.corpus):
            for s, e in units(text, a.unit):
                if n == len(spans):
                    spans.append((doc_id, s, e))
                yield Document(text=text[s:e], id=str(n))
                n += 1

    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        drain(MinhashDedupSignature(output_folder=str(t / "sigs"), config=cfg).run(unit_docs()))
        for b in range(cfg.num_buckets):
            step = MinhashDedupBuckets(input_folder=str(t / "sigs"), output_folder=str(t / "bk"),
                                       config=cfg)
            drain(step.run(None, rank=b, world_size=cfg.num_buckets))
        drain(MinhashDedupCluster(input_folder=str(t / "bk"), output_folder=str(t / "rm"),
                                  config=cfg).run(None))
        kept = {d.id for d in MinhashDedupFilter(input_folder=str(t / "rm")).run(unit_docs())}
    out = Writer(a.out)
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for n, (doc_id, s, e) in enumerate(spans):
        if str(n) not in kept:
            by_doc.setdefault(doc_id, []).append(removal((s, e), None))
    for doc_id, text in read_docs(a.corpus):
        out.write(doc_id, text, by_doc.get(doc_id, []))
    out.close()


if __name__ == "__main__":
    main()
