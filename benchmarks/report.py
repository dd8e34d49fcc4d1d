"""Write RESULTS.md, results.json and throughput.png from the collected run results.

Why: one human table (speed, memory, quality, ratio to the floor), one machine-readable file,
one picture. The plot runs under whichever venv has matplotlib (ours or the peers venv).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def machine() -> dict[str, str]:
    cpu = next((x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines()
                if x.startswith("model name")), platform.processor())
    mem = next(x.split()[1] for x in Path("/proc/meminfo").read_text().splitlines()
               if x.startswith("MemTotal"))
    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram_gib": f"{int(mem) / 2**20:.1f}",
            "python": platform.python_version(), "os": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def _f(x: Any, fmt: str = "{:.3f}") -> str:
    return "–" if x is None else fmt.format(x)


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    out = ["# dedupe_docs benchmark results", "",
           f"Produced by `{res['command']}` on {m['date']}.", "",
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
           f"Python {m['python']}, {m['os']}. The machine is shared and noisy: compare tools "
           "by the ratios within one run.",
           "", "Corpora (planted duplicates from real prose, `benchmarks/corpus.py`):", ""]
    for c in res["corpora"]:
        out.append(f"- `{c['name']}`: {c['bytes'] / 1e6:.1f} MB, {c['documents']} documents, "
                   f"sha256 `{c['sha256'][:16]}…`")
    out += ["", "| tool | mode | size MB | MB/s | peak RSS MB | precision | recall | F1 | "
            "source ok | lost lines | × floor | status |", "|" + "---|" * 12]
    order = ["read_only", "dedupe_docs", "exact_lines", "datasketch", "rensa", "datatrove_minhash",
             "datatrove_sentence", "dolma", "text_dedup"]
    res["runs"].sort(key=lambda r: (r["size_mb"], order.index(r["tool"]) if r["tool"] in order
                                    else len(order), r["mode"]))
    for r in res["runs"]:
        q = r.get("score") or {}
        out.append(
            f"| {r['tool']} | {r['mode']} | {r['size_mb']:g} | {_f(r.get('mb_s'), '{:.2f}')} | "
            f"{_f(r.get('peak_rss_mb'), '{:.0f}')} | {_f(q.get('precision'))} | "
            f"{_f(q.get('recall'))} | {_f(q.get('f1'))} | {_f(q.get('source_match'))} | "
            f"{q.get('content_loss_lines', '–')} | {_f(r.get('vs_floor'), '{:.2f}')} | "
            f"{r['status']} |")
    kinds = sorted({k for r in res["runs"] for k in (r.get("score") or {}).get("per_kind", {})})
    out += ["", "Recall per noise kind (share of gold characters removed; for `trap`, the share "
            "removed is a false-positive rate, lower is better), largest corpus per tool/mode:", "",
            "| tool | mode | " + " | ".join(kinds) + " |", "|" + "---|" * (len(kinds) + 2)]
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in res["runs"]:
        if r.get("score"):
            best[(r["tool"], r["mode"])] = r
    for (tool, mode), r in best.items():
        pk = r["score"]["per_kind"]
        out.append(f"| {tool} | {mode} | " +
                   " | ".join(_f(pk.get(k, {}).get("share"), "{:.2f}") for k in kinds) + " |")
    rt = res.get("real_text") or {}
    if rt:
        out += ["", "## False removals on real, unplanted prose", "",
                f"Corpus `{rt['corpus']}` ({rt['bytes'] / 1e6:.1f} MB of the prose pool, nothing "
                "planted): every removed character is a false positive.", "",
                "| tool | removed chars | of chars | share | lines that lost text |",
                "|---|---|---|---|---|"]
        for tool, v in rt.items():
            if isinstance(v, dict) and v.get("chars"):
                out.append(f"| {tool} | {v['removed_chars']} | {v['chars']} | "
                           f"{v['removed_share']:.5f} | {v['lost_lines']} |")
        ex = (rt.get("dedupe_docs") or {}).get("examples") or []
        if ex:
            out += ["", "Largest dedupe_docs removals there:", ""]
            out += [f"- `{e['id']}` {e['start']}–{e['end']} ({e['reason']}, source "
                    f"{(e.get('source') or {}).get('id')}): {e['text'][:160]!r}" for e in ex]
    seeds = res.get("seeds") or {}
    if seeds.get("documents"):
        out += ["", "## Seed corpus (`seeds/`)", "", "| document | length | removed (spans / chars "
                "by reason) |", "|---|---|---|"]
        for doc, v in seeds["documents"].items():
            rem = ", ".join(f"{k} {x['spans']}/{x['chars']}" for k, x in v["removed"].items())
            out.append(f"| {doc} | {v['length']} | {rem or 'nothing'} |")
        chk = seeds.get("check_output")
        text = chk if isinstance(chk, str) else f"exit {chk['rc']}: {chk['output'].strip()}"
        out += ["", f"Contract checker (`check_output.py seeds OUT`): {text}"]
    elif seeds:
        out += ["", "## Seed corpus", "", f"dedupe-docs failed: {seeds.get('error', '')[-500:]}"]
    gate = res.get("gate") or {}
    if gate:
        out += ["", "## Quality gate (floors in `benchmarks/gate.py`)", "",
                f"Floors: {gate['floors']}; corpus sha256 `{gate['corpus_sha256']}`.", "",
                "Result: " + ("passed" if not gate["failures"] else
                              "FAILED: " + "; ".join(gate["failures"]))]
    for note in res.get("notes") or []:
        out += ["", f"Note: {note}"]
    for run in res.get("scale") or []:
        out += ["", f"## Scale-out: Ray engine and persisted index (`{run['command']}`)", "",
                f"In one process on `{run['corpus']}` ({run['mb']} MB, {run['documents']} "
                "documents, library calls, no start-up or output writing), side by side:", "",
                "| run | seconds | MB/s |", "|---|---|---|"]
        for label, key in (("local engine, jobs=1", "local_jobs1_s"),
                           ("local engine, jobs=2", "local_jobs2_s"),
                           ("Ray engine, 2 local CPUs", "ray_2cpu_s")):
            if key in run:
                out.append(f"| {label} | {run[key]} | {run['mb'] / run[key]:.2f} |")
        if "ray_overhead" in run:
            out += ["", f"Ray against the local engine with the same 2 cores: "
                    f"**{run['ray_overhead']}×** the time."]
        out += ["", "Persisted index, the corpus in two halves: the first cleaned into an empty "
                f"index at **{run['index_build_mb_per_s']} MB/s** (build), the second cleaned "
                f"against it at **{run['index_query_mb_per_s']} MB/s** (query); the bare lookup "
                f"of its distinct shingles runs at {run['index_lookup_shingles_per_s']:,} "
                f"shingles/s. On disk: {run['index_bytes'] / 1e6:.0f} MB for {run['mb']} MB of "
                f"text ({run['index_bytes_per_text_byte']} bytes per byte of text, "
                f"{run['index_shingles']:,} shingles)."]
    bounded = res.get("bounded") or []
    if bounded:
        out += ["", "## Bounded memory (`--max-memory`, `benchmarks/bounded.py`)", "",
                "The command line in a child process per run, one run after the other; "
                "same output = every output file but report.json identical.", "",
                "| corpus | MB | run | seconds | MB/s | user + system s | page faults | peak RSS "
                "| RSS / input | same output |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for run in bounded:
            same = {True: "yes", False: "**no**"}.get(run.get("same_output"), "–")
            for name, label in (("in_memory", "in memory"),
                                ("bounded", f"`--max-memory {run['max_memory']}`")):
                if name in run:
                    r = run[name]
                    cpu = (f"{r['user_s']} + {r['system_s']}"
                           if r.get("user_s") is not None else "–")
                    faults = f"{r['page_faults']:,}" if r.get("page_faults") is not None else "–"
                    out.append(f"| {run['corpus']} | {run['mb']} | {label} | {r['seconds']} | "
                               f"{r['mb_per_s']} | {cpu} | {faults} | {r['peak_rss_mb']} MB | "
                               f"{r['rss_per_input']}× | {same} |")
    for run in res.get("index_growth") or []:
        out += index_growth(run)
    out += ["", "Columns: MB/s = input bytes / wall time of the whole run (start-up, reading, "
            "writing included); peak RSS = max of the largest process and the sampled process-"
            "tree sum; precision/recall/F1 over non-whitespace characters; source ok = share of "
            "removed spans whose `source.id` is the gold source document; lost lines = unique, "
            "never-planted lines that lost a character; × floor = MB/s relative to the read-and-"
            "tokenise-only pass on the same corpus.", ""]
    return "\n".join(out)


def index_growth(run: dict[str, Any]) -> list[str]:
    """The section of one ``benchmarks/index_growth.py`` run: a row per batch added."""
    names = [n for n in ("segments", "rewrite") if n in run["rows"][0]]
    out = ["", f"## Persisted index growing batch by batch (`{run['command']}`)", "",
           f"{run['batches']} batches of {run['batch_mb']:g} MB of `{run['corpus']}` added one "
           f"after another with `clean --index` (`--jobs {run['jobs']}`), each in a fresh process"
           f" ({run['date']}). `segments`: this release; `rewrite`: the release before "
           f"segments, which rewrote every shingle file on each update (`{run['base']}`), run "
           "batch by batch in turn with it on the same shared machine. s = wall time of the "
           "whole command; CPU = user + system; lookup = the index search for the batch's "
           "shingles and short-block keys; update = adding the batch (its segment, or all the "
           "shingle files again, and its documents); earlier = the earlier documents the batch "
           "repeats, read from the index and cleaned again with it.", "",
           "| batch | MB | earlier | " + " | ".join(
               f"{n} s | CPU s | lookup s | update s | index MB" for n in names)
           + (" | same output |" if len(names) > 1 else " |"),
           "|" + "---|" * (3 + 5 * len(names) + (len(names) > 1))]
    for row in run["rows"]:
        cells = [f"{row[n]['seconds']} | {row[n]['cpu_s']} | {row[n]['lookup_s']} | "
                 f"{row[n]['update_s']} | {row[n]['index_mb']}" for n in names]
        same = {True: " | yes", False: " | **no**"}.get(row.get("same_output"), "")
        out.append(f"| {row['batch']} | {row['mb']} | {row[names[0]]['earlier_documents']} | "
                   + " | ".join(cells) + same + " |")
    for n in names:
        ratio = run[f"{n}_last_vs_first"]
        out += ["", f"`{n}`, last batch against the first: "
                + ", ".join(f"{v}× the {k}" for k, v in ratio.items()) + "."]
    c = run["compact"]
    out += ["", f"`dedupe-docs index compact` of the {run['batches']} segments: {c['seconds']} s "
            f"({c['cpu_s']} CPU s, peak RSS {c['peak_rss_mb']} MB), {c['mb_before']} → "
            f"{c['mb_after']} MB on disk."]
    return out

def plot(results_json: Path, png: Path) -> None:
    """Throughput vs size per tool (left) and recall per noise kind (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = json.loads(results_json.read_text())
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7))
    labels = sorted({f"{r['tool']} ({r['mode']})" for r in res["runs"]})
    color = {lab: plt.get_cmap("tab20")(i % 20) for i, lab in enumerate(labels)}
    series: dict[str, list[tuple[float, float]]] = {}
    for r in res["runs"]:
        if r.get("mb_s"):
            series.setdefault(f"{r['tool']} ({r['mode']})", []).append((r["size_mb"], r["mb_s"]))
    for label, pts in sorted(series.items()):
        pts.sort()
        ax1.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label,
                 color=color[label])
    ax1.set(xscale="log", yscale="log", xlabel="corpus size (MB)", ylabel="MB/s",
            title="Throughput (whole run)")
    ax1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    best = {(r["tool"], r["mode"]): r for r in res["runs"] if r.get("score")}
    kinds = sorted({k for r in best.values() for k in r["score"]["per_kind"]})
    width = 0.8 / max(1, len(best))
    for i, ((tool, mode), r) in enumerate(sorted(best.items())):
        vals = [r["score"]["per_kind"].get(k, {}).get("share", 0) for k in kinds]
        ax2.bar([j + i * width for j in range(len(kinds))], vals, width, label=f"{tool} ({mode})",
                color=color[f"{tool} ({mode})"])
    ax2.set_xticks([j + 0.4 for j in range(len(kinds))], kinds, rotation=45, ha="right", fontsize=8)
    ax2.set(ylabel="share removed (trap: false positives)", title="Recall per noise kind",
            ylim=(0, 1.05))
    ax2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


