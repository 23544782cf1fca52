#!/usr/bin/env bash
# Q4: services-alive.py turning non-zero on SIGSTOP, back to 0 after SIGCONT; staying 0 while Postgres
# (and Redis) are down; non-zero when the process is gone. Starts/stops the services process itself.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
# --pid: on a shared machine other `prefect server services start` processes may be visible in /proc;
# in a container there is exactly one, and the probe finds it without --pid.
chk() { local out; out="$(python "$HERE/../../charts/prefect/scripts/services-alive.py" --pid "$PID" "$@")"; local rc=$?; echo "  [$(date +%T)] exit=$rc  $out"; }
bash "$HERE/servers.sh" start-services
PID="$(cat "$STATE/services.pid")"
echo "== baseline"; chk
echo "== kill -STOP $PID"; kill -STOP "$PID"
chk
echo "  heartbeat-only mode (what a real hang with state S would look like), polling:"
for _ in 1 2 3 4; do sleep 10; chk --heartbeat-only; done
echo "== kill -CONT $PID"; kill -CONT "$PID"; sleep 3
chk; chk --heartbeat-only
echo "== Postgres stopped for 60 s"; pg_stop
for _ in 1 2 3 4 5 6; do sleep 10; chk; done
echo "  services log lines while Postgres was down: $(grep -c . "$STATE/services.log")"
pg_start; sleep 2; echo "== Postgres back"; chk
echo "== Redis stopped for 30 s"; redis_stop
for _ in 1 2 3; do sleep 10; chk; done
redis_start; echo "== Redis back (empty: no persistence in this bench)"
for _ in 1 2 3 4; do sleep 5; chk; done
echo "== services process stopped (SIGTERM)"; bash "$HERE/servers.sh" stop-services; chk
