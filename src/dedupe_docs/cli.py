"""The ``dedupe-docs`` command: parse options, call the library, print a summary on stderr."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Config
from .errors import DedupeError
from .pipeline import make_config, run

_DEFAULTS = Config()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedupe-docs")
def main() -> None:
    """Find duplicate passages (exact and fuzzy) in a corpus and remove them, with provenance."""


@main.command(
    epilog="""\b
Examples:
  dedupe-docs clean corpus/ --out cleaned/
  dedupe-docs clean crawl.jsonl --out cleaned/ --unit paragraph
  dedupe-docs clean a/ b/ --out cleaned/ --threshold 0.9 --overwrite
"""
)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Output folder (created; refused if it exists and is not empty, unless --overwrite).",
)
@click.option(
    "--text-field", default="text", show_default=True, help="Text field of JSONL records."
)
@click.option("--id-field", default="id", show_default=True, help="Id field of JSONL records.")
@click.option(
    "--shingle-size",
    type=int,
    default=_DEFAULTS.shingle_size,
    show_default=True,
    help="Tokens per shingle.",
)
@click.option(
    "--min-tokens",
    type=int,
    default=_DEFAULTS.min_tokens,
    show_default=True,
    help="Shortest duplicate passage, in aligned tokens.",
)
@click.option(
    "--threshold",
    type=float,
    default=_DEFAULTS.threshold,
    show_default=True,
    help="Minimum similarity (0-1) between a removed block and its source.",
)
@click.option(
    "--block-coverage",
    type=float,
    default=_DEFAULTS.block_coverage,
    show_default=True,
    help="Share of a block's tokens that must align with the source to remove it.",
)
@click.option(
    "--max-gap",
    type=int,
    default=_DEFAULTS.max_gap,
    show_default=True,
    help="Largest gap (tokens) bridged inside one passage.",
)
@click.option(
    "--unit",
    type=click.Choice(["line", "paragraph"]),
    default=_DEFAULTS.unit,
    show_default=True,
    help="Block that is kept or removed as a whole.",
)
@click.option(
    "--split-sentences/--no-split-sentences",
    default=_DEFAULTS.split_sentences,
    show_default=True,
    help="Cut only the duplicate sentences out of partly duplicate blocks.",
)
@click.option(
    "--keep",
    type=click.Choice(["first", "longest"]),
    default=_DEFAULTS.keep,
    show_default=True,
    help="Which copy survives: first in corpus order, or most complete.",
)
@click.option(
    "--boilerplate-max-tokens",
    type=int,
    default=_DEFAULTS.boilerplate_max_tokens,
    show_default=True,
    help="Longest block (tokens) that can be boilerplate; 0 disables.",
)
@click.option(
    "--boilerplate-min-docs",
    type=int,
    default=_DEFAULTS.boilerplate_min_docs,
    show_default=True,
    help="Documents a short block must stand in to be boilerplate.",
)
@click.option(
    "--jobs", "-j", type=int, default=_DEFAULTS.jobs, show_default=True, help="Worker processes."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def clean(
    inputs: tuple[str, ...],
    out: Path,
    text_field: str,
    id_field: str,
    overwrite: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    debug: bool,
    **options: Any,
) -> None:
    """Clean INPUT... (.txt files, folders of *.txt, .jsonl files) into OUT.

    Writes OUT/clean/<relative path> (text input) or OUT/clean.jsonl (record input),
    OUT/provenance.jsonl (kept and removed spans of every document) and OUT/report.json.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="dedupe-docs: %(message)s",
        stream=sys.stderr,
    )
    started = time.perf_counter()
    try:
        config = make_config(Config(), **options)
        report = run(
            inputs, out, config, overwrite=overwrite, text_field=text_field, id_field=id_field
        )
    except DedupeError as exc:
        if debug:
            raise
        raise click.ClickException(str(exc)) from exc
    if as_json:
        import json

        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if not quiet:
        _summary(report, out, time.perf_counter() - started)


def _summary(report: dict[str, Any], out: Path, seconds: float) -> None:
    chars_in = report["chars_in"] or 1
    removed = report["removed_chars"]
    share = sum(removed.values()) / chars_in
    parts = ", ".join(f"{r} {n / chars_in:.1%}" for r, n in removed.items())
    echo = lambda s: click.echo(f"dedupe-docs: {s}", err=True)  # noqa: E731
    echo(f"{report['documents']} documents, {report['chars_in']:,} → {report['chars_out']:,} chars")
    echo(f"removed {share:.1%} ({parts}) in {seconds:.1f} s")
    echo(f"wrote {out}/: " + ", ".join(report["outputs"]))
