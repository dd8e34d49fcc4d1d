"""One error format for every command: ``dedupe-docs: error: <what>``, exit status 1 for a
failure, 2 for a usage error (then followed by where to find help).

Library messages name the library's parameters in backquotes (`` `max_memory` ``,
`` `overwrite=True` ``); here they become the command's flags (``--max-memory``,
``--overwrite``), so the user reads each option as they wrote it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

_FLAGS = {"on_error": "keep-going", "inputs": "input"}
_OPTION = re.compile(r"`(\w+)(?:=(\w+|\"[^\"]*\"|'[^']*'))?`")


def flags(message: str) -> str:
    """``message`` with the library's parameters (written in backquotes) as the command's flags.

    >>> flags('`max_memory` must be at least 256M; use `overwrite=True` or `keep="first"`')
    '--max-memory must be at least 256M; use --overwrite or --keep first'
    """

    def flag(match: re.Match[str]) -> str:
        name, value = match.groups()
        option = "--" + _FLAGS.get(name, name).replace("_", "-")
        if value is None or value == "True" or name in _FLAGS:
            return option
        return f"{option} {value.strip(chr(34) + chr(39))}"

    return _OPTION.sub(flag, message)


class Failure(click.ClickException):
    """Exit 1 with ``dedupe-docs: error: <file>:<line>: <reason>`` on stderr."""

    def __init__(self, message: str) -> None:
        super().__init__(flags(message))

    def show(self, file: Any = None) -> None:
        click.echo(f"dedupe-docs: error: {self.format_message()}", err=True)


class Usage(click.UsageError):
    """Exit 2 with ``dedupe-docs: error: <what click found wrong>`` and where the help is."""

    def show(self, file: Any = None) -> None:
        hint = f"\nTry '{self.ctx.command_path} -h' for help." if self.ctx is not None else ""
        click.echo(f"dedupe-docs: error: {self.format_message()}{hint}", err=True)


@contextlib.contextmanager
def _as_usage() -> Iterator[None]:
    try:
        yield
    except (Usage, NoArgsIsHelpError):  # no arguments: the help, as click shows it
        raise
    except click.UsageError as exc:
        raise Usage(exc.format_message(), exc.ctx) from exc


class Group(click.Group):
    """A group of commands whose usage errors (its own and its commands') show as :class:`Usage`."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _as_usage():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _as_usage():
            return super().invoke(ctx)
