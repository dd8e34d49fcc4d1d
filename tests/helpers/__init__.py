"""What many tests share: planted corpora and real prose (``corpus``), the kinds of noise
(``noise``), the output contract's invariants (``invariants``), running the CLI (``clihelp``),
faults injected into Ray tasks (``faults``)."""
