#!/usr/bin/env bash
# The database's own ceiling for record-progress spread over institutions
# (docs/PERFORMANCE.md, "Writes of one institution never wait on
# another's"): pgbench runs the server's record-progress transaction
# (scripts/peer/record-progress.sql) with 8 clients on one institution,
# then on eight, alternately, ROUNDS (3) times DURATION (20) seconds, each
# run on a fresh copy of TEMPLATE (a database holding `gendertrack seed
# --scale large`, which is only read). The revision counters are vacuumed
# before a run and every 10 seconds, as the server does when autovacuum is
# off (store.KeepCountersVacuumed).
#
#   scripts/spread-bench.sh gt_large          # PGHOST etc. as for psql
set -euo pipefail
tpl="${1:?usage: scripts/spread-bench.sh TEMPLATE_DATABASE}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-20}"
run="${tpl}_spread_run"
here="$(cd "$(dirname "$0")" && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGUSER="${PGUSER:-postgres}"
vacuum() { psql -d "$run" -qAtc "VACUUM (SKIP_LOCKED) institutions, plan_flag_revisions, data_revision"; }
trap 'dropdb --if-exists "$run" 2>/dev/null || true' EXIT
for r in $(seq 1 "$rounds"); do
  for spread in 0 1; do
    dropdb --if-exists "$run" 2>/dev/null
    createdb -T "$tpl" "$run"
    vacuum
    ( while sleep 10; do vacuum || exit 0; done ) &
    v=$!
    printf 'round %s, %s: ' "$r" "$([ "$spread" = 1 ] && echo 'eight institutions' || echo 'one institution')"
    pgbench -n -M prepared -c 8 -j 2 -T "$duration" -D spread="$spread" -f "$here/peer/record-progress.sql" "$run" |
      grep -E '^(tps|latency average)' | tr '\n' ' '
    echo
    kill "$v" 2>/dev/null || true
    wait "$v" 2>/dev/null || true
  done
done
