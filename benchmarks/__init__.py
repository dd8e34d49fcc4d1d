"""Benchmarks for dedupe_docs: planted-duplicate corpora, scoring, peers, speed.

Run ``python -m benchmarks --quick`` (quality gate, < 3 min) or ``python -m benchmarks``.
"""
