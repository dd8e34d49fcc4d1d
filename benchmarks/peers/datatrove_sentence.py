"""Peer: datatrove SentenceDedup (3-sentence windows), per document, spans recovered exactly.

Why: datatrove's answer to passage-level duplicates. Stages 1–2 run as shipped; stage 3's filter
is asked which sentence windows it drops (``remove_dup_sentences`` is wrapped to record them), so
removed spans are the exact sentence slices it cuts. Whole-document drops (min words/sentences)
are disabled: this measures passage removal, not document filtering.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.dedup.sentence_dedup import (
    SentDedupConfig,
    SentenceDedupFilter,
    SentenceDedupSignature,
    SentenceFindDedups,
)

from benchmarks.peers._common import Writer, args, read_docs, removal
from benchmarks.peers.datatrove_minhash import drain


class _Recorder(SentenceDedupFilter):
    found: dict[str, np.ndarray]

    def remove_dup_sentences(self, doc: Document, du_lines: np.ndarray) -> tuple[str, str]:
        self.found[str(doc.id)] = du_lines.copy()
        return super().remove_dup_sentences(doc, du_lines)


def main() -> None:
    a = args()
    cfg = SentDedupConfig(min_doc_words=0, min_num_sentences=0)

    def docs() -> Any:
        for doc_id, text in read_docs(a.corpus):
            yield Document(text=text, id=doc_id)

    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        drain(SentenceDedupSignature(output_folder=str(t / "sigs"), config=cfg).run(docs()))
        drain(SentenceFindDedups(data_folder=str(t / "sigs"), output_folder=str(t / "dups"),
                                 config=cfg).run(None))
        filt = _Recorder(data_folder=str(t / "dups"), config=cfg)
        filt.found = {}
        drain(filt.run(docs()))
    out = Writer(a.out)
    for doc_id, text in read_docs(a.corpus):
        removed = []
        dups = filt.found.get(doc_id)
        if dups is not None:
            sents = list(filt.tokenizer.span_tokenize(text))
            drop = sorted({i for d in dups for i in range(d, min(d + cfg.n_sentences, len(sents)))})
            for i in drop:
                removed.append(removal((sents[i - 1][1] if i else 0, sents[i][1]), None))
        out.write(doc_id, text, removed)
    out.close()


if __name__ == "__main__":
    main()
