#!/usr/bin/env bash
# Install (with the test extras and system packages) and run the whole suite, on SQLite and
# on a real PostgreSQL server that the suite starts and stops itself.
#
# With no test paths given, the suite runs as three groups at once: the fault tests
# (tests/faults: clusters, proxies and processes killed mid-work, mostly waiting on servers),
# and the rest split in two halves of about equal measured time (tests/durations.json). Each
# group starts its own PostgreSQL on a free port and checks its own logs; the exit status fails
# if any group fails, and the other groups' reports are printed after the first half's (kept in
# test-artifacts/). XINYONG_TEST_GROUPS=1 runs everything in one process and records durations.
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
if [ "$paths" = "1" ] || [ ! -d tests/faults ]; then
  exec .venv/bin/python -m pytest "$@"
fi
if [ "${XINYONG_TEST_GROUPS:-3}" = "1" ]; then
  # one process for everything; each test's duration is written (pytest-split's format) to
  # test-artifacts/test-durations.json: copy it over tests/durations.json to rebalance the split
  exec .venv/bin/python -m pytest "$@" --store-durations --durations-path test-artifacts/test-durations.json
fi

# three groups at once: the fault tests, and everything else split in two halves of about the
# same measured time (pytest-split, durations in tests/durations.json; contiguous chunks, so a
# module's tests stay together and in order). Each group is its own pytest process with its own
# PostgreSQL server and its own end-of-run checks.
split=(--ignore=tests/faults --splits 2 --durations-path tests/durations.json
       --splitting-algorithm duration_based_chunks -p no:cacheprovider)
faults_log=test-artifacts/faults.log
half_log=test-artifacts/main-2.log
.venv/bin/python -m pytest "$@" -p no:cacheprovider tests/faults > "$faults_log" 2>&1 &
faults_pid=$!
.venv/bin/python -m pytest "$@" "${split[@]}" --group 2 > "$half_log" 2>&1 &
half_pid=$!
trap 'kill "$faults_pid" "$half_pid" 2>/dev/null || true' INT TERM
main_rc=0
echo "=== main tests, first half (the second half and the fault tests run beside it) ==="
.venv/bin/python -m pytest "$@" "${split[@]}" --group 1 || main_rc=$?
half_rc=0
wait "$half_pid" || half_rc=$?
faults_rc=0
wait "$faults_pid" || faults_rc=$?
echo
echo "=== main tests, second half ==="
cat "$half_log"
echo
echo "=== fault tests (tests/faults) ==="
cat "$faults_log"
if [ "$main_rc" != "0" ] || [ "$half_rc" != "0" ] || [ "$faults_rc" != "0" ]; then
  echo "suite failed: main first half exit $main_rc, second half exit $half_rc, fault group exit $faults_rc" >&2
  exit 1
fi
