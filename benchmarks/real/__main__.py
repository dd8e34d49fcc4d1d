"""``python -m benchmarks.real [--quick] [--dedupe-arg KEY=VALUE ...] [--root /] [--out F]``.

Scores dedupe_docs (default Config, or the overrides given) against exact normalised-line dedup
on real corpora whose gold comes from their structure: HTML sites (chrome vs body), licence
files (standard paragraphs), and translated man pages with planted copies.

``--quick`` uses only the slice committed in ``data/`` (no apt packages needed, a few seconds);
the full mode rebuilds every corpus from the installed packages under ``--root``.
``--write-slice`` rebuilds the committed slice from the installed packages. ``--peers
dolma_ngram,datatrove_lines`` adds peer columns (run in their venvs by ``peers.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import dedupe_docs
from benchmarks.real import build, peers, plant, score

HERE = Path(__file__).resolve().parent
DATA, WORK = HERE / "data", HERE / "work"
TOOLS = ("dedupe_docs", "exact_lines")


def _value(text: str) -> Any:
    """A Config value from the command line: bool, int, float, else the string."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["threshold=0.8", "unit=paragraph"]`` → ``{"threshold": 0.8, "unit": "paragraph"}``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--dedupe-arg needs KEY=VALUE, got {pair!r}")
        out[key.strip().replace("-", "_")] = _value(value.strip())
    return out


def score_corpus(
    name: str,
    records: list[build.Record],
    config: dedupe_docs.Config,
    peer_names: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Every tool's scores on one corpus (examples of failures for dedupe_docs only)."""
    gold: list[build.Record] = []
    base = records
    if name.startswith("man:"):
        records, gold = plant.plant(records, name.split(":", 1)[1])
    result: dict[str, Any] = {"docs": len(records), "chars": sum(len(r["text"]) for r in records)}
    for tool in (*TOOLS, *peer_names):
        t0 = time.perf_counter()
        run = (
            (lambda recs: score.run_dedupe_docs(recs, config))
            if tool == "dedupe_docs"
            else score.run_exact_lines
            if tool == "exact_lines"
            else (lambda recs, tool=tool: peers.run_peer(tool, recs))
        )
        spans = run(records)
        seconds = time.perf_counter() - t0
        examples = tool == "dedupe_docs"
        if name.startswith("site:"):
            scores = score.score_site(records, spans, examples)
        elif name == "licences":
            scores = score.score_licences(records, spans, examples)
        else:
            scores = score.score_planted(records, gold, spans, base, run(base), examples)
        scores["seconds"] = round(seconds, 2)
        result[tool] = scores
    return result


MEASURES: dict[str, list[str]] = {
    "site": [
        "chrome_removed",
        "body_kept",
        "body_chars_kept",
        "unique_body_lost",
        "first_copies_kept",
    ],
    "licences": ["later_copy_chars_removed", "unique_chars_lost", "unique_chars_lost_share"],
    "man": ["precision", "precision_planting", "recall", "unit_recall", "base_removed"],
}


def table(results: dict[str, Any]) -> str:
    """The score table as Markdown: one row per corpus and measure."""
    tools = [t for t in next(iter(results.values()), {}) if t not in ("docs", "chars")]
    rows = ["| corpus | measure | " + " | ".join(tools) + " |", "| --- " * (len(tools) + 2) + "|"]
    for name, res in results.items():
        for measure in MEASURES[name.split(":", 1)[0]]:
            cells = [str(res[tool].get(measure)) for tool in tools]
            rows.append(f"| {name} ({res['docs']} docs) | {measure} | {' | '.join(cells)} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.real",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="score the committed slice in data/ only (no packages needed)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("/"),
        help="file-system root holding the installed packages (full mode)",
    )
    parser.add_argument(
        "--dedupe-arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a dedupe_docs Config override (repeatable)",
    )
    parser.add_argument("--only", default="", help="comma-separated corpus names or prefixes")
    parser.add_argument(
        "--peers",
        default="",
        help="comma-separated peers to score beside them: " + ",".join(peers.names()),
    )
    parser.add_argument("--out", type=Path, help="JSON results file (default work/MODE.json)")
    parser.add_argument(
        "--write-slice",
        action="store_true",
        help="rebuild the committed slice in data/ from the installed packages",
    )
    args = parser.parse_args(argv)

    if args.write_slice:
        corpora = build.build_all(args.root, slice_=True)
        build.write_corpora(DATA, corpora)
        print(f"wrote {len(corpora)} corpora to {DATA}: {', '.join(corpora)}")
        return 0

    overrides = parse_overrides(args.dedupe_arg)
    peer_names = tuple(p for p in args.peers.split(",") if p)
    unknown = [p for p in peer_names if p not in peers.names()]
    if unknown:
        raise SystemExit(f"unknown --peers {', '.join(unknown)}; known: {', '.join(peers.names())}")
    try:
        config = dedupe_docs.Config(**overrides)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"bad --dedupe-arg: {exc}") from exc
    mode = "quick" if args.quick else "full"
    t0 = time.perf_counter()
    if args.quick:
        corpora = build.read_corpora(DATA)
    else:
        corpora = build.build_all(args.root)
        if not any(name.startswith("site:") for name in corpora):
            print(
                "benchmarks.real: no HTML doc packages under --root; install them or use --quick",
                file=sys.stderr,
            )
            return 1
    wanted = [w for w in args.only.split(",") if w]
    if wanted:
        corpora = {n: c for n, c in corpora.items() if any(n.startswith(w) for w in wanted)}
    print(
        f"benchmarks.real: {mode} mode ({'committed slice' if args.quick else args.root}), "
        f"corpora {', '.join(corpora)}, dedupe_docs {dedupe_docs.__version__} "
        f"overrides {overrides or 'none'}",
        file=sys.stderr,
    )
    results: dict[str, Any] = {}
    for name, records in corpora.items():
        print(f"benchmarks.real: {name} ({len(records)} docs) …", file=sys.stderr, flush=True)
        results[name] = score_corpus(name, records, config, peer_names)
    report = {
        "mode": mode,
        "overrides": overrides,
        "config": config.to_json(),
        "seconds": round(time.perf_counter() - t0, 1),
        "corpora": results,
    }
    out = args.out or WORK / f"{mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"mode: {mode}; overrides: {overrides or 'none'}; {report['seconds']} s")
    print(table(results))
    print(f"\nresults and dedupe_docs failure examples: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
