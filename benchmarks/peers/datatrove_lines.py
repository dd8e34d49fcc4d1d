"""Peer: datatrove line dedup: SentenceDedup over lines (``split_sentences=False``, windows of one
line), so every line whose normalised text (lower case, punctuation and spacing dropped, digits
read as 0) stood earlier in the corpus is removed.

Why: the cheapest cross-document dedup datatrove offers, and the one closest to exact-line dedup.
Run as its users run it: our documents written as gzip JSONL shards (``convert``), then three
``LocalPipelineExecutor`` stages (signatures, find duplicates, filter + ``JsonlWriter``), import
included (``tool``). Whole-document drops (min words/sentences after the cut) are off: this
measures passage removal. The removed lines are read back by aligning each cleaned document's
lines to its original lines (``readback``); datatrove keeps no source pointer, so source is null.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.peers._common import Phases, Writer, args, read_docs, removal, write_shards


def _pipeline(docs: Path, work: Path, shards: int, jobs: int) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        SentenceDedupFilter,
        SentenceDedupSignature,
        SentenceFindDedups,
    )
    from datatrove.pipeline.dedup.sentence_dedup import SentDedupConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    cfg = SentDedupConfig(n_sentences=1, split_sentences=False, min_doc_words=0,
                          min_num_sentences=0)
    common: dict[str, Any] = {"workers": jobs, "skip_completed": False}
    sign = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(docs)),
                  SentenceDedupSignature(output_folder=str(work / "sigs"), config=cfg,
                                         finder_workers=1)],
        tasks=shards, logging_dir=str(work / "logs1"), **common)
    find = LocalPipelineExecutor(
        pipeline=[SentenceFindDedups(data_folder=str(work / "sigs"),
                                     output_folder=str(work / "dups"), config=cfg)],
        tasks=1, logging_dir=str(work / "logs2"), depends=sign, **common)
    cut = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(docs)),
                  SentenceDedupFilter(data_folder=str(work / "dups"), config=cfg),
                  JsonlWriter(str(work / "out"))],
        tasks=shards, logging_dir=str(work / "logs3"), depends=find, **common)
    cut.run()


def removed_lines(text: str, cleaned: str | None) -> list[tuple[int, int]]:
    """Spans of the lines of ``text`` (as ``str.splitlines`` cuts them, like the filter) missing
    from ``cleaned``: the kept lines in order, joined by newlines, the start stripped; a document
    missing from the output lost every line."""
    if cleaned == text:
        return []
    kept = [] if cleaned is None else cleaned.split("\n")
    out, pos, k = [], 0, 0
    for chunk in text.splitlines(keepends=True):
        line = chunk.splitlines()[0] if chunk.strip("\r\n") else ""
        if k < len(kept) and (line == kept[k] or (k == 0 and line.lstrip() == kept[0])):
            k += 1
        elif line.strip():
            out.append((pos, pos + len(line)))
        pos += len(chunk)
    return out


def main() -> None:
    a = args()
    phases = Phases(a.out)
    with phases("convert"):
        docs = list(read_docs(a.corpus))
    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        shards = max(1, a.jobs)
        with phases("convert"):
            write_shards(docs, t / "documents", shards)
        with phases("tool"):
            _pipeline(t / "documents", t, shards, a.jobs)
        with phases("readback"):
            cleaned: dict[str, str] = {}
            for path in sorted((t / "out").glob("*.jsonl*")):
                with gzip.open(path, "rt", encoding="utf-8") as f:
                    for line in f:
                        rec = json.loads(line)
                        cleaned[rec["id"]] = rec["text"]
    with phases("readback"):
        out = Writer(a.out)
        for doc_id, text in docs:
            spans = removed_lines(text, cleaned.get(doc_id))
            out.write(doc_id, text, [removal(s, None) for s in spans])
        out.close()
    phases.write()


if __name__ == "__main__":
    main()
