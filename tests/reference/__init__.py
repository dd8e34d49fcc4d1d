"""Slow, plain references that the fast paths are tested against (RapidFuzz-style): per-block
decide (``decide``) and pure-NumPy passage detection (``detect``)."""
