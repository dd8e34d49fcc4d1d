"""``dedupe-docs index info INDEX_DIR``: what a persisted index holds and what it costs on disk."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dedupe_docs.cli.failure import Failure
from dedupe_docs.drivers.persist import info
from dedupe_docs.errors import DedupeError


@click.group("index")
def index_command() -> None:
    """Inspect a persisted index (built by clean --index)."""


@index_command.command("info")
@click.argument("index_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
def info_command(index_dir: Path, as_json: bool) -> None:
    """Print the batches, documents, shingles and bytes on disk of INDEX_DIR."""
    try:
        numbers = info(index_dir)
    except DedupeError as exc:
        raise Failure(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(numbers, indent=2))
        return
    for b in numbers["batches"]:
        click.echo(f"batch {b['batch']}: {b['documents']:,} documents, {b['chars']:,} chars")
    click.echo(
        f"{len(numbers['batches'])} batches, {numbers['documents']:,} documents, "
        f"{numbers['chars']:,} chars, {numbers['shingles']:,} shingles, "
        f"{numbers['bytes']:,} bytes on disk"
    )
