#!/usr/bin/env bash
# Runs the whole suite and prints a short account of it: the package lines,
# the failures with their messages, how many tests ran on each database and
# how many browser tests ran (internal/browsertest: in Chromium when it is
# installed, always under CI=true, where a missing Chromium fails them).
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
# go test prints each package's output in one block, ending with its
# ok/FAIL line: the browser package's block is the one before its line.
browser_block() {
  awk '/^(ok|FAIL|\?)[ \t]+[^ \t]/ { if ($0 ~ /internal\/browsertest/) { printf "%s", buf; exit } buf=""; next } { buf = buf $0 "\n" }' "$log"
}
b_top=$(browser_block | grep -cE -- '^--- PASS')
b_pass=$(browser_block | grep -cE -- '^ *--- PASS')
b_fail=$(browser_block | grep -cE -- '^ *--- FAIL')
b_skip=$(browser_block | grep -cE -- '^ *--- SKIP')
echo
echo "database subtests: ${pg} passed on PostgreSQL, ${lite} on SQLite, ${skipped_pg} skipped on PostgreSQL"
echo "browser tests (Chromium): ${b_top} tests passed (${b_pass} with their subtests), ${b_fail} failed, ${b_skip} skipped"
echo "$(grep -cE -- '^--- PASS' "$log") passed, $(grep -cE -- '^--- FAIL' "$log") failed"
exit "$status"