_SECTION = re.compile(r"<!-- section (\S+) -->\n.*?<!-- /section \1 -->\n", re.S)


def put_section(text: str, name: str, body: str) -> str:
    """``text`` with the section ``name`` (between ``<!-- section NAME -->`` markers) replaced
    by ``body``, or added before the first level-2 heading when it has none.

    Why: sections written by other commands (``benchmarks.compare``) live in the same RESULTS.md
    and must survive a run of ``python -m benchmarks``, which rewrites the rest."""
    block = f"<!-- section {name} -->\n{body.rstrip()}\n<!-- /section {name} -->\n"
    for m in _SECTION.finditer(text):
        if m[1] == name:
            return text[: m.start()] + block + text[m.end() :]
    at = text.find("\n## ")
    return text + "\n" + block if at < 0 else text[: at + 1] + block + "\n" + text[at + 1 :]


def write(res: dict[str, Any], here: Path, plot_python: str | None) -> None:
    """Write the three result files into ``here``, keeping the marked sections of RESULTS.md."""
    here.mkdir(parents=True, exist_ok=True)
    (here / "results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    old = (here / "RESULTS.md").read_text() if (here / "RESULTS.md").exists() else ""
    text = markdown(res)
    for m in _SECTION.finditer(old):
        body = m[0].split("\n", 1)[1].rsplit("<!-- /section", 1)[0]
        text = put_section(text, m[1], body)
    (here / "RESULTS.md").write_text(text)
    if plot_python:
        subprocess.run([plot_python, "-m", "benchmarks.report", str(here / "results.json"),
                        str(here / "throughput.png")], check=False,
                       cwd=Path(__file__).resolve().parent.parent)


if __name__ == "__main__":
    if sys.argv[1:] == ["--rewrite"]:  # re-render RESULTS.md and the plot from results.json
        here = Path(__file__).resolve().parent
        (here / "RESULTS.md").write_text(markdown(json.loads((here / "results.json").read_text())))
        plot(here / "results.json", here / "throughput.png")
    else:
        plot(Path(sys.argv[1]), Path(sys.argv[2]))
