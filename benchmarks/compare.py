"""``python -m benchmarks.compare [--sizes 10,100] [--tools a,b] [--real]``: dedupe_docs beside
its peers on the planted corpus with mosaics, and (``--real``) on the real corpora.

Why a command of its own: the peers' numbers must be refreshed whenever dedupe_docs changes, on
the same corpora, in one run, with ours timed before and again after the peers so the noise of
the shared machine shows in the table. Each peer runs as its users run it (Dolma's CLI on its own
gzip shards, datatrove's executor, rensa and datasketch in-process); the time spent converting
our corpus into their input and reading their output back is reported apart from the peer's own
time. Writes ``benchmarks/peers.json`` and the section between ``<!-- section compare -->``
markers of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from benchmarks import report
from benchmarks.__main__ import DATA, HERE, WORK, _print_row, _run_tool
from benchmarks.corpus import generate
from benchmarks.tools import TOOLS, empty_trash, peers_status

DEFAULT = ("dedupe_docs,dedupe_docs_shards,dolma_ngram,dolma,datatrove_lines,exact_lines,rensa,"
           "datasketch")
SWEEP = ("dolma_ngram_t0.3", "dolma_ngram_t0.8", "dolma_ngram_t1.0")  # smallest size only
REAL_PEERS = "dolma_ngram,datatrove_lines"


def _commit() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=HERE.parent, capture_output=True,
                              text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return git("rev-parse", "--short", "HEAD") + (" (src/ modified)" if dirty else "")


def _load() -> float:
    return os.getloadavg()[0]


def planted(sizes: list[float], names: list[str], jobs: list[int], seed: int,
            timeout: float) -> dict[str, Any]:
    status = peers_status(WORK / "peers-install.log")
    res: dict[str, Any] = {"corpora": [], "runs": []}
    warm = DATA / "corpus-2mb"  # compiles and caches the kernels, so no timed run pays for it
    meta = generate(warm, 2_000_000, seed=seed)
    _run_tool(TOOLS["dedupe_docs"], warm, meta, 2, 1, timeout, status)
    for n, size in enumerate(sizes):
        corpus = DATA / f"corpus-{size:g}mb"
        meta = generate(corpus, int(size * 1e6), seed=seed)
        res["corpora"].append({"name": corpus.name, **meta})
        order = ["read_only", "dedupe_docs", *[x for x in names if x != "dedupe_docs"]]
        order += list(SWEEP) if n == 0 else []
        floor = None
        for name in [*order, "dedupe_docs"]:
            tool = TOOLS[name]
            again = name == "dedupe_docs" and any(r["tool"] == name and r["size_mb"] == size
                                                  for r in res["runs"])
            for j in [j for j in jobs if j in tool.jobs] or [1]:
                if again and j > 1:
                    continue
                load = _load()
                row = _run_tool(tool, corpus, meta, size, j, timeout, status)
                row["load_before"] = round(load, 1)
                if again:
                    row["mode"] += ", again after the peers"
                if name == "read_only" and row.get("mb_s"):
                    floor = row["mb_s"]
                row["vs_floor"] = row["mb_s"] / floor if floor and row.get("mb_s") else None
                res["runs"].append(row)
                _print_row(row)
    big = max(sizes)  # once: the kernels compiled from scratch, as on a first run
    corpus = DATA / f"corpus-{big:g}mb"
    with tempfile.TemporaryDirectory() as cache:
        row = _run_tool(TOOLS["dedupe_docs"], corpus, generate(corpus, int(big * 1e6), seed=seed),
                        big, 1, timeout, status, extra_env={"NUMBA_CACHE_DIR": cache})
    row["mode"] += ", kernels not cached"
    res["runs"].append(row)
    _print_row(row)
    return res


def real(peers: str) -> dict[str, Any]:
    """The real corpora (full when the doc packages are installed, else the committed slice)."""
    out = WORK / "real-peers.json"
    argv = [sys.executable, "-m", "benchmarks.real", "--peers", peers, "--out", str(out)]
    proc = subprocess.run(argv, cwd=HERE.parent, check=False)
    mode = "full"
    if proc.returncode:
        argv.append("--quick")
        subprocess.run(argv, cwd=HERE.parent, check=True)
        mode = "quick"
    data = json.loads(out.read_text())
    data["command"] = "python -m benchmarks.real " + " ".join(argv[3:]).replace(str(out), "F")
    data["mode"] = mode
    return data


def _f(x: Any, fmt: str = "{:.3f}") -> str:
    return "–" if x is None else fmt.format(x)


def _share(row: dict[str, Any], kind: str) -> float | None:
    return (row.get("score") or {}).get("per_kind", {}).get(kind, {}).get("share")


def _best_ngram(runs: list[dict[str, Any]], size: float) -> dict[str, Any] | None:
    rows = [r for r in runs if r["tool"].startswith("dolma_ngram") and r["size_mb"] == size
            and r.get("score") and r["jobs"] == 1]
    return max(rows, key=lambda r: r["score"]["f1"], default=None)


def markdown(res: dict[str, Any]) -> str:
    """The RESULTS.md section: quality, speed, speed at equal quality, per kind, real corpora."""
    m = res["machine"]
    runs = [r for r in res["runs"] if r["status"] == "ok" or r.get("score")]
    out = [f"## dedupe_docs and its peers, mosaics included (`{res['command']}`)", "",
           f"Run on {m['date']} at commit `{res['commit']}`: {m['cpu']}, {m['cores']} cores, "
           f"shared with other jobs (1-minute load average {res['load_at_start']} at the start; "
           "each run's is in `benchmarks/peers.json`). dedupe_docs ran first and again after "
           "the peers: the gap between its two times is this machine's noise. Its kernels were "
           "compiled and cached by a warm-up run first; the row \"kernels not cached\" is a "
           "first run.", "",
           "Corpora: " + "; ".join(
               f"`{c['name']}` {c['bytes'] / 1e6:.1f} MB, {c['documents']} documents, "
               f"{c['planted'].get('mosaic', 0)} mosaic sentences, sha256 `{c['sha256'][:12]}…`"
               for c in res["corpora"]) + ".", "",
           "A **mosaic** is an original paragraph made of 2-4 sentences (12-20 words) that stood "
           "in earlier documents and 1-2 new ones: each copied sentence is a planted copy of its "
           "source, the new sentences must stay. *Job*: what a tool looks for: fuzzy passages "
           "(the same job as dedupe_docs), near-duplicate paragraphs, or exact units (a cheaper "
           "job). Dolma splits paragraphs on newlines, so its units are our lines.", "",
           "### Quality", "",
           "| tool | job | mode | MB | precision | recall | F1 | F1 without mosaics | mosaic "
           "sentences removed | new mosaic sentences removed | traps removed | lost lines |",
           "|" + "---|" * 12]
    for r in runs:
        q = r.get("score")
        if not q or "again" in r["mode"] or "not cached" in r["mode"]:
            continue
        out.append(f"| {r['tool']} | {r.get('job', '')} | {r['mode']} | {r['size_mb']:g} | "
                   f"{_f(q['precision'])} | {_f(q['recall'])} | **{_f(q['f1'])}** | "
                   f"{_f(q.get('without_mosaic', {}).get('f1'))} | {_f(_share(r, 'mosaic'))} | "
                   f"{_f(_share(r, 'mosaic_new'))} | {_f(_share(r, 'trap'))} | "
                   f"{q['content_loss_lines']} |")
    out += ["", "### Speed", "",
            "*Whole run*: the input bytes over the wall time of everything: for a peer, reading "
            "our files, writing them in its format, the peer, and reading its output back. "
            "*Peer alone*: the peer as its users run it on its own input (Dolma: `dolma dedupe` "
            "on gzip JSONL shards, writing attribute files only, start-up included; datatrove: "
            "its `LocalPipelineExecutor` stages, import included; rensa and datasketch: the "
            "library calls). For dedupe_docs both are `dedupe-docs clean` on the corpus folder, "
            "writing cleaned files, provenance and report; `dedupe_docs_shards` is the same "
            "command on the gzip shards Dolma reads.", "",
            "| tool | mode | MB | whole run MB/s | peer alone MB/s | convert s | peer s | read "
            "back s | peak RSS MB | load before |", "|" + "---|" * 10]
    for r in runs:
        ph = r.get("phases_s") or {}
        out.append(f"| {r['tool']} | {r['mode']} | {r['size_mb']:g} | "
                   f"{_f(r.get('mb_s'), '{:.2f}')} | {_f(r.get('tool_mb_s'), '{:.2f}')} | "
                   f"{_f(ph.get('convert'), '{:.1f}')} | "
                   f"{_f(ph.get('tool', r.get('wall_s')), '{:.1f}')} | "
                   f"{_f(ph.get('readback'), '{:.1f}')} | {_f(r.get('peak_rss_mb'), '{:.0f}')} | "
                   f"{r.get('load_before', '–')} |")
    out += ["", "### Speed at equal quality", ""]
    for size in sorted({r["size_mb"] for r in runs}):
        ours = next((r for r in runs if r["tool"] == "dedupe_docs" and r["size_mb"] == size
                     and r["jobs"] == 1 and r.get("score")), None)
        ngram = _best_ngram(runs, size)
        if not ours:
            continue
        line = [f"- **{size:g} MB**: dedupe_docs F1 {_f(ours['score']['f1'])} at "
                f"{_f(ours['tool_mb_s'], '{:.2f}')} MB/s."]
        if ngram:
            ratio = ours["tool_mb_s"] / ngram["tool_mb_s"]
            line.append(f"Same job, Dolma by_ngram ({ngram['mode']}, its best F1 here): F1 "
                        f"{_f(ngram['score']['f1'])} at {_f(ngram['tool_mb_s'], '{:.2f}')} MB/s "
                        f"alone: dedupe_docs is **{ratio:.2f}×** its speed, F1 "
                        f"{ours['score']['f1'] - ngram['score']['f1']:+.3f}.")
        cheap = [r for r in runs if r["size_mb"] == size and r.get("score") and r["jobs"] == 1
                 and r["tool"] in ("dolma", "datatrove_lines", "exact_lines")]
        if cheap:
            line.append("Cheaper jobs (exact units): " + "; ".join(
                f"{r['tool']} F1 {_f(r['score']['f1'])} at "
                f"{_f(r.get('tool_mb_s') or r['mb_s'], '{:.2f}')} MB/s"
                for r in cheap) + ".")
        out.append(" ".join(line))
    big = max((r["size_mb"] for r in runs), default=0)
    kinds = sorted({k for r in runs for k in (r.get("score") or {}).get("per_kind", {})})
    out += ["", f"### Share removed per kind at {big:g} MB (`trap`, `mosaic_new`: lower is "
            "better)", "", "| tool | mode | " + " | ".join(kinds) + " |",
            "|" + "---|" * (len(kinds) + 2)]
    for r in runs:
        if r["size_mb"] == big and r.get("score") and "again" not in r["mode"] \
                and "not cached" not in r["mode"]:
            out.append(f"| {r['tool']} | {r['mode']} | " + " | ".join(
                _f(_share(r, k), "{:.2f}") for k in kinds) + " |")
    if res.get("real"):
        from benchmarks.real.__main__ import table

        rl = res["real"]
        where = ("the corpora rebuilt from the installed Debian packages" if rl["mode"] == "full"
                 else "the committed slice")
        out += ["", f"### Real corpora, peers beside exact-line dedup (`{rl['command']}`)", "",
                f"Mode {rl['mode']} ({where}); scores as `benchmarks/real/README.md` defines "
                "them; the peers see each corpus as a folder of numbered files in record order.",
                "", table(rl["corpora"])]
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,100", help="corpus sizes in MB, comma separated")
    ap.add_argument("--tools", default=DEFAULT, help="comma separated, from benchmarks.tools")
    ap.add_argument("--jobs", default="1", help="process counts to try where supported")
    ap.add_argument("--real", action="store_true", help=f"also the real corpora ({REAL_PEERS})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per tool run")
    a = ap.parse_args()
    names = [x for x in a.tools.split(",") if x]
    unknown = [x for x in names if x not in TOOLS]
    if unknown:
        ap.error(f"unknown tools {unknown}; known: {', '.join(TOOLS)}")
    res: dict[str, Any] = {"command": "python -m benchmarks.compare " + " ".join(sys.argv[1:]),
                           "machine": report.machine(), "commit": _commit(),
                           "load_at_start": round(_load(), 1)}
    res.update(planted([float(x) for x in a.sizes.split(",")], names,
                       [int(x) for x in a.jobs.split(",")], a.seed, a.timeout))
    if a.real:
        res["real"] = real(REAL_PEERS)
    (HERE / "peers.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    results = HERE / "RESULTS.md"
    text = results.read_text() if results.exists() else ""
    results.write_text(report.put_section(text, "compare", markdown(res)))
    print(f"benchmarks: wrote {HERE / 'peers.json'} and the compare section of {results}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        empty_trash()
