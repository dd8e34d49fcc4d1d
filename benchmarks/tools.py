"""The tools under comparison, the venv each runs in, and how to invoke it.

Why one table: adding a peer is one entry here plus an adapter in ``peers/``. Peers run under
``benchmarks/.venv-peers`` (made on first use from ``requirements-peers.txt``, one package at a
time; failures are recorded with their error and shown in the results instead of dropped).
Dolma's command line gets a venv of its own, ``benchmarks/.venv-dolma``, from
``requirements-dolma.txt``: its pins (numpy<2, an old s3fs) cannot share one with datatrove.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS_VENV = HERE / ".venv-peers"
PEERS_PY = PEERS_VENV / "bin" / "python"
DOLMA_VENV = HERE / ".venv-dolma"


@dataclass(frozen=True)
class Tool:
    name: str
    unit: str
    jobs: tuple[int, ...] = (1,)
    requires: str | None = None  # requirement name in requirements-peers.txt; None: our venv
    quality: bool = True  # False for the read-only floor
    module: str | None = None  # benchmarks.peers.<module>; None: the dedupe-docs CLI
    extra: tuple[str, ...] = ()  # more adapter arguments
    job: str = ""  # "fuzzy passages" or the cheaper job a peer does (exact paragraphs, ...)


FUZZY = "fuzzy passages"
NEAR = "near-duplicate paragraphs (MinHash)"
EXACT = "exact units"
TOOLS = {t.name: t for t in [
    Tool("dedupe_docs", "line", jobs=(1, 2), job=FUZZY),
    Tool("dedupe_docs_shards", "line, gzip shards", module="dedupe_docs_shards",
         job=FUZZY),
    Tool("exact_lines", "line", module="exact_lines", job=EXACT),
    Tool("read_only", "line", quality=False, module="read_only"),
    Tool("datasketch", "paragraph", requires="datasketch", module="datasketch_lsh", job=NEAR),
    Tool("rensa", "paragraph", requires="rensa", module="rensa_lsh", job=NEAR),
    Tool("datatrove_minhash", "paragraph", requires="datatrove", module="datatrove_minhash",
         job=NEAR),
    Tool("datatrove_sentence", "sentence", requires="datatrove", module="datatrove_sentence",
         job="exact 3-sentence windows"),
    Tool("datatrove_lines", "line", requires="datatrove", module="datatrove_lines", job=EXACT),
    Tool("dolma", "line", jobs=(1, 2), requires="dolma", module="dolma_bff", job=EXACT),
    Tool("dolma_ngram", "line, 5-grams >= 0.5", jobs=(1, 2), requires="dolma",
         module="dolma_ngram", extra=("--threshold", "0.5"), job=FUZZY),
    Tool("dolma_ngram_t0.3", "line, 5-grams >= 0.3", requires="dolma", module="dolma_ngram",
         extra=("--threshold", "0.3"), job=FUZZY),
    Tool("dolma_ngram_t0.8", "line, 5-grams >= 0.8", requires="dolma", module="dolma_ngram",
         extra=("--threshold", "0.8"), job=FUZZY),
    Tool("dolma_ngram_t1.0", "line, 5-grams = 1 (default)", requires="dolma",
         module="dolma_ngram", extra=("--threshold", "1.0"), job=FUZZY),
    Tool("text_dedup", "paragraph", requires="text-dedup", module="text_dedup_minhash", job=NEAR),
]}


def dedupe_docs_env() -> dict[str, str]:
    """Run this checkout's ``src/`` (ahead of any other installed copy of dedupe_docs)."""
    env = dict(os.environ)
    src = HERE.parent / "src"
    if (src / "dedupe_docs").is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    return env


def dedupe_docs_argv() -> list[str]:
    return [sys.executable, "-m", "dedupe_docs"]


def supports_jobs() -> bool:
    out = subprocess.run([*dedupe_docs_argv(), "clean", "--help"], capture_output=True, text=True,
                         env=dedupe_docs_env())
    return "--jobs" in out.stdout


def argv(tool: Tool, corpus: Path, out: Path, jobs: int) -> list[str]:
    if tool.module is None:
        return [*dedupe_docs_argv(), "clean", str(corpus / "docs"), "--out", str(out),
                "--overwrite", *(["--jobs", str(jobs)] if jobs > 1 or supports_jobs() else [])]
    py = sys.executable if tool.requires is None else str(PEERS_PY)
    unit = tool.unit.split(",")[0]
    return [py, "-m", f"benchmarks.peers.{tool.module}", str(corpus), str(out),
            "--unit", unit, "--jobs", str(jobs), *tool.extra]


def removed_file(tool: Tool, out: Path) -> Path:
    return out / ("provenance.jsonl" if tool.module is None else "removed.jsonl")


def _req_name(line: str) -> str:
    for sep in "<>=[ ;":
        line = line.split(sep)[0]
    return line.strip()


def peers_status(log: Path) -> dict[str, str]:
    """Create/refresh the peer venvs; return {requirement name: "ok" | "install failed: ..."}."""
    status = _install(PEERS_VENV, HERE / "requirements-peers.txt", log)
    return {**status, **_install(DOLMA_VENV, HERE / "requirements-dolma.txt", log)}


def _install(venv: Path, requirements: Path, log: Path) -> dict[str, str]:
    status_path = venv / "status.json"
    lines = requirements.read_text().splitlines()
    reqs = [x.split("#")[0].strip() for x in lines if x.split("#")[0].strip()]
    status: dict[str, str] = json.loads(status_path.read_text()) if status_path.exists() else {}
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for req in reqs:
        name = _req_name(req)
        if status.get(name) == "ok":
            continue
        print(f"benchmarks: installing peer {req} into {venv.name}", file=sys.stderr)
        try:
            proc = subprocess.run([str(python), "-m", "pip", "install", "-q", *req.split()],
                                  capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            status[name] = "install failed: pip did not finish in 900 s (dependency resolution)"
            status_path.write_text(json.dumps(status, indent=1))
            continue
        with log.open("a") as f:
            f.write(f"=== {req}\n{proc.stdout}\n{proc.stderr}\n")
        errs = [x for x in proc.stderr.splitlines() if "error" in x.lower() and "WARNING" not in x]
        status[name] = "ok" if proc.returncode == 0 else "install failed: " + (
            " | ".join(errs[-3:]) or proc.stderr[-300:]).strip()
        status_path.write_text(json.dumps(status, indent=1))
    return status


def has_matplotlib(python: str) -> bool:
    return subprocess.run([python, "-c", "import matplotlib"], capture_output=True).returncode == 0


TRASH = HERE / "work" / ".trash"


def clear(path: Path) -> None:
    """Move an earlier output out of the way, to be deleted by :func:`empty_trash` once every
    run is measured.

    Why not delete it now: ext4 steers new inodes away from recently deleted ones, and right
    after thousands of files are deleted, creating a file scans past them (``recently_deleted``
    in the kernel profile: 38% of one run's samples, 2-4 s for 7,800 files). Deleting just
    before a run would charge that run for its predecessor's clean-up.
    """
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{path.name}-{os.getpid()}-{time.monotonic_ns()}")


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)
