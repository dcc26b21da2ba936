#!/usr/bin/env bash
# Several web nodes behind nginx on this machine, on loopback (issue 16 point 2; docs/CLUSTER.md):
# nginx on http://127.0.0.1:$PORT (default 8080) balances per request over $NODES (default 2)
# `xinyong serve` processes, beside one `xinyong worker`, all on one PostgreSQL database:
# XINYONG_DATABASE_URL when set (migrated: `xinyong init`), else a throwaway server started here,
# migrated and loaded with the demo city, deleted at exit. nginx runs as an ordinary process
# with every file under a temporary directory (printed); Ctrl-C stops everything.
#
# scripts/cluster.sh --replicaset: the same on a primary and a synchronous standby
# (scripts/replicaset.sh's, in var/replicaset: made, migrated and loaded with the demo city on
# the first run, kept after Ctrl-C), every process on the two-host URL so that it follows a
# promoted standby; it prints how to kill the primary and promote (README, Operations).
# Needs nginx and PostgreSQL from Debian's packages: `scripts/setup.sh test` installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || { echo "no .venv: run scripts/setup.sh test first" >&2; exit 1; }
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "nginx missing: run scripts/setup.sh test" >&2; exit 1; }
if [ "${1:-}" = "--replicaset" ]; then
  shift
  exec "$PY" -m xinyong.devtools.stack --nodes "${NODES:-2}" --port "${PORT:-8080}" "$@"
fi
args=(--nodes "${NODES:-2}" --port "${PORT:-8080}")
if [ -z "${XINYONG_DATABASE_URL:-}" ]; then
  args+=(--throwaway-postgres)
fi
exec "$PY" -m xinyong.devtools.cluster "${args[@]}"
