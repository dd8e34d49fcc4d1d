"""Errors dedupe_docs raises on purpose.

Tree: DedupeError → InputError (bad input data), ConfigError (bad options), OutputError (cannot
write the output). Messages start with the file they are about and end with the fix, if any.
"""

from __future__ import annotations


class DedupeError(Exception):
    """Base of every error dedupe_docs raises on purpose."""


class InputError(DedupeError, ValueError):
    """An input file or record cannot be read as a document."""

    def __init__(
        self, path: str, reason: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        self.path, self.reason, self.line, self.hint = path, reason, line, hint
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}" + (f" ({hint})" if hint else ""))


class ConfigError(DedupeError, ValueError):
    """An option has a value that cannot work."""


class OutputError(DedupeError, OSError):
    """The output folder cannot be written as asked."""
