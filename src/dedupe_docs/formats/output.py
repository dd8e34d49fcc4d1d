"""The output folder as dedupe-docs owns it: the names a run writes at its top, and the mark in
``report.json`` (``"tool": "dedupe-docs"`` and a ``run_id``) by which a later run with
``overwrite=True`` recognises a folder it may replace.

Only a folder that holds that mark and nothing but the names a run writes is replaced: a
folder of the user's (``precious/thesis.txt``), an output the user added a file to, a file or a
symbolic link is refused, so ``--overwrite`` can never delete what dedupe-docs did not write.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

TOOL = "dedupe-docs"
OUTPUT_NAMES = frozenset(
    {
        "clean",
        "clean.jsonl",
        "clean.jsonl.gz",
        "clean.jsonl.zst",
        "clean.jsonl.bz2",
        "clean.parquet",
        "provenance.jsonl",
        "report.json",
        "attributes.jsonl",
        "attributes",
    }
)
"""Every name a run may write at the top of its output folder."""

_RUN_ID = re.compile(r"[0-9a-f]{32}")


def mark() -> dict[str, str]:
    """The first keys of a run's ``report.json``: the tool and a new run id (uuid4, hex)."""
    return {"tool": TOOL, "run_id": uuid.uuid4().hex}


def not_ours(folder: Path) -> str | None:
    """Why the existing non-empty ``folder`` is not an output folder of dedupe-docs that a run
    may replace, or None when it is one."""
    hint = "; `overwrite=True` replaces only a folder dedupe-docs wrote"
    try:
        report = json.loads((folder / "report.json").read_bytes())
    except (OSError, ValueError):
        report = None
    marked = (
        isinstance(report, dict)
        and report.get("tool") == TOOL
        and isinstance(report.get("run_id"), str)
        and _RUN_ID.fullmatch(report["run_id"]) is not None
    )
    if not marked:
        why = "not an output folder of dedupe-docs (no report.json of a run in it)"
        return f"{why}{hint} (choose another output folder)"
    try:
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in OUTPUT_NAMES)
    except OSError as exc:
        return f"cannot list the folder: {exc.strerror or exc}"
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        why = f"holds {foreign[0]}{more}, which dedupe-docs did not write"
        return f"{why}{hint} (move it away or choose another output folder)"
    return None
