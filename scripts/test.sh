#!/usr/bin/env bash
# Install (with the test extras and system packages) and run the whole suite, on SQLite and
# on a real PostgreSQL server that the suite starts and stops itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
mkdir -p test-artifacts
exec .venv/bin/python -m pytest "$@"
