"""The tests, laid out like the code: ``test_*.py`` by subject, ``helpers/`` (corpora, noise,
the output invariants, the CLI runner), ``reference/`` (the slow references that the fast paths
are checked against) and ``cases/`` (golden input/expected-output cases in files)."""
