"""The version of dedupe_docs (one place, read by the build and by the report)."""

__version__ = "0.1.0"
