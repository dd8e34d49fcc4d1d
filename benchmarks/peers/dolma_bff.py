"""Peer: Dolma's Bloom-filter deduper in paragraph mode, exact (dolma splits paragraphs on "\\n").

Why: the dedup behind the Dolma corpus; exact matching of whole newline-separated paragraphs via
a Bloom filter, so it is fast and blind to any noise. Run as its users run it: our documents are
first written as Dolma's own input (gzip JSONL shards under ``documents/``, timed as ``convert``),
then the ``dolma dedupe`` command line reads them and writes attribute files only (``tool``); the
mixer that would cut the spans is not run. The CLI lives in its own venv
(``benchmarks/.venv-dolma``: its pins, numpy<2 and an old s3fs, fight datatrove's). Bloom filters
keep no source pointer, so source is null. ``dolma_ngram`` reuses :func:`run` with the n-gram
overlap mode.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.peers._common import Phases, Writer, args, read_docs, removal, write_shards

DOLMA = Path(__file__).resolve().parent.parent / ".venv-dolma" / "bin" / "dolma"


def run(a: argparse.Namespace, paragraphs: dict[str, Any], keys_per_char: float) -> None:
    """Convert, run ``dolma dedupe`` with ``paragraphs`` as its ``dedupe.paragraphs`` config, read
    the attributes back. ``keys_per_char`` sizes the Bloom filter (keys inserted per character)."""
    phases = Phases(a.out)
    with phases("convert"):
        docs = list(read_docs(a.corpus))
    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        shards = max(1, a.jobs)
        with phases("convert"):
            write_shards(docs, t / "documents", shards)
        chars = sum(len(text) for _, text in docs)
        config = {
            "documents": [str(t / "documents" / "*.jsonl.gz")],
            "dedupe": {"name": "dups", "paragraphs": {"attribute_name": "dup", **paragraphs},
                       "skip_empty": True},
            "bloom_filter": {"file": str(t / "bloom.bin"), "read_only": False,
                             "estimated_doc_count": max(1000, int(keys_per_char * chars)),
                             "desired_false_positive_rate": 1e-6},
            "work_dir": {"input": str(t / "wi"), "output": str(t / "wo")},
            "processes": a.jobs,
        }
        (t / "config.json").write_text(json.dumps(config))
        with phases("tool"):
            subprocess.run([str(DOLMA), "-c", str(t / "config.json"), "dedupe"], check=True,
                           stdout=subprocess.DEVNULL)
        with phases("readback"):
            spans: dict[str, list[list[float]]] = {}
            for path in sorted((t / "attributes" / "dups").glob("*.jsonl.gz")):
                with gzip.open(path, "rt", encoding="utf-8") as f:
                    for line in f:
                        rec = json.loads(line)
                        spans[rec["id"]] = rec["attributes"].get("dup", [])
    with phases("readback"):
        out = Writer(a.out)
        for doc_id, text in docs:
            found = spans.get(doc_id, [])  # offsets are code points (checked on non-ASCII text)
            out.write(doc_id, text, [removal((int(s), int(e)), None) for s, e, *_ in found])
        out.close()
    phases.write()


def main() -> None:
    run(args(), {}, keys_per_char=1 / 40)


if __name__ == "__main__":
    main()
