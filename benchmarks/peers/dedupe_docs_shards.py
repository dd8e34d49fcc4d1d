"""dedupe_docs on the very input Dolma and datatrove read: the gzip JSONL shards.

Why: the planted corpus is a folder of .txt files, dedupe_docs's own format, while the peers are
timed on gzip shards made from it. Running ``dedupe-docs clean part-*.jsonl.gz`` on the same
shards (``tool``: the command line, start-up included, writing ``clean.jsonl.gz`` and provenance)
prices the difference in input format; ``--dolma-attributes`` also writes Dolma's attribute file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.peers._common import Phases, Writer, args, read_docs, write_shards


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
        inputs = sorted(str(p) for p in (t / "documents").glob("*.jsonl.gz"))
        with phases("tool"):
            subprocess.run([sys.executable, "-m", "dedupe_docs", "clean", *inputs, "--out",
                            str(t / "out"), "--jobs", str(a.jobs), "--dolma-attributes", "-q"],
                           check=True, env=dict(os.environ))
        with phases("readback"):
            removed: dict[str, list[dict[str, object]]] = {}
            with (t / "out" / "provenance.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    removed[rec["id"]] = rec["removed"]
    with phases("readback"):
        out = Writer(a.out)
        for doc_id, text in docs:
            out.write(doc_id, text, removed.get(doc_id, []))
        out.close()
    phases.write()


if __name__ == "__main__":
    main()
