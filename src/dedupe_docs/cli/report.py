"""The ``explain`` and ``report`` commands: thin layers over :mod:`dedupe_docs.report.explain` and
:mod:`dedupe_docs.report.html`, registered on the ``dedupe-docs`` group by
:mod:`dedupe_docs.cli.main`. Each command imports its module when it runs, so that a
``clean`` does not load them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dedupe_docs.cli.failure import Failure
from dedupe_docs.errors import DedupeError
from dedupe_docs.report.render import FORMS, Form, format_explanation
from dedupe_docs.types import REASONS, RULES

_out_dir = click.argument(
    "out_dir", metavar="OUT_DIR", type=click.Path(file_okay=False, path_type=Path)
)
_inputs = click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Where the inputs of the run are now, if they moved (repeatable).",
)


@click.command(
    "explain",
    epilog="""\b
Examples:
  dedupe-docs explain cleaned/
  dedupe-docs explain cleaned/ 000_44233688ec9489a4.txt --reason duplicate
  dedupe-docs explain cleaned/ --rule short-copy
  dedupe-docs explain cleaned/ --format line | less -R
  dedupe-docs explain cleaned/ --format json > explained.jsonl
""",
)
@_out_dir
@click.argument("doc_id", required=False, metavar="[DOC_ID]")
@click.option("--reason", type=click.Choice(REASONS), help="Only spans removed for this reason.")
@click.option(
    "--rule",
    type=click.Choice(list(RULES)),
    help="Only spans removed by this rule: passage, short-copy (a whole short line or "
    "sentence), template (page chrome), repeat, reworded (--reuse paraphrase).",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(FORMS),
    default="text",
    show_default=True,
    help="text: each span beside its edits; line: one line per span; json: JSON lines.",
)
@_inputs
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the differences [default: when stdout is a terminal].",
)
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def explain_command(
    out_dir: Path,
    doc_id: str | None,
    reason: str | None,
    rule: str | None,
    form: Form,
    inputs: tuple[Path, ...],
    color: bool | None,
    debug: bool,
) -> None:
    """Show each span removed by the run that wrote OUT_DIR beside the text it repeats.

    Edits are marked [-source only-]{+removed copy only+} (coloured on a terminal); case,
    spacing, quotes and doubled letters are not edits. The removed text is read back from the
    inputs recorded in OUT_DIR/report.json.
    """
    if color is None:
        color = sys.stdout.isatty()
    color = color and form != "json"
    end = "\n" if form == "text" else ""
    try:
        shown = 0
        from dedupe_docs.report.explain import explain

        for e in explain(out_dir, doc_id, reason=reason, rule=rule, inputs=list(inputs) or None):  # type: ignore[arg-type]
            click.echo(format_explanation(e, form, color=color) + end, color=color)
            shown += 1
    except DedupeError as exc:
        if debug:
            raise
        raise Failure(str(exc)) from exc
    if not shown:
        wanted = " and ".join(f"{k} {v}" for k, v in (("reason", reason), ("rule", rule)) if v)
        click.echo("dedupe-docs: nothing removed" + (f" for {wanted}" if wanted else ""), err=True)


@click.command(
    "report",
    epilog="""\b
Examples:
  dedupe-docs report cleaned/ --html report.html
""",
)
@_out_dir
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report to this file.",
)
@_inputs
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def report_command(out_dir: Path, html_file: Path, inputs: tuple[Path, ...], debug: bool) -> None:
    """Write an HTML report of the run that wrote OUT_DIR: summary, and every document with its
    removed spans marked and linked to their sources."""
    try:
        from dedupe_docs.report.html import write_html

        write_html(out_dir, html_file, inputs=list(inputs) or None)
    except DedupeError as exc:
        if debug:
            raise
        raise Failure(str(exc)) from exc
    click.echo(f"dedupe-docs: wrote {html_file}", err=True)
