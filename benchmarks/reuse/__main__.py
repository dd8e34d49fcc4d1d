"""``python -m benchmarks.reuse [--quick] [--seed N] [--tools ...] [--dedupe-arg KEY=VALUE ...]``.

Text reuse: source documents, and suspicious documents into which passages of them were pasted
mid-paragraph, verbatim or obfuscated (random word operations, paraphrase, summary). Scores
dedupe_docs, the 50-character n-gram baseline and a MinHash peer with PlagDet per reuse kind.

``--quick`` scores the slice committed in ``data/`` (no packages needed, well under 30 s);
the full mode generates the corpus from the installed documentation packages and WordNet
(see README.md); ``--write-slice`` regenerates the committed slice.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import dedupe_docs
from benchmarks.real.__main__ import parse_overrides
from benchmarks.reuse import generate, misses, pool, score, thesaurus, tools

HERE = Path(__file__).resolve().parent
DATA, WORK = HERE / "data", HERE / "work"
TOOLS = ("dedupe_docs", "ngram50", "minhash")
ROWS = (*generate.KINDS, "whole")

Record = dict[str, Any]

SLICE_SETTINGS = generate.Settings(source_words=(1200, 2500), suspicious_words=(300, 900))
"""The committed slice: smaller documents, so that it packs small and scores in seconds."""
SLICE_PAGES = 9
"""The slice's pool: every ``SLICE_PAGES``-th page of the full pool."""


def save(folder: Path, docs: list[Record], gold: list[Record], meta: Record) -> None:
    """Write the corpus (``corpus.jsonl.gz``), its gold (``gold.jsonl.gz``) and ``index.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus", docs), ("gold", gold)):
        with gzip.open(folder / f"{name}.jsonl.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "index.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load(folder: Path) -> tuple[list[Record], list[Record], Record]:
    """The corpus written by :func:`save`."""
    rows = []
    for name in ("corpus", "gold"):
        with gzip.open(folder / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            rows.append([json.loads(line) for line in fh])
    meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return rows[0], rows[1], meta


def describe(docs: list[Record], gold: list[Record], seed: int) -> Record:
    """Counts and a sha256 of the corpus (so that two results can be told apart)."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc["id"].encode() + b"\0" + doc["text"].encode() + b"\0")
    return {
        "seed": seed,
        "documents": len(docs),
        "sources": sum(d["role"] == "source" for d in docs),
        "suspicious": sum(d["role"] == "suspicious" for d in docs),
        "chars": sum(len(d["text"]) for d in docs),
        "cases": {k: sum(g["kind"] == k for g in gold) for k in generate.KINDS},
        "sha256": digest.hexdigest(),
    }


def build(root: Path, seed: int, slice_: bool) -> tuple[list[Record], list[Record], Record]:
    """Generate the corpus from the packages under ``root``."""
    prose = pool.build_pool(root)
    if not prose:
        raise SystemExit(
            "benchmarks.reuse: no documentation packages under --root "
            "(apt-get install postgresql-doc-15 rust-doc git-doc sphinx-doc) or use --quick"
        )
    settings = generate.Settings()
    if slice_:
        pages = sorted({page for page, _ in prose})[::SLICE_PAGES]
        keep = set(pages)
        prose = [x for x in prose if x[0] in keep]
        settings = SLICE_SETTINGS
    docs, gold = generate.generate(prose, thesaurus.load(root), seed, settings)
    return docs, gold, describe(docs, gold, seed)


def table(results: Record) -> str:
    """PlagDet per kind (rows) and tool (columns), then each tool's precision and recall."""
    names = [t for t in TOOLS if t in results]
    head = "| reuse kind | cases | " + " | ".join(names) + " |"
    rows = [head, "|" + "---|" * (len(names) + 2)]
    for kind in ROWS:
        cells = []
        for tool in names:
            r = results[tool]["scores"][kind]
            cells.append(
                f"{r['plagdet']:.3f} (P {r['precision']:.2f} R {r['recall']:.2f} "
                f"G {r['granularity']:.2f}; {r['missed_cases']} missed)"
            )
        cases = results[names[0]]["scores"][kind]["cases"]
        rows.append(f"| {kind} | {cases} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reuse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="score the committed slice only")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (full mode)")
    parser.add_argument("--root", type=Path, default=Path("/"), help="where packages live")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma-separated, of {', '.join(TOOLS)}"
    )
    parser.add_argument(
        "--dedupe-arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a dedupe_docs Config override (repeatable)",
    )
    parser.add_argument("--out", type=Path, help="JSON results file (default work/MODE.json)")
    parser.add_argument(
        "--write-slice", action="store_true", help="regenerate the committed slice in data/"
    )
    args = parser.parse_args(argv)

    if args.write_slice:
        docs, gold, meta = build(args.root, args.seed, slice_=True)
        save(DATA, docs, gold, meta)
        print(f"wrote {DATA}: {json.dumps(meta)}")
        return 0
    overrides = parse_overrides(args.dedupe_arg)
    try:
        config = dedupe_docs.Config(**overrides)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"bad --dedupe-arg: {exc}") from exc
    wanted = [t for t in args.tools.split(",") if t]
    unknown = set(wanted) - set(TOOLS)
    if unknown:
        raise SystemExit(f"unknown --tools: {', '.join(sorted(unknown))}")
    mode = "quick" if args.quick else "full"
    t0 = time.perf_counter()
    if args.quick:
        docs, gold, meta = load(DATA)
    else:
        docs, gold, meta = build(args.root, args.seed, slice_=False)
    print(f"benchmarks.reuse: {mode}: {json.dumps(meta)}", file=sys.stderr)
    work = WORK / mode
    results: Record = {}
    for tool in wanted:
        if tool == "minhash" and tools.minhash_python() is None:
            print("benchmarks.reuse: minhash skipped (no datasketch)", file=sys.stderr)
            continue
        print(f"benchmarks.reuse: {tool} …", file=sys.stderr, flush=True)
        extra: Record = {}
        if tool == "dedupe_docs":
            (dets, other), seconds = tools.timed(tools.run_dedupe_docs, docs, config, work)
            extra["misses"] = misses.analyse(docs, gold, dets, other)
        elif tool == "ngram50":
            dets, seconds = tools.timed(tools.run_ngram50, docs)
        else:
            dets, seconds = tools.timed(tools.run_minhash, docs, work)
        results[tool] = {"seconds": seconds, "scores": score.evaluate(docs, gold, dets), **extra}
    report = {
        "mode": mode,
        "corpus": meta,
        "overrides": overrides,
        "config": config.to_json(),
        "dedupe_docs": dedupe_docs.__version__,
        "seconds": round(time.perf_counter() - t0, 1),
        "tools": results,
    }
    out = args.out or WORK / f"{mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"mode: {mode}; overrides: {overrides or 'none'}; {report['seconds']} s")
    print(table(results))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
