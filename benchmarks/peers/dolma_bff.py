"""Peer: Dolma's Rust Bloom-filter deduper in paragraph mode (dolma splits paragraphs on "\\n").

Why: the dedup behind the Dolma corpus; exact matching of whole newline-separated paragraphs via
a Bloom filter, so it is fast and blind to any noise. The wheel is installed with --no-deps (its
pins conflict with datatrove's), so instead of the ``dolma dedupe`` CLI wrapper, which needs them,
the same Rust entry point the CLI calls is loaded directly and given the config the CLI would
build. Bloom filters keep no source pointer, so source is null.
"""

from __future__ import annotations

import gzip
import importlib.machinery
import importlib.util
import json
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.peers._common import Writer, args, read_docs, removal


def _rust() -> Any:
    path = str(next((Path(sysconfig.get_paths()["purelib"]) / "dolma").glob("dolma.*.so")))
    loader = importlib.machinery.ExtensionFileLoader("dolma", path)
    spec = importlib.util.spec_from_loader("dolma", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main() -> None:
    a = args()
    docs = list(read_docs(a.corpus))
    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        t = Path(tmp)
        (t / "documents").mkdir()
        shards = max(1, a.jobs)
        per = -(-len(docs) // shards)
        for k in range(shards):
            with gzip.open(t / "documents" / f"part-{k:05d}.jsonl.gz", "wt", encoding="utf-8") as f:
                for doc_id, text in docs[k * per : (k + 1) * per]:
                    f.write(json.dumps({"id": doc_id, "text": text, "source": "bench"}) + "\n")
        config = {
            "documents": [str(t / "documents" / "*.jsonl.gz")],
            "dedupe": {"name": "dups", "paragraphs": {"attribute_name": "dup"}, "skip_empty": True,
                       "min_length": 0, "min_words": 0, "num_partitions": 1,
                       "partition_index": 0, "file_partition": False, "document_dir": "documents"},
            "bloom_filter": {"file": str(t / "bloom.bin"), "read_only": False, "size_in_bytes": 0,
                             "estimated_doc_count": max(1000, 40 * len(docs)),
                             "desired_false_positive_rate": 1e-6},
            "is_s3_volume": False,
            "work_dir": {"input": str(t / "wi"), "output": str(t / "wo")},
            "processes": a.jobs,
            "compression": {"input": None, "output": None},
        }
        _rust().deduper_entrypoint(json.dumps(config))
        spans: dict[str, list[list[float]]] = {}
        for path in sorted((t / "attributes" / "dups").glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    spans[rec["id"]] = rec["attributes"].get("dup", [])
    out = Writer(a.out)
    for doc_id, text in docs:
        found = spans.get(doc_id, [])  # offsets are code points (checked on non-ASCII text)
        out.write(doc_id, text, [removal((int(s), int(e)), None) for s, e, *_ in found])
    out.close()


if __name__ == "__main__":
    main()
