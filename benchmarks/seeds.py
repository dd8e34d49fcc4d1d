"""Seed-corpus benchmark: clean ``seeds/`` and show what was removed per document.

Why: the seeds are real pages with real duplicates; a per-document tally by reason, plus the
shared contract checker's verdict, shows the tool's behaviour where no gold exists.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.measure import run
from benchmarks.tools import dedupe_docs_argv, dedupe_docs_env

CHECKER = Path("/work/shared/tools/check_output.py")


def seeds_bench(seeds: Path, out: Path) -> dict[str, Any]:
    m = run([*dedupe_docs_argv(), "clean", str(seeds), "--out", str(out), "--overwrite"], 600,
            out.parent / "seeds.log", env=dedupe_docs_env())
    res: dict[str, Any] = {"rc": m["rc"], "wall_s": round(m["wall_s"], 2), "documents": {}}
    if m["rc"] != 0:
        res["error"] = m["log_tail"]
        return res
    with (out / "provenance.jsonl").open() as f:
        for line in f:
            rec = json.loads(line)
            tally: dict[str, list[int]] = {}
            for r in rec["removed"]:
                t = tally.setdefault(r["reason"], [0, 0])
                t[0] += 1
                t[1] += r["end"] - r["start"]
            res["documents"][rec["id"]] = {
                "length": rec["length"],
                "removed": {k: {"spans": n, "chars": c} for k, (n, c) in sorted(tally.items())}}
    if CHECKER.exists():
        chk = subprocess.run([sys.executable, str(CHECKER), str(seeds), str(out)],
                             capture_output=True, text=True)
        res["check_output"] = {"rc": chk.returncode, "output": (chk.stdout + chk.stderr)[-2000:]}
    else:
        res["check_output"] = f"skipped: {CHECKER} not present"
    return res
