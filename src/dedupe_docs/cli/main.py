"""The ``dedupe-docs`` command: parse options, call the library, print a summary on stderr."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from dedupe_docs._version import __version__
from dedupe_docs.cli import logs
from dedupe_docs.cli.failure import Failure, Group
from dedupe_docs.cli.options import GroupedCommand, config_option
from dedupe_docs.config import Config
from dedupe_docs.errors import ConfigError, DedupeError
from dedupe_docs.pipeline import make_config, run
from dedupe_docs.runtime.progress import StageBars
from dedupe_docs.runtime.remote import is_url

_SHOWN_ERRORS = 10


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedupe-docs")
def main() -> None:
    """Find duplicate passages (exact and fuzzy) in a corpus and remove them, with provenance."""


GROUPS = [
    (
        "Input",
        ["text_field", "id_field", "encoding", "encoding_errors", "keep_going", "allow_empty"],
    ),
    (
        "Matching",
        [
            "shingle_size",
            "min_tokens",
            "threshold",
            "block_coverage",
            "max_gap",
            "unit",
            "split_sentences",
            "keep",
            "reuse",
            "boilerplate_max_tokens",
            "boilerplate_min_docs",
            "boilerplate_min_share",
        ],
    ),
    ("Output", ["out", "overwrite", "output_parts", "dolma_attributes", "drop_empty", "as_json"]),
    ("Performance", ["jobs", "max_memory"]),
    ("Scale-out", ["engine", "work_dir", "index_dir", "batch", "storage_options"]),
    ("Run", ["config_file", "progress", "quiet", "verbose", "debug", "help"]),
]
"""The headings of ``clean --help``, each with its options in order."""


@main.command(
    cls=GroupedCommand,
    groups=GROUPS,
    epilog="""\b
Examples:
  dedupe-docs clean corpus/ --out cleaned/
  dedupe-docs clean crawl.jsonl --out cleaned/ --unit paragraph
  dedupe-docs clean a/ b/ --out cleaned/ --threshold 0.9 --overwrite
  dedupe-docs clean 'dolma/documents/*.json.gz' --out cleaned/ --dolma-attributes
  dedupe-docs clean s3://bucket/crawl/ --out s3://bucket/clean/ --output-parts 64
