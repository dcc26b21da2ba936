#!/usr/bin/env bash
# A PostgreSQL primary and a synchronous standby on this machine, with a WAL archive and base
# backups (docs/RELIABILITY.md "Replication and failover", "Backup and point-in-time restore").
# Needs the PostgreSQL server binaries (scripts/setup.sh test installs them); as root the
# clusters run as the postgres user. Commands: start | status | kill-primary | promote |
# rebuild-standby | backup [name] | restore <backup dir> [--to TIME] | stop | destroy
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
exec "$PY" -m xinyong.devtools.replicaset_cli "$@"
