#!/usr/bin/env bash
# Install dedupe_docs with everything its tests need (the integrations' libraries too) into .venv,
# then run the test suite.
# Used by the README and by CI (.ci/run); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The HTML report is tested in headless Chromium; install it when missing and we may (root).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,ray,datatrove,hf]'
# Dolma's own mixer applies the --dolma-attributes output (tests/test_integrations_dolma.py). Dolma pins
# numpy<2 and s3fs==2023.6.0, so it gets a venv of its own; boto3 is pinned to the release that s3fs's
# botocore pin allows, else pip backtracks through every boto3 release for many minutes.
python3 -m venv .venv-dolma
.venv-dolma/bin/python -m pip install --quiet dolma 'boto3==1.26.161'
.venv/bin/ruff check src tests benchmarks
.venv/bin/python -m pytest "$@"
# Slow scale tests (kill test, long fuzz run, 50 MB line, 100,000 files): minutes, not seconds.
.venv/bin/python -m pytest -m slow "$@"
# The quality gate: a 2 MB planted corpus must keep precision >= 0.99, recall >= 0.98, every noise kind >= 0.95.
.venv/bin/python -m benchmarks --quick
