"""The output folder as dedupe-docs owns it: the names a run writes at its top, and the mark in
``report.json`` (``"tool": "dedupe-docs"`` and a ``run_id``) by which a later run with
``overwrite=True`` recognises a folder it may replace.

The mark comes with the list of every file the run wrote (``files``). Only a folder that
holds the mark and nothing but the files it lists is replaced: a folder of the user's
(``precious/thesis.txt``), an output the user added a file to at any depth
(``clean/sub/notes.md``), a file or a symbolic link is refused, so ``--overwrite`` can never
delete what dedupe-docs did not write.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

from dedupe_docs.runtime.remote import RemotePath

TOOL = "dedupe-docs"
REPORT = "report.json"
_RUN_ID = re.compile(r"[0-9a-f]{32}")


def mark() -> dict[str, str]:
    """The first keys of a run's ``report.json``: the tool and a new run id (uuid4, hex)."""
    return {"tool": TOOL, "run_id": uuid.uuid4().hex}


def listing(folder: Path | RemotePath) -> list[str]:
    """Every file below ``folder`` but ``report.json`` at its top, as a sorted path relative to
    it with ``/`` between folders, and every empty folder below it with a ``/`` at its end: the
    ``files`` of ``report.json``, by which a later run knows what it may delete. A symbolic
    link counts as a file (it is never followed)."""
    if isinstance(folder, RemotePath):  # an object store has files only
        return [rel for rel, _, _ in folder.files() if rel != REPORT]
    found: list[str] = []

    def walk(path: str, prefix: str) -> None:
        with os.scandir(path) as entries:
            items = list(entries)
        if not items and prefix:
            found.append(prefix)
        for entry in items:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{prefix}{entry.name}/")
            elif prefix or entry.name != REPORT:
                found.append(prefix + entry.name)

    walk(os.fspath(folder), "")
    return sorted(found)


def not_ours(folder: Path | RemotePath) -> str | None:
    """Why the existing non-empty ``folder`` is not an output folder of dedupe-docs that a run
    may replace, or None when it is one: its ``report.json`` carries the mark and lists every
    file and folder below it (files the user deleted since do not matter)."""
    hint = "; `overwrite=True` replaces only a folder dedupe-docs wrote"
    try:
        report = json.loads((folder / REPORT).read_bytes())
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
    recorded = report.get("files")
    if not isinstance(recorded, list) or not all(isinstance(f, str) for f in recorded):
        why = "its report.json does not list the files the run wrote (an older dedupe-docs?)"
        return f"{why}{hint} and lists them (remove the folder yourself or choose another)"
    allowed = set(recorded)
    for path in recorded:  # a folder emptied since by the user is still the run's
        parts = path.rstrip("/").split("/")
        allowed.update("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    try:
        foreign = [path for path in listing(folder) if path not in allowed]
    except OSError as exc:
        return f"cannot list the folder: {exc.strerror or exc}"
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        why = f"holds {foreign[0]}{more}, which dedupe-docs did not write"
        return f"{why}{hint} (move it away or choose another output folder)"
    return None
