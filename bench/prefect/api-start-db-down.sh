#!/usr/bin/env bash
# Extra: what the API does when it starts while Postgres is down, and when the DB is not migrated.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
B="http://127.0.0.1:$API_PORT"
for FRESH in no yes; do
echo "== API start with Postgres stopped (fresh HOME without block-registration memo: $FRESH)"
if [[ $FRESH == yes ]]; then export HOME="$STATE/home-fresh"; rm -rf "$HOME"; mkdir -p "$HOME"; fi
pg_stop
setsid prefect server start --host 127.0.0.1 --port "$API_PORT" --no-services > "$STATE/api-dbdown.log" 2>&1 &
P=$!
for i in $(seq 60); do
  h="$(curl -s -o /dev/null -w '%{http_code}' "$B/api/health")"; [[ "$h" == 200 ]] && break
  kill -0 $P 2>/dev/null || break; sleep 1
done
if kill -0 $P 2>/dev/null; then echo "process alive after ${i}s; /api/health=$h /api/ready=$(curl -s -o /dev/null -w '%{http_code}' "$B/api/ready")"
else wait $P; echo "process EXITED with code $? after ~${i}s; last error: $(grep -E 'Error|error' "$STATE/api-dbdown.log" | tail -1 | cut -c1-200)"; fi
pg_start; sleep 2
if kill -0 $P 2>/dev/null; then echo "after Postgres came back: /api/ready=$(curl -s -o /dev/null -w '%{http_code}' "$B/api/ready")"; kill -TERM $P; wait $P; fi
done
echo "== API start against an empty (un-migrated) database"
psql_su -q -c "CREATE DATABASE prefect_empty OWNER $PG_USER"
PREFECT_SERVER_DATABASE_NAME=prefect_empty setsid prefect server start --host 127.0.0.1 --port "$API_PORT" --no-services > "$STATE/api-empty.log" 2>&1 &
P=$!
for i in $(seq 60); do
  h="$(curl -s -o /dev/null -w '%{http_code}' "$B/api/health")"; [[ "$h" == 200 ]] && break
  kill -0 $P 2>/dev/null || break; sleep 1
done
if kill -0 $P 2>/dev/null; then echo "process alive after ${i}s; /api/health=$h /api/ready=$(curl -s -o /dev/null -w '%{http_code}' "$B/api/ready") flow_runs/filter=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{}' "$B/api/flow_runs/filter")"; kill -TERM $P; wait $P
else wait $P; echo "process EXITED with code $? after ~${i}s; last error: $(grep -E 'Error|error' "$STATE/api-empty.log" | tail -1 | cut -c1-200)"; fi
psql_su -q -c "DROP DATABASE prefect_empty WITH (FORCE)"
