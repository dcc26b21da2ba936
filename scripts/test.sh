#!/usr/bin/env bash
# Install (with the test extras and system packages) and run the whole suite, on SQLite and
# on a real PostgreSQL server that the suite starts and stops itself.
#
# With no test paths given, the suite runs as two groups at once: the fault tests
# (tests/faults: clusters, proxies and processes killed mid-work, mostly waiting on servers)
# in a second pytest process, beside everything else. Each group starts its own PostgreSQL
# on a free port and checks its own logs; the exit status fails if either group fails, and the
# fault group's report is printed after the main one (kept in test-artifacts/faults.log).
# Given paths (e.g. `scripts/test.sh tests/ingest`), one pytest runs exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
mkdir -p test-artifacts

paths=0
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *) paths=1 ;;
  esac
done
if [ "$paths" = "1" ] || [ ! -d tests/faults ] || [ "${XINYONG_TEST_GROUPS:-2}" = "1" ]; then
  exec .venv/bin/python -m pytest "$@"
fi

faults_log=test-artifacts/faults.log
.venv/bin/python -m pytest "$@" -p no:cacheprovider tests/faults > "$faults_log" 2>&1 &
faults_pid=$!
trap 'kill "$faults_pid" 2>/dev/null || true' INT TERM
main_rc=0
# each test's duration is kept (pytest-split's format) so the main group can be split into
# balanced parallel groups once the suite outgrows one process
.venv/bin/python -m pytest "$@" --ignore=tests/faults --store-durations \
  --durations-path test-artifacts/test-durations.json || main_rc=$?
faults_rc=0
wait "$faults_pid" || faults_rc=$?
echo
echo "=== fault tests (tests/faults, run beside the main group) ==="
cat "$faults_log"
if [ "$main_rc" != "0" ] || [ "$faults_rc" != "0" ]; then
  echo "suite failed: main group exit $main_rc, fault group exit $faults_rc" >&2
  exit 1
fi
