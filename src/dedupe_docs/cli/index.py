"""``dedupe-docs index info|compact INDEX_DIR``: what a persisted index holds and costs on disk,
and merging its segments into one. The index module is imported when a command runs, so that a
``clean`` does not load it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from dedupe_docs.cli.failure import Failure, Group
from dedupe_docs.errors import DedupeError


@click.group("index", cls=Group)
def index_command() -> None:
    """Inspect or compact a persisted index (built by clean --index)."""


@index_command.command("info")
@click.argument("index_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
def info_command(index_dir: Path, as_json: bool) -> None:
    """Print the batches, segments, documents, shingles and bytes on disk of INDEX_DIR."""
    try:
        from dedupe_docs.drivers.persist import info

        numbers = info(index_dir)
    except DedupeError as exc:
        raise Failure(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(numbers, indent=2))
        return
    for b in numbers["batches"]:
        click.echo(f"batch {b['batch']}: {b['documents']:,} documents, {b['chars']:,} chars")
    click.echo(
        f"{_count(len(numbers['batches']), 'batch')} in "
        f"{_count(len(numbers['segments']), 'segment')}, "
        f"{numbers['documents']:,} documents, {numbers['chars']:,} chars, "
        f"{numbers['shingles']:,} shingles, {numbers['bytes']:,} bytes on disk"
    )


@index_command.command("compact")
@click.argument("index_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
def compact_command(index_dir: Path) -> None:
    """Merge the segments of INDEX_DIR into one.

    Each clean --index adds a segment, and a lookup searches every segment: compact now and
    then keeps lookups fast. Safe to interrupt: until the merged segment is complete, the
    index stays as it was. Waits for a clean --index that is adding a batch, and vice versa.
    """
    started = time.perf_counter()
    try:
        from dedupe_docs.drivers.persist import compact, info

        before = info(index_dir)["bytes"]
        done = compact(index_dir)
        after = info(index_dir)["bytes"]
    except DedupeError as exc:
        raise Failure(str(exc)) from exc
    click.echo(
        f"dedupe-docs: {_count(done['segments_before'], 'segment')} → "
        f"{done['segments_after']}, "
        f"{before:,} → {after:,} bytes on disk in {time.perf_counter() - started:.1f} s",
        err=True,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 'es' if noun.endswith('h') else 's'}"
