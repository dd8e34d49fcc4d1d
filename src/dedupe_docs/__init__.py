"""dedupe_docs: fuzzy passage-level deduplication of text corpora that explains itself.

Every removed span says why it went (duplicate, repeat, boilerplate) and which surviving text it
repeats; the cleaned text is always verbatim source text.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from .config import Config
from .errors import ConfigError, DedupeError, InputError, OutputError
from .explain import Explanation, explain
from .formats import clean_records
from .html_report import write_html
from .pipeline import clean, run
from .read import read
from .types import CleanedDocument, Document, Kept, Removal, SourceRef

logging.getLogger("dedupe_docs").addHandler(logging.NullHandler())

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
    "__version__",
    "clean",
    "clean_records",
    "explain",
    "read",
    "run",
    "write_html",
]
