#!/usr/bin/env bash
# Runs the whole suite (as scripts/test.sh does) with coverage of every
# package of the module counted for every test binary (-coverpkg=./...),
# so the end-to-end tests of internal/app count for the services, the
# resolvers and the store they go through. Generated code (the files that
# begin with "// Code generated … DO NOT EDIT.": graph/generated,
# graph/model/models_gen.go) is left out of the profile. Writes
# coverage.out and prints the total; `go tool cover -html=coverage.out`
# shows it line by line.
set -uo pipefail
cd "$(dirname "$0")/.."
raw="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$raw" "$log"' EXIT
go test -count=1 -parallel "${GENDERTRACK_TEST_PARALLEL:-8}" -coverpkg=./... -coverprofile="$raw" "$@" ./... >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  grep -E '^(FAIL|panic:)' "$log"
  echo
  echo "== failures"
  grep -E -B1 -A25 -- '--- FAIL|^panic:|build failed' "$log" | head -n 400
  echo "the suite failed: no coverage figure" >&2
  exit "$status"
fi
module="$(go list -m)"
# Profile lines name files by import path: module/dir/file.go:…
generated="$(grep -rlE --include='*.go' '^// Code generated .* DO NOT EDIT\.$' . | sed "s|^\./|$module/|")"
grep -vF -f <(printf '%s:\n' $generated | grep -vx ':') "$raw" >coverage.out
go tool cover -func=coverage.out | tail -n 1 | sed 's/^total:[[:space:]]*(statements)[[:space:]]*/total coverage (generated code excluded): /'
