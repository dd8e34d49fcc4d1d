"""Peer adapters: each runs as ``python -m benchmarks.peers.NAME CORPUS OUT [--unit U] [--jobs N]``.

Why subprocesses: each peer runs under its own venv (``benchmarks/.venv-peers``) so its imports
never touch ours, and a fresh process per run makes wall time and peak RSS honest. Every adapter
writes ``OUT/removed.jsonl`` (provenance-shaped removed spans) and ``OUT/clean/`` texts.
"""
