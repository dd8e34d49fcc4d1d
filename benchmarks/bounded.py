"""Bounded memory: ``dedupe-docs clean`` with ``--max-memory`` beside the in-memory run.

    python benchmarks/bounded.py --corpus benchmarks/data/corpus-100mb/docs --max-memory 300M
    python benchmarks/bounded.py --corpus benchmarks/data/corpus-2000mb/docs --max-memory 1G \\
        --no-in-memory --record

Runs the command line on a corpus folder, once in memory and once with ``--max-memory``, one
after the other, and reports for each the wall time, MB/s and peak RSS (measured as the main
benchmark measures them, ``benchmarks.measure``), and whether the two output folders are
identical (every file but ``report.json``, which holds timings). ``--no-in-memory`` skips the
in-memory run (it needs about 11 bytes of RAM per byte of text). ``--record`` adds the numbers
to ``results.json`` and ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

from benchmarks import measure, report


def run(corpus: Path, out: Path, *options: str) -> dict[str, Any]:
    """One ``dedupe-docs clean`` in a fresh process (``benchmarks.measure``, as the main table
    is measured): seconds, peak RSS, CPU seconds and page faults."""
    argv = [sys.executable, "-m", "dedupe_docs", "clean", str(corpus), "--out", str(out), "-q"]
    m = measure.run([*argv, *options], timeout=7200, log=out.with_suffix(".log"))
    if m["rc"] != 0:
        raise SystemExit(f"dedupe-docs failed: {m['log_tail']}")
    return {"seconds": round(m["wall_s"], 2), "peak_rss_mb": round(m["peak_rss_mb"]),
            "user_s": m["user_s"], "system_s": m["system_s"], "page_faults": m["page_faults"]}


def digest(folder: Path) -> str:
    """One hash of every output file but report.json (timings), by relative path."""
    total = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "report.json":
            total.update(path.relative_to(folder).as_posix().encode() + b"\0")
            total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True, help="a folder of documents")
    parser.add_argument("--max-memory", default="1G")
    parser.add_argument("--jobs", default="1")
    parser.add_argument("--no-in-memory", dest="in_memory", action="store_false")
    parser.add_argument("--record", action="store_true", help="add the numbers to RESULTS.md")
    args = parser.parse_args()
    size = sum(p.stat().st_size for p in args.corpus.rglob("*") if p.is_file())
    out: dict[str, Any] = {
        "corpus": args.corpus.parent.name,
        "mb": round(size / 1e6, 1),
        "max_memory": args.max_memory,
        "jobs": int(args.jobs),
    }
    work = Path(__file__).parent / "work"
    work.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        folders = {}
        runs = {"bounded": ["--max-memory", args.max_memory]}
        if args.in_memory:
            runs["in_memory"] = []
        for name, options in runs.items():
            folders[name] = Path(tmp) / name
            out[name] = run(args.corpus, folders[name], "--jobs", args.jobs, *options)
            out[name]["mb_per_s"] = round(out["mb"] / out[name]["seconds"], 2)
            out[name]["rss_per_input"] = round(out[name]["peak_rss_mb"] * 2**20 / size, 2)
        if args.in_memory:
            out["same_output"] = digest(folders["bounded"]) == digest(folders["in_memory"])
    print(json.dumps(out, indent=2))
    if args.record:
        results = Path(__file__).parent / "results.json"
        res = json.loads(results.read_text())
        out["command"] = "python benchmarks/bounded.py " + " ".join(sys.argv[1:])
        kept = [r for r in res.get("bounded") or [] if r["corpus"] != out["corpus"]]
        res["bounded"] = sorted([*kept, out], key=lambda r: r["mb"])
        results.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
        (results.parent / "RESULTS.md").write_text(report.markdown(res))


if __name__ == "__main__":
    main()
