#!/usr/bin/env bash
# Install dedupe_docs with everything its tests need into .venv, then run the test suite.
# Used by the README and by CI (.ci/run); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check src tests
.venv/bin/python -m pytest "$@"
