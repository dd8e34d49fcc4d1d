"""Errors dedupe_docs raises on purpose.

Tree: DedupeError → InputError (bad input data), ConfigError (bad options), OutputError (cannot
write the output), StorageError (a filesystem named by a URL refused a request). Messages start
with the file they are about and end with the fix, if any.
"""

from __future__ import annotations

import functools
from typing import Any


class DedupeError(Exception):
    """Base of every error dedupe_docs raises on purpose."""


class InputError(DedupeError, ValueError):
    """An input file or record cannot be read as a document."""

    def __init__(
        self,
        path: str,
        reason: str,
        *,
        line: int | None = None,
        byte: int | None = None,
        hint: str | None = None,
        row: int | None = None,
    ) -> None:
        self.path, self.reason, self.line, self.byte, self.hint = path, reason, line, byte, hint
        self.row = row  # of a Parquet file, counted from 0
        where = f"{path}:{line}" if line is not None else path
        if row is not None:
            where = f"{path} row {row}"
        super().__init__(f"{where}: {reason}" + (f" ({hint})" if hint else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its fields (a Ray read task returns the errors it met)."""
        fields = {"line": self.line, "byte": self.byte, "hint": self.hint, "row": self.row}
        return functools.partial(InputError, **fields), (self.path, self.reason)

    def to_json(self) -> dict[str, object]:
        """The entry of ``report.json`` ``errors`` for an input skipped with ``on_error="skip"``."""
        entry: dict[str, object] = {"file": self.path, "line": self.line, "byte": self.byte}
        if self.row is not None:  # a row of a Parquet file
            entry["row"] = self.row
        return {**entry, "reason": self.reason}


class ConfigError(DedupeError, ValueError):
    """An option has a value that cannot work; ``option`` is its :class:`Config` field name when
    the error is about one option (the command line then names its own flag)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class OutputError(DedupeError, OSError):
    """The output folder cannot be written as asked."""


class StorageError(DedupeError, OSError):
    """A filesystem named by a URL (``s3://``, ``gs://``, ...) refused a request: the bucket
    does not exist, no credentials were found, access was denied. ``url`` is what was asked
    for; being an OSError, a failure to read an input is reported as that input's InputError
    and a failure to write as an OutputError, each naming the URL."""

    def __init__(self, url: str, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.url, self.reason, self.hint = url, reason, hint
        self.strerror = reason + (f" ({hint})" if hint else "")

    def __str__(self) -> str:
        return f"{self.url}: {self.strerror}"
