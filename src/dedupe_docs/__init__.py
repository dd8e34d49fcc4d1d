"""dedupe_docs: fuzzy passage-level deduplication of text corpora that explains itself.

Every removed span says why it went (duplicate, repeat, boilerplate) and which surviving text it
repeats; the cleaned text is always verbatim source text.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from dedupe_docs._version import __version__
from dedupe_docs.config import Config
from dedupe_docs.errors import ConfigError, DedupeError, InputError, OutputError, StorageError
from dedupe_docs.formats.names import safe_name
from dedupe_docs.pipeline import clean, clean_records, run
from dedupe_docs.stages.read import read, read_all
from dedupe_docs.types import CleanedDocument, Document, Kept, Removal, SourceRef

if TYPE_CHECKING:
    from dedupe_docs.report.explain import Explanation, explain
    from dedupe_docs.report.html import write_html

logging.getLogger("dedupe_docs").addHandler(logging.NullHandler())

_LAZY = {
    "Explanation": "dedupe_docs.report.explain",
    "explain": "dedupe_docs.report.explain",
    "write_html": "dedupe_docs.report.html",
}
"""Names imported from their module when first asked for: a run that explains nothing and
writes no HTML report (the command line's ``clean``) does not load them."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CleanedDocument",
    "Config",
    "ConfigError",
    "DedupeError",
    "Document",
    "Explanation",
    "InputError",
    "Kept",
    "OutputError",
    "Removal",
    "SourceRef",
    "StorageError",
    "__version__",
    "clean",
    "clean_records",
    "explain",
    "read",
    "read_all",
    "run",
    "safe_name",
    "write_html",
]
