"""The tools compared on the reuse corpus, each turned into PlagDet detections.

* ``dedupe_docs``: the whole corpus as one run of :func:`dedupe_docs.run` (sources first, then
  suspicious documents, as a JSONL file); every removed span with reason ``duplicate`` and a
  ``source`` is a detection (the removed span ↔ the cited source span).
* ``ngram50``: the 2013-style baseline of exact 50-character n-grams (:mod:`.ngrams`).
* ``minhash``: the datasketch MinHash-LSH peer of ``benchmarks/peers`` (blank-line
  paragraphs, word 3-grams, Jaccard ≥ 0.8): a removed paragraph cites the kept paragraph it
  matched. It runs in ``benchmarks/.venv-peers`` when that exists, else in this interpreter
  when it has ``datasketch``; otherwise it is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dedupe_docs
from benchmarks.reuse import ngrams
from benchmarks.reuse.plagdet import Alignment

ROOT = Path(__file__).resolve().parents[2]
PEERS_PYTHON = ROOT / "benchmarks" / ".venv-peers" / "bin" / "python"

Record = dict[str, Any]


def run_dedupe_docs(
    docs: list[Record], config: dedupe_docs.Config, work: Path
) -> tuple[list[Alignment], list[Record]]:
    """dedupe_docs's detections, and its other removals (``{"id", "start", "end", "reason"}``,
    for the analysis of misses)."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps({"id": doc["id"], "text": doc["text"]}) + "\n")
    out = work / "dedupe_docs"
    dedupe_docs.run([corpus], out, config, overwrite=True)
    detections: list[Alignment] = []
    other: list[Record] = []
    with (out / "provenance.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for r in rec["removed"]:
                src = r.get("source")
                if r["reason"] == "duplicate" and src:
                    detections.append(
                        Alignment(
                            rec["id"], r["start"], r["end"], src["id"], src["start"], src["end"]
                        )
                    )
                else:
                    other.append(
                        {
                            "id": rec["id"],
                            "start": r["start"],
                            "end": r["end"],
                            "reason": r["reason"],
                        }
                    )
    return detections, other


def run_ngram50(docs: list[Record]) -> list[Alignment]:
    """The 50-character n-gram baseline's detections."""
    return ngrams.detect([(d["id"], d["text"]) for d in docs])


def minhash_python() -> str | None:
    """The interpreter that can run the MinHash peer, or None."""
    if PEERS_PYTHON.exists():
        return str(PEERS_PYTHON)
    if importlib.util.find_spec("datasketch") is not None:
        return sys.executable
    return None


def run_minhash(docs: list[Record], work: Path) -> list[Alignment]:
    """The datasketch peer's detections (call only when :func:`minhash_python` is not None)."""
    python = minhash_python()
    assert python is not None
    corpus, out = work / "peer-corpus", work / "minhash"
    for folder in (corpus, out):
        shutil.rmtree(folder, ignore_errors=True)
    (corpus / "docs").mkdir(parents=True)
    for doc in docs:
        (corpus / "docs" / doc["id"]).write_text(doc["text"], encoding="utf-8")
    subprocess.run(
        [
            python,
            "-m",
            "benchmarks.peers.datasketch_lsh",
            str(corpus),
            str(out),
            "--unit",
            "paragraph",
        ],
        check=True,
        cwd=ROOT,
    )
    detections = []
    with (out / "removed.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for r in rec["removed"]:
                src = r["source"]
                detections.append(
                    Alignment(rec["id"], r["start"], r["end"], src["id"], src["start"], src["end"])
                )
    return detections


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and its wall time in seconds."""
    t0 = time.perf_counter()
    result = fn(*args)
    return result, round(time.perf_counter() - t0, 2)
