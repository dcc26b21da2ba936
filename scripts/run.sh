#!/usr/bin/env bash
# Install, create the SQLite database, load the demo city and serve on http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export XINYONG_DEV="${XINYONG_DEV:-1}"
.venv/bin/xinyong init
.venv/bin/xinyong demo
exec .venv/bin/xinyong serve --host 127.0.0.1 --port "${PORT:-8000}"
