#!/usr/bin/env bash
# Runs the load tool for a few seconds per scenario against a server on a
# fresh SQLite database with the small data set, so that the tool and the
# seed keep working. It asserts no timing; it fails only when a scenario
# cannot run or a request fails.
set -euo pipefail
dir="$(mktemp -d)"
port="${BENCH_PORT:-18479}"
trap 'kill "${pid:-}" 2>/dev/null || true; wait "${pid:-}" 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -o "$dir/gendertrack" ./cmd/gendertrack
go build -o "$dir/gendertrack-bench" ./cmd/gendertrack-bench
"$dir/gendertrack" seed --scale small --db "sqlite:$dir/bench.db"
"$dir/gendertrack" serve --db "sqlite:$dir/bench.db" --addr "127.0.0.1:$port" 2>"$dir/server.log" &
pid=$!
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
"$dir/gendertrack-bench" --url "http://127.0.0.1:$port" --scenario all --duration 2s \
  --mixed-duration 3s --mixed-rate 20 --pid "$pid" --json "$dir/results.json"
