#!/usr/bin/env bash
# Runs the whole suite and prints a short account of it: the package lines,
# the failures with their messages, and how many tests ran on each database.
set -uo pipefail
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Most tests start their own server on their own database and wait on it
# (the network, the database, timeouts) more than they compute: 8 at a time
# keep two cores busy.
go test -count=1 -v -parallel "${GENDERTRACK_TEST_PARALLEL:-8}" "$@" ./... >"$log" 2>&1
status=$?
grep -E '^(ok|FAIL|panic:|\?)' "$log" | grep -v 'no test files'
if [ "$status" -ne 0 ]; then
  echo
  echo "== failures"
  grep -E -B1 -A25 -- '--- FAIL|^panic:|build failed|cannot|undefined' "$log" | head -n 400
fi
pg=$(grep -cE -- '--- PASS: .*/postgres' "$log")
lite=$(grep -cE -- '--- PASS: .*/sqlite' "$log")
skipped_pg=$(grep -cE -- '--- SKIP: .*/postgres' "$log")
echo
echo "database subtests: ${pg} passed on PostgreSQL, ${lite} on SQLite, ${skipped_pg} skipped on PostgreSQL"
echo "$(grep -cE -- '^--- PASS' "$log") passed, $(grep -cE -- '^--- FAIL' "$log") failed"
exit "$status"