""",
)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out",
    "-o",
    required=True,
    help="Output folder, or its URL (s3://bucket/clean/); created; refused if it exists and "
    "is not empty, unless --overwrite.",
)
@click.option(
    "--text-field", default="text", show_default=True, help="Text field of JSONL records."
)
@click.option(
    "--id-field",
    default="id",
    show_default=True,
    help="Id field of records; a record without it (every record, with '') takes the id "
    "<file>:<line> (Parquet: <file>:<row>).",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Encoding of text files (utf-16, latin-1, ...); JSON lines are UTF-8.",
)
@click.option(
    "--encoding-errors",
    type=click.Choice(["strict", "replace", "skip-file"]),
    default="strict",
    show_default=True,
    help="Text that does not decode: stop with an error, replace bad bytes by U+FFFD, or "
    "skip the file.",
)
@click.option(
    "--keep-going",
    is_flag=True,
    help="Skip bad files and records (listed in report.json errors) instead of stopping.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Succeed even when no documents are read from inputs that hold files.",
)
@config_option("shingle_size")
@config_option("min_tokens")
@config_option("threshold")
@config_option("block_coverage")
@config_option("max_gap")
@config_option("unit")
@config_option("split_sentences")
@config_option("keep")
@config_option("reuse")
@config_option("boilerplate_max_tokens")
@config_option("boilerplate_min_docs")
@config_option("boilerplate_min_share")
@config_option("jobs", "-j")
@config_option("engine")
@config_option("work_dir", type=click.Path(file_okay=False))
@config_option("max_memory", type=str, metavar="SIZE")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Persisted index: clean against every batch in it, then add this batch.",
)
@click.option("--batch", help="Name of this batch in --index [default: its number].")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option(
    "--dolma-attributes",
    is_flag=True,
    help="Also write the removed spans as Dolma attributes: OUT/attributes/dedupe_docs/<shard> "
    "beside each records shard, else OUT/attributes.jsonl.",
)
@click.option(
    "--output-parts",
    type=click.IntRange(min=1),
    help="Write every document's record to N numbered parts, clean/part-00000.jsonl "
    "(.gz/.zst/.bz2 as the inputs, or .parquet), split in corpus order by count.",
)
@click.option(
    "--storage-options",
    help="JSON object of options for the filesystem of inputs and --out named by URL "
    '(e.g. {"endpoint_url": "http://127.0.0.1:9000"}); default: the AWS_* environment '
    "variables.",
)
@click.option(
    "--drop-empty",
    is_flag=True,
    help="Write no record (or text file) that cleaning left empty; provenance keeps it.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file of options (flags given on the command line win).",
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr [default: when stderr is a terminal].",
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage's time and counts.")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def clean(
    inputs: tuple[str, ...],
    out: str,
    text_field: str,
    id_field: str,
    encoding: str,
    encoding_errors: str,
    keep_going: bool,
    allow_empty: bool,
    overwrite: bool,
    index_dir: Path | None,
    batch: str | None,
    dolma_attributes: bool,
    drop_empty: bool,
    output_parts: int | None,
    storage_options: str | None,
    config_file: Path | None,
    as_json: bool,
    progress: bool | None,
    quiet: bool,
    verbose: bool,
    debug: bool,
    **options: Any,
) -> None:
    """Clean INPUT... into OUT: files, folders or globs of .txt, .jsonl/.json (plain, .gz, .zst,
    .bz2) and .parquet files.

    Writes OUT/clean/<relative path> for each text file and records shard (a single records
    file: OUT/clean.jsonl or OUT/clean.parquet), OUT/provenance.jsonl (kept and removed spans
    of every document) and OUT/report.json.
    """
    started = time.perf_counter()
    out = out.rstrip("/") if is_url(out) else str(Path(out))
    try:
        if config_file is not None:
            options.update(text_field=text_field, id_field=id_field, encoding=encoding)
            options.update(dolma_attributes=dolma_attributes, drop_empty=drop_empty)
            options.update(output_parts=output_parts, storage_options=storage_options)
            options = _with_file(click.get_current_context(), config_file, options)
            text_field, id_field = options.pop("text_field"), options.pop("id_field")
            encoding, drop_empty = options.pop("encoding"), options.pop("drop_empty")
            dolma_attributes = options.pop("dolma_attributes")
            output_parts = options.pop("output_parts")
            storage_options = options.pop("storage_options")
        config = make_config(Config(), **options)
        storage = _storage_options(storage_options)
        with (
            logs.to_stderr(verbose=verbose, quiet=quiet),
            StageBars(enabled=False if quiet else progress) as bars,
        ):
            report = run(
                inputs,
                out,
                config,
                overwrite=overwrite,
                text_field=text_field,
                id_field=id_field or None,  # '': every id made from file and line
                dolma_attributes=dolma_attributes,
                on_error="skip" if keep_going else "raise",
                encoding_errors=encoding_errors,  # type: ignore[arg-type]
                encoding=encoding,
                drop_empty=drop_empty,
                progress=bars,
                index=index_dir,
                batch=batch,
                allow_empty=allow_empty,
                output_parts=output_parts,
                storage_options=storage,
            )
    except DedupeError as exc:
        if debug:
            raise
        raise Failure(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if not quiet:
        _summary(report, out, time.perf_counter() - started, drop_empty)
    elif report["errors"]:  # skipped inputs are errors: --quiet still says how many
        n = len(report["errors"])
        click.echo(
            f"dedupe-docs: skipped {n} bad input(s): see errors in {out}/report.json", err=True
        )


def _storage_options(text: str | None) -> dict[str, Any] | None:
    """The JSON object of ``--storage-options``, or a ConfigError saying what is wrong."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--storage-options: not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise ConfigError(f"--storage-options: a JSON object is needed, not a {kind}")
    return value


def _with_file(ctx: click.Context, path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the values of a TOML file where the command line did not set them.
    The TOML reader is imported here, so that a run without ``--config`` does not load it."""
    from dedupe_docs.cli.settings import load_config, read_settings

    params = {p.name: p for p in ctx.command.params}
    load_config(path)  # the file's own values are valid, or the error names the file
    for name, value in read_settings(path).items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            continue
        if name == "storage_options":  # a TOML table; the flag takes it as JSON
            value = json.dumps(value)
        try:
            options[name] = params[name].type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise ConfigError(f"{path}: {name.replace('_', '-')}: {exc.message}") from exc
    return options


def _summary(report: dict[str, Any], out: str, seconds: float, drop_empty: bool) -> None:
    chars_in = report["chars_in"] or 1
    removed = report["removed_chars"]
    share = sum(removed.values()) / chars_in
    parts = ", ".join(f"{r} {n / chars_in:.1%}" for r, n in removed.items())
    echo = lambda s: click.echo(f"dedupe-docs: {s}", err=True)  # noqa: E731
    echo(f"{report['documents']} documents, {report['chars_in']:,} → {report['chars_out']:,} chars")
    echo(f"removed {share:.1%} ({parts}) in {seconds:.1f} s")
    if drop_empty:
        n = report["dropped_empty"]
        echo(f"dropped {n} document{'s' * (n != 1)} left empty (--drop-empty)")
    errors = report.get("errors", [])
    for e in errors[:_SHOWN_ERRORS]:
        where = ":".join(str(x) for x in (e["file"], e["line"]) if x is not None)
        echo(f"skipped {where}: {e['reason']}")
    if len(errors) > _SHOWN_ERRORS:
        echo(f"skipped {len(errors) - _SHOWN_ERRORS} more")
    echo(f"wrote {out}/: " + ", ".join(report["outputs"]))
    if errors:
        echo(f"skipped {len(errors)} bad input(s): see errors in {out}/report.json")


from dedupe_docs.cli.index import index_command  # noqa: E402
from dedupe_docs.cli.report import explain_command, report_command  # noqa: E402

main.add_command(explain_command)
main.add_command(index_command)
main.add_command(report_command)
