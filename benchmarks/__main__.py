"""``python -m benchmarks [--quick] [--sizes 10,100] [--tools a,b] [--gb]`` and ``... seeds``.

Why one command: corpora, side-by-side runs, scoring, seeds, the real-text false-positive check
and the report must come from the same run on the same (noisy, shared) machine, so the ratios
between tools mean something. ``--quick`` is the CI quality gate: it exits 1 below gate.py's
floors, and writes its report to ``benchmarks/work/quick/`` so the committed full results stay.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import gate, report
from benchmarks.corpus import generate
from benchmarks.measure import run
from benchmarks.score import score
from benchmarks.seeds import seeds_bench
from benchmarks.tools import (
    PEERS_PY,
    TOOLS,
    Tool,
    argv,
    clear,
    dedupe_docs_env,
    empty_trash,
    has_matplotlib,
    peers_status,
    removed_file,
    supports_jobs,
)

HERE = Path(__file__).resolve().parent
DATA, WORK = HERE / "data", HERE / "work"
QUICK_TOOLS = ["read_only", "dedupe_docs", "exact_lines"]


def _run_tool(tool: Tool, corpus: Path, meta: dict[str, Any], size_mb: float, jobs: int,
              timeout: float, status: dict[str, str],
              extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    mode = f"{tool.unit}, jobs={jobs}"
    row: dict[str, Any] = {"tool": tool.name, "mode": mode, "size_mb": size_mb, "jobs": jobs}
    if tool.requires and status.get(tool.requires) != "ok":
        row["status"] = status.get(tool.requires, "peers venv not set up")
        return row
    if tool.module and not (HERE / "peers" / f"{tool.module}.py").exists():
        row["status"] = "installed, but no adapter written yet"
        return row
    out = WORK / f"{tool.name}-{corpus.name}-j{jobs}"
    clear(out)
    print(f"benchmarks: {tool.name} ({mode}) on {corpus.name} …", file=sys.stderr, flush=True)
    m = run(argv(tool, corpus, out, jobs), timeout, WORK / f"{out.name}.log", cwd=HERE.parent,
            env={**dedupe_docs_env(), **(extra_env or {})} if tool.requires is None else None)
    row.update(wall_s=m["wall_s"], peak_rss_mb=m["peak_rss_mb"])
    if m["timed_out"]:
        row["status"] = f"timeout after {timeout:.0f} s"
        return row
    if m["rc"] != 0:
        row["status"] = f"failed (exit {m['rc']}): " + m["log_tail"].strip().splitlines()[-1][:200]
        return row
    row["status"] = "ok"
    row["mb_s"] = meta["bytes"] / 1e6 / m["wall_s"]
    row["job"] = tool.job
    phases = out / "timings.json"  # peers: converting, the peer itself, reading its output back
    if phases.exists():
        row["phases_s"] = {k: round(v, 2) for k, v in json.loads(phases.read_text()).items()}
        row["tool_mb_s"] = meta["bytes"] / 1e6 / row["phases_s"]["tool"]
    elif tool.module is None:  # dedupe-docs reads the corpus as it stands: the whole run
        row["tool_mb_s"] = row["mb_s"]
    if tool.quality:
        row["score"] = score(corpus, removed_file(tool, out))
        if tool.name != "dedupe_docs":
            row["score"].pop("examples")
    return row


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("what", nargs="?", choices=["all", "seeds"], default="all")
    ap.add_argument("--quick", action="store_true", help="2 MB, ours + baselines, quality gate")
    ap.add_argument("--sizes", default="10,100", help="corpus sizes in MB, comma separated")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma separated: " + ",".join(TOOLS))
    ap.add_argument("--jobs", default="1,2", help="process counts to try where supported")
    ap.add_argument("--gb", action="store_true", help="also run dedupe_docs on a 1 GB corpus")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per tool run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--append", action="store_true",
                    help="add these runs to the existing results.json (e.g. to re-run one peer)")
    a = ap.parse_args()
    command = "python -m benchmarks " + " ".join(sys.argv[1:])
    if a.what == "seeds":
        print(json.dumps(seeds_bench(HERE.parent / "seeds", WORK / "seeds-out"), indent=1))
        return 0
    sizes = [2.0] if a.quick else [float(x) for x in a.sizes.split(",")]
    names = ["read_only", *[t for t in a.tools.split(",") if t != "read_only"]]
    names = QUICK_TOOLS if a.quick else names
    tools = [TOOLS[n] for n in names]
    jobs_list = [int(x) for x in a.jobs.split(",")]
    status = {"": "ok"}
    if any(t.requires for t in tools):
        WORK.mkdir(parents=True, exist_ok=True)
        status = peers_status(WORK / "peers-install.log")
    res: dict[str, Any] = {"command": command, "machine": report.machine(), "corpora": [],
                           "runs": [], "notes": []}
    if "dedupe_docs" in names and not supports_jobs():
        res["notes"].append("dedupe-docs has no --jobs option yet: ran single-process only")
    for size in sizes:
        corpus = DATA / f"corpus-{size:g}mb"
        # The gate's corpus stays the one its floors were set on (mosaics came later: they are
        # reported at 10 and 100 MB, by ``python -m benchmarks.compare``).
        meta = generate(corpus, int(size * 1e6), seed=a.seed, mosaics=not a.quick)
        print(f"benchmarks: corpus {corpus.name} sha256 {meta['sha256']}", file=sys.stderr)
        res["corpora"].append({"name": corpus.name, **meta})
        floor = None
        for tool in tools:
            for jobs in [j for j in jobs_list if j in tool.jobs] or [1]:
                if jobs > 1 and tool.name == "dedupe_docs" and not supports_jobs():
                    continue
                row = _run_tool(tool, corpus, meta, size, jobs, a.timeout, status)
                if tool.name == "read_only" and row.get("mb_s"):
                    floor = row["mb_s"]
                row["vs_floor"] = row["mb_s"] / floor if floor and row.get("mb_s") else None
                res["runs"].append(row)
                _print_row(row)
    if a.gb:
        floor = None
        corpus = DATA / "corpus-1000mb"
        meta = generate(corpus, 1_000_000_000, seed=a.seed)
        res["corpora"].append({"name": corpus.name, **meta})
        for name in ("read_only", "dedupe_docs"):
            j = max(jobs_list) if supports_jobs() and name == "dedupe_docs" else 1
            row = _run_tool(TOOLS[name], corpus, meta, 1000, j, 4 * a.timeout, status)
            floor = row["mb_s"] if name == "read_only" and row.get("mb_s") else floor
            row["vs_floor"] = row["mb_s"] / floor if floor and row.get("mb_s") else None
            res["runs"].append(row)
            _print_row(row)
    if a.append:
        return _append(res, command)
    res["real_text"] = _real_text(a, tools, status)
    res["seeds"] = seeds_bench(HERE.parent / "seeds", WORK / "seeds-out")
    ours = [r for r in res["runs"] if r["tool"] == "dedupe_docs" and r.get("score")]
    fails = gate.check(ours[0]["score"]) if ours else ["dedupe_docs did not run"]
    res["gate"] = {"floors": {"precision": gate.PRECISION, "recall": gate.RECALL,
                              "per_kind": gate.PER_KIND, "mosaic_gated": gate.GATE_MOSAIC},
                   "failures": fails,
                   "corpus_sha256": res["corpora"][0]["sha256"]}
    plot_py = next((p for p in (sys.executable, str(PEERS_PY))
                    if Path(p).exists() and has_matplotlib(p)), None)
    if plot_py is None:
        res["notes"].append("no matplotlib in either venv: throughput.png not refreshed")
    dest = WORK / "quick" if a.quick else HERE  # the quick gate never overwrites the full results
    report.write(res, dest, plot_py)
    print(f"benchmarks: corpus sha256 {res['gate']['corpus_sha256']}")
    print(f"benchmarks: wrote {dest / 'RESULTS.md'}, results.json, throughput.png")
    if fails:
        print("benchmarks: QUALITY GATE FAILED: " + "; ".join(fails))
        return 1
    print("benchmarks: quality gate passed")
    return 0


def _append(new: dict[str, Any], command: str) -> int:
    """Merge ``new`` runs (not the read-only floor, measured again only for ratios) into results."""
    res = json.loads((HERE / "results.json").read_text())
    key = ("tool", "mode", "size_mb")
    fresh = [r for r in new["runs"] if r["tool"] != "read_only"]
    keys = {tuple(r[k] for k in key) for r in fresh}
    res["runs"] = [r for r in res["runs"] if tuple(r[k] for k in key) not in keys] + fresh
    res["command"] += f"; then {command}"
    res.setdefault("notes", []).extend(new["notes"])
    plot_py = next((p for p in (sys.executable, str(PEERS_PY))
                    if Path(p).exists() and has_matplotlib(p)), None)
    report.write(res, HERE, plot_py)
    print(f"benchmarks: merged {len(fresh)} runs into results.json and RESULTS.md")
    return 0


def _real_text(a: argparse.Namespace, tools: list[Tool], status: dict[str, str]) -> dict[str, Any]:
    """Every character removed from unplanted real prose is a false positive."""
    size = 1.0 if a.quick else 10.0
    corpus = DATA / f"real-{size:g}mb"
    meta = generate(corpus, int(size * 1e6), seed=a.seed, planted=False)
    out: dict[str, Any] = {"corpus": corpus.name, "bytes": meta["bytes"], "sha256": meta["sha256"]}
    for tool in tools:
        if tool.name in ("dedupe_docs", "exact_lines"):
            row = _run_tool(tool, corpus, meta, size, 1, a.timeout, status)
            s = row.get("score") or {}
            out[tool.name] = {"status": row["status"], "removed_chars": s.get("removed_chars"),
                              "chars": s.get("chars"), "removed_share": s.get("removed_share"),
                              "lost_lines": s.get("content_loss_lines"),
                              "examples": s.get("examples", {}).get("false_removals")}
    return out


def _print_row(r: dict[str, Any]) -> None:
    s = r.get("score") or {}
    q = f"P={s['precision']:.4f} R={s['recall']:.4f}" if s else ""
    mbs = f"{r['mb_s']:.2f} MB/s" if r.get("mb_s") else ""
    print(f"{r['tool']:>20} {r['mode']:<18} {r['size_mb']:>6g} MB {mbs:>12} "
          f"{r.get('peak_rss_mb', 0):>7.0f} MB RSS {q} {r['status'][:80]}", flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        empty_trash()
