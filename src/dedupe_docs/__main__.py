"""``python -m dedupe_docs`` runs the command line."""

from dedupe_docs.cli.main import main

main()
