"""The `dedupe-docs` command: options in, library calls, a summary out."""

from dedupe_docs.cli.main import main

__all__ = ["main"]
