"""Text reuse: passages pasted into other documents, verbatim or obfuscated, scored with
PlagDet (``python -m benchmarks.reuse``; see README.md)."""
