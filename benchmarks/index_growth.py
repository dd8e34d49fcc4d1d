"""A persisted index growing batch by batch: the time to add a batch, and the disk it takes.

    python -m benchmarks.index_growth                      # 20 batches of 50 MB
    python -m benchmarks.index_growth --quick              # 8 batches of 5 MB
    python -m benchmarks.index_growth --base /work/h-segments-base --record

Cuts a generated corpus (``benchmarks.corpus.generate``, planted copies across the whole of
it) into consecutive batches of ``--batch-mb`` (its documents in order, hard-linked into one
folder per batch) and adds them one after another with ``dedupe-docs clean BATCH --index``,
each in a fresh process measured as the main benchmark measures (``benchmarks.measure``): wall
time, CPU time (user + system, which moves less than wall time on a shared machine) and peak
RSS, then the bytes the index takes on disk. With ``--base`` the same batches also go through
another checkout's ``src`` (the release before segments rewrote every shingle file on each
update), batch by batch in turn with this one, so both see the same machine load, and their
outputs are compared (every file but report.json). Then ``dedupe-docs index compact`` merges the
segments, timed. ``--record`` adds the numbers to ``results.json`` and ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

from benchmarks import measure, report
from benchmarks.bounded import digest
from benchmarks.corpus import generate

HERE = Path(__file__).parent
SRC = HERE.parent / "src"


def batches(corpus: Path, n: int, size: int, work: Path) -> list[Path]:
    """Hard links to the first ``n * size`` bytes of ``corpus`` (whole documents in path
    order) in ``n`` folders, batch ``k`` ending at the first document past ``k * size`` bytes
    (the last may fall short by less than 1 %)."""
    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())
    shutil.rmtree(work, ignore_errors=True)
    folders, at, total = [], 0, 0
    for k in range(1, n + 1):
        folder, held = work / f"{k:02d}", 0
        while total < k * size and at < len(files):
            target = folder / files[at].relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(files[at], target)
            except OSError:  # another filesystem: copy
                shutil.copyfile(files[at], target)
            held += files[at].stat().st_size
            total += files[at].stat().st_size
            at += 1
        if held < 0.99 * size:
            raise SystemExit(f"{corpus}: holds fewer than {n} batches of {size:,} bytes")
        folders.append(folder)
    return folders


def growth(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    """The last batch's numbers against the first's (the lookup: against the second's, the
    first batch having no index to search)."""
    pairs = {"wall time": "seconds", "CPU time": "cpu_s", "update": "update_s"}
    out = {label: _ratio(runs[-1][key], runs[0][key]) for label, key in pairs.items()}
    if len(runs) > 2:
        out["lookup (against the second batch)"] = _ratio(runs[-1]["lookup_s"], runs[1]["lookup_s"])
    return out


def _ratio(last: float, first: float) -> float | None:
    return round(last / first, 2) if first else None


def commit(checkout: Path) -> str:
    """The commit a checkout is at, short."""
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "an unknown commit"


def disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def cli(src: Path, work: Path, name: str, *args: str) -> dict[str, Any]:
    """``dedupe-docs ARGS`` from ``src`` in a fresh process (through :func:`child`): seconds,
    CPU seconds, peak RSS, and the seconds spent in the index (:data:`INDEX_CALLS`)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    spent = work / "logs" / f"{name}.index.json"
    argv = [sys.executable, "-m", "benchmarks.index_growth", "--child", str(spent), *args]
    m = measure.run(argv, timeout=7200, log=work / "logs" / f"{name}.log", env=env,
                    cwd=HERE.parent)
    if m["rc"] != 0:
        raise SystemExit(f"dedupe-docs {' '.join(args)} failed: {m['log_tail']}")
    cpu = (m["user_s"] or 0) + (m["system_s"] or 0)
    return {"seconds": round(m["wall_s"], 2), "cpu_s": round(cpu, 2),
            "peak_rss_mb": round(m["peak_rss_mb"]), **json.loads(spent.read_text())}


INDEX_CALLS = {
    "lookup_s": ("lookup", "key_counts", "boilerplate_counts"),
    "fetch_s": ("documents",),
    "update_s": ("add",),
}
"""The index's own work, by the ``Store`` methods of either release: looking the batch's
shingles and short-block keys up (the release before segments read all its boilerplate counts
instead), reading the earlier documents the batch repeats, and adding the batch."""


