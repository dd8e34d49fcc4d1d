"""Peers on the real corpora: each record set written as the planted corpus's ``docs/`` folder,
the peer's adapter from ``benchmarks/peers`` run on it in the peer's venv, and its removed spans
read back in the form ``score.py`` scores (the scoring itself is unchanged).

Why a folder of numbered files: the adapters read ``docs/**/*.txt`` sorted by name, so the names
keep the records' order, which decides the first copy.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.real.score import Span
from benchmarks.tools import PEERS_PY, TOOLS, argv

REPO = Path(__file__).resolve().parent.parent.parent

Record = dict[str, Any]


def names() -> list[str]:
    """The peers this adapter can run: every tool of ``benchmarks.tools`` with an adapter."""
    return [n for n, t in TOOLS.items() if t.module and t.quality and t.requires]


def run_peer(name: str, records: list[Record]) -> list[list[Span]]:
    """The removed spans of peer ``name`` per record, in record order (no source: peers keep
    none or keep it in another shape)."""
    tool = TOOLS[name]
    if not PEERS_PY.exists():
        raise SystemExit("benchmarks.real: peers venv missing; run `python -m benchmarks.compare`"
                         " or `python -m benchmarks` once to create it")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        docs = corpus / "docs"
        docs.mkdir(parents=True)
        width = len(str(len(records)))
        for i, rec in enumerate(records):
            with (docs / f"{i:0{width}d}.txt").open("w", encoding="utf-8", newline="") as f:
                f.write(rec["text"])
        out = Path(tmp) / "out"
        proc = subprocess.run(argv(tool, corpus, out, 1), cwd=REPO, capture_output=True,
                              text=True, check=False)
        if proc.returncode:
            raise RuntimeError(f"{name} failed: {proc.stderr.strip()[-500:]}")
        removed: dict[str, list[dict[str, Any]]] = {}
        with (out / "removed.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                removed[row["id"]] = row["removed"]
    return [
        [(r["start"], r["end"], r["reason"], None, None)
         for r in removed.get(f"{i:0{width}d}.txt", [])]
        for i in range(len(records))
    ]
