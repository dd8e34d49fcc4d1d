"""One error format for every command: ``dedupe-docs: error: <what>``, exit status 1.

Library messages name the library's parameters in backquotes (`` `max_memory` ``,
`` `overwrite=True` ``); here they become the command's flags (``--max-memory``,
``--overwrite``), so the user reads each option as they wrote it.
"""

from __future__ import annotations

import re
from typing import Any

import click

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
