#!/usr/bin/env bash
# The GraphQL-over-HTTP conformance audit (graphql-http, pinned) against a
# fresh server on SQLite. Needs node and npm (the npm registry only).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cp scripts/graphql-http-audit.mjs "$work/"
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund graphql-http@1.22.4 graphql@16.11.0 >/dev/null)
go build -o "$work/gendertrack" ./cmd/gendertrack
port=$(( 20000 + RANDOM % 20000 ))
"$work/gendertrack" serve --db "sqlite:$work/audit.db" --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
node "$work/graphql-http-audit.mjs" "http://127.0.0.1:$port/graphql"
