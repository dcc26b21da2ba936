#!/usr/bin/env bash
# Install, create the SQLite database, load the demo city and serve on http://127.0.0.1:$PORT
# (PORT defaults to 8000; XINYONG_BASE_URL follows it unless set — see scripts/run-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/run-env.sh
step() { printf '\n==> [%s/4] %s\n' "$1" "$2"; }
step 1 "Installing Python packages into .venv (the first run downloads them: a few minutes)"
scripts/setup.sh
step 2 "Creating or upgrading the database"
.venv/bin/xinyong init
step 3 "Loading the demo city (agencies, accounts, batches, procedures)"
.venv/bin/xinyong demo
step 4 "Serving on $XINYONG_BASE_URL (Ctrl-C stops it)"
exec .venv/bin/xinyong serve --host 127.0.0.1 --port "$PORT"
