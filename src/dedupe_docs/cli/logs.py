"""Where the library's log records go while a command runs: stderr, as ``dedupe-docs: ...``.

Only the CLI configures logging, and only the ``dedupe_docs`` logger, for the time of a command:
``-v`` shows each stage's time and counts (INFO), ``-q`` errors only; by default warnings show.
Other libraries' loggers (Numba's debug output) are left alone, and Ray logs at the same level
(:mod:`dedupe_docs.runtime.ray_engine`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def to_stderr(*, verbose: bool = False, quiet: bool = False) -> Iterator[None]:
    """Send the ``dedupe_docs`` log records of the level asked for to stderr until the end."""
    logger = logging.getLogger("dedupe_docs")
    handler = _AboveBars(sys.stderr)
    handler.setFormatter(logging.Formatter("dedupe-docs: %(message)s"))
    before = logger.level, logger.propagate
    logger.setLevel(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False  # shown once, whatever handlers the root logger has
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before[0])
        logger.propagate = before[1]


class _AboveBars(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record above the progress bars on the same stream, which tqdm then redraws."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:
            self.handleError(record)
