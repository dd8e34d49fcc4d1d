"""Real corpora whose gold comes from their structure, and their scorer: see README.md.

Run ``python -m benchmarks.real --quick`` (committed slice) or ``python -m benchmarks.real``.
"""