def child(spent: Path, args: list[str]) -> None:
    """Run ``dedupe-docs ARGS`` with the time spent in the index's methods added up, and write
    it to ``spent`` as JSON with the number of earlier documents read (both releases have these
    methods)."""
    from dedupe_docs.cli import main as command
    from dedupe_docs.drivers import persist

    seconds = dict.fromkeys(INDEX_CALLS, 0.0)
    earlier = 0

    def timed(key: str, method: Any) -> Any:
        def call(*a: Any, **k: Any) -> Any:
            nonlocal earlier
            started = time.perf_counter()
            try:
                found = method(*a, **k)
            finally:
                seconds[key] += time.perf_counter() - started
            earlier += len(found) if method.__name__ == "documents" else 0
            return found
        return call

    for key, names in INDEX_CALLS.items():
        for method in names:
            if hasattr(persist.Store, method):
                setattr(persist.Store, method, timed(key, getattr(persist.Store, method)))
    try:
        command.main(args, standalone_mode=False)
    finally:
        numbers = {k: round(v, 3) for k, v in seconds.items()}
        spent.write_text(json.dumps({**numbers, "earlier_documents": earlier}))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-mb", type=float, default=50)
    parser.add_argument("--quick", action="store_true", help="8 batches of 5 MB")
    parser.add_argument("--corpus", type=Path, help="a generated corpus folder to cut instead")
    parser.add_argument("--base", type=Path, help="a checkout to run side by side")
    parser.add_argument("--jobs", default="1")
    parser.add_argument("--record", action="store_true", help="add the numbers to RESULTS.md")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.batch_mb = 8, 5
    size = int(args.batch_mb * 1e6)
    corpus = args.corpus
    if corpus is None:
        mb = round(args.batches * args.batch_mb)
        folder = HERE / "data" / f"corpus-{mb}mb"
        generate(folder, args.batches * size + 1_000_000, seed=0)
        corpus = folder / "docs"
    work = HERE / "work" / "index-growth"
    folders = batches(corpus, args.batches, size, work / "batches")
    runs = {"segments": SRC} | ({"rewrite": args.base / "src"} if args.base else {})
    first_file = min(folders[0].rglob("*.txt"))
    for name, src in runs.items():  # compiled kernels cached before anything is timed
        cli(src, work, f"{name}-warm-up", "clean", str(first_file), "--out",
            str(work / "warm-up"), "--overwrite", "-q")
    rows: list[dict[str, Any]] = []
    for k, batch in enumerate(folders, start=1):
        row: dict[str, Any] = {"batch": k, "mb": round(disk(batch) / 1e6, 2)}
        for name, src in runs.items():
            out, index = work / name / f"out-{k:02d}", work / name / "index"
            if k == 1:
                shutil.rmtree(work / name, ignore_errors=True)
            row[name] = cli(src, work, f"{name}-{k:02d}", "clean", str(batch), "--out", str(out),
                            "--index", str(index), "--batch", f"{k:02d}", "--jobs", args.jobs,
                            "-q")
            row[name]["index_mb"] = round(disk(index) / 1e6, 1)
        if len(runs) > 1:
            outs = [digest(work / name / f"out-{k:02d}") for name in runs]
            row["same_output"] = len(set(outs)) == 1
        print(json.dumps(row), flush=True)
        rows.append(row)
    index = work / "segments" / "index"
    before = disk(index)
    compacted = cli(SRC, work, "compact", "index", "compact", str(index))
    result: dict[str, Any] = {
        "command": "python -m benchmarks.index_growth " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
        "corpus": str(corpus.parent.name),
        "batches": args.batches,
        "batch_mb": args.batch_mb,
        "jobs": int(args.jobs),
        "base": f"{args.base} at {commit(args.base)}" if args.base else None,
        "rows": rows,
        "compact": {**compacted, "mb_before": round(before / 1e6, 1),
                    "mb_after": round(disk(index) / 1e6, 1)},
    }
    for name in runs:
        result[f"{name}_last_vs_first"] = growth([row[name] for row in rows])
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))
    if args.record:
        results = HERE / "results.json"
        res = json.loads(results.read_text())
        kept = [r for r in res.get("index_growth") or [] if r["command"] != result["command"]]
        res["index_growth"] = [*kept, result]
        results.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
        record(HERE / "RESULTS.md", res["index_growth"])


HEADING = "## Persisted index growing batch by batch"


def record(path: Path, runs: list[dict[str, Any]]) -> None:
    """Put the sections of ``runs`` in RESULTS.md in place of the ones it has, before its
    closing note on the columns, and leave every other section as it is."""
    text = path.read_text()
    kept, skipping = [], False
    for line in text.split("\n"):
        if line.startswith(("## ", "Columns: ")):
            skipping = line.startswith(HEADING)
        if not skipping:
            kept.append(line)
    text = "\n".join(kept)
    at = text.find("\nColumns: ")
    at = len(text) if at < 0 else at
    sections = "\n".join(line for run in runs for line in report.index_growth(run))
    path.write_text(text[:at].rstrip("\n") + "\n" + sections + "\n" + text[at:])


if __name__ == "__main__":
    main()
