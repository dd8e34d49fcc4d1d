"""Options made from :class:`~dedupe_docs.Config` fields, and ``--help`` in groups.

A ``Config`` field's flag, type, choices, default and help all come from the field itself (its
docstring is the help), so each is written once. click has no option groups: a command
built here lists its options under headings (Input, Matching, ...) in a given order.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import click

from dedupe_docs.config import Config, field_docs

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
_FIELDS = {f.name: f for f in attrs.fields(Config)}
_LITERAL = re.compile(r"``(\w+)``")


def flag_name(field: str) -> str:
    """``max_memory`` → ``--max-memory``."""
    return "--" + field.replace("_", "-")


def help_text(field: str) -> str:
    """A field's docstring as command-line help: the fields it names become their flags.

    >>> help_text("boilerplate_min_docs")[-47:]
    '(and --boilerplate-min-share of all documents).'
    """

    def name(match: re.Match[str]) -> str:
        word = match.group(1)
        return flag_name(word) if word in _FIELDS else word

    return _LITERAL.sub(name, field_docs()[field])


def config_option(field: str, *short: str, **extra: Any) -> Decorator:
    """The click option of a ``Config`` field: ``--name`` (``--name/--no-name`` for a yes or
    no), typed and defaulted like the field, its docstring as help. ``extra`` adds to or
    overrides click's arguments (a path type, a metavar)."""
    kind = typing.get_type_hints(Config)[field]
    default = _FIELDS[field].default
    options: dict[str, Any] = {"default": default, "show_default": default is not None}
    decls = [flag_name(field), *short]
    if kind is bool:
        decls = [f"{flag_name(field)}/--no-{field.replace('_', '-')}", *short]
    elif typing.get_origin(kind) is typing.Literal:
        options["type"] = click.Choice(typing.get_args(kind))
    elif kind in (int, float, str):
        options["type"] = kind
    return click.option(*decls, field, help=help_text(field), **{**options, **extra})


class GroupedCommand(click.Command):
    """A command whose ``--help`` lists its options under headings, in the order of
    ``groups`` (heading, parameter names; ``help`` for ``-h/--help``); an option in no group is
    an error."""

    def __init__(self, *args: Any, groups: Sequence[tuple[str, Sequence[str]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.groups = groups

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = self.get_help_option(ctx)  # named "help" in ``groups``
        params = {"help" if p is shown else p.name: p for p in self.get_params(ctx)}
        grouped = [name for _, names in self.groups for name in names]
        ungrouped = sorted(
            n for n, p in params.items() if n not in grouped and isinstance(p, click.Option)
        )
        if ungrouped:
            raise RuntimeError(f"options in no help group: {ungrouped}")
        for heading, names in self.groups:
            rows = [params[n].get_help_record(ctx) for n in names if n in params]
            with formatter.section(heading):
                formatter.write_dl([row for row in rows if row is not None])
