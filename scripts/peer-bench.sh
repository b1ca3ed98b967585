#!/usr/bin/env bash
# Measures gendertrack against a generic GraphQL-over-PostgreSQL server on
# the same data and the same questions (docs/PERFORMANCE.md, "Against a
# generic server"): PostGraphile 4 with its default schema of the tables,
# in interleaved rounds with the load tool's peer scenarios, then the
# fewest SQL statements that answer each question, with pgbench, in
# rounds alternating with gendertrack's.
#
#   scripts/peer-bench.sh 'postgres://postgres@127.0.0.1:5432/gt_large?sslmode=disable'
#
# The database must hold `gendertrack seed --scale large` (the statements
# for pgbench name its institution 1 and plan 2, which the load tool finds
# too). A gendertrack server must be running on it at GT_URL (default
# http://127.0.0.1:8080), started with GENDERTRACK_RESPONSE_CACHE_MB=0 so
# that every read is executed. Needs Node.js with npm (PostGraphile is
# installed into a temporary directory, never into the project) and
# pgbench. ROUNDS (3) rounds of DURATION (20s) per server and scenario.
set -euo pipefail
db="${1:?usage: scripts/peer-bench.sh POSTGRES_URL}"
gt="${GT_URL:-http://127.0.0.1:8080}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-20s}"
port="${PEER_PORT:-5000}"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d)"
trap 'kill "${peer:-}" 2>/dev/null || true; wait "${peer:-}" 2>/dev/null || true; rm -rf "$dir"' EXIT

(cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund postgraphile@4 >/dev/null)
node "$dir/node_modules/postgraphile/cli.js" -c "$db" --schema public --disable-default-mutations --port "$port" >"$dir/peer.log" 2>&1 &
peer=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:$port/graphql" && break
  sleep 0.2
done
# The server's process, for its CPU time per request (GT_PID, or found by name).
gtpid="${GT_PID:-$(pgrep -f 'gendertrack.* serve' | head -1 || true)}"
if [ -z "$gtpid" ]; then
  echo "peer-bench: no gendertrack server process found; set GT_PID" >&2
  exit 2
fi
go build -o "$dir/gendertrack-bench" "$here/../cmd/gendertrack-bench"
for sc in peer-plan peer-dashboard; do
  # One short round each first: both servers warm (PostGraphile's JIT, the
  # planner's statistics, the pools).
  "$dir/gendertrack-bench" --url "$gt" --scenario "$sc" --clients 8 --duration 5s --rounds 1 \
    --peer "http://127.0.0.1:$port" >/dev/null
  "$dir/gendertrack-bench" --url "$gt" --scenario "$sc" --clients 8 --duration "$duration" --rounds "$rounds" \
    --peer "http://127.0.0.1:$port" --pid "$gtpid" --peer-pid "$peer" --json "$dir/$sc.json"
done
# The fewest SQL statements, with pgbench, alternating with rounds of
# gendertrack alone on the same question: this machine's speed moves
# from minute to minute, and the ratio of the two is only steady when
# they are measured side by side.
for f in plan dashboard; do
  for r in $(seq 1 "$rounds"); do
    printf 'round %s, the %s question: gendertrack ' "$r" "$f"
    "$dir/gendertrack-bench" --url "$gt" --scenario "peer-$f" --clients 8 --duration "$duration" --pid "$gtpid" |
      awk -v s="peer-$f" '$1 == s { printf "%s req/s, p95 %s ms", $7, $9 }'
    printf '; pgbench, one statement (scripts/peer/%s.sql), 8 clients: ' "$f"
    pgbench -n -c 8 -j 2 -T "${duration%s}" -f "$here/peer/$f.sql" "$db" | awk '/^tps/ { printf "%s tx/s", $3 } /^number of failed/ { f = $5 } END { print ", failed " f }'
  done
done
