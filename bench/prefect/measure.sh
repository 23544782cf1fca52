#!/usr/bin/env bash
# Q5: RSS/CPU of one API process idle and under bounded loopback load (hey, 30 s each, 10 connections),
# requests/s and p50/p95; RSS/CPU of the services process idle and while 200 flow runs are created.
# Needs setup.sh + migrate.sh done. Starts and stops the API and services itself.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
B="http://127.0.0.1:$API_PORT"
DUR="${MEASURE_DURATION:-30}"; CONC="${MEASURE_CONCURRENCY:-10}"
echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# fresh, migrated database so the figures are comparable between runs
bash "$HERE/servers.sh" stop
psql_su -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
prefect server database upgrade -y > "$STATE/upgrade-measure.log" 2>&1 || { echo "upgrade failed"; exit 1; }
rcli -n 1 flushdb > /dev/null; rcli -n 0 flushdb > /dev/null
bash "$HERE/servers.sh" start-api; bash "$HERE/servers.sh" start-services
API_PID="$(cat "$STATE/api.pid")"; SVC_PID="$(cat "$STATE/services.pid")"
sleep 20   # let start-up work settle
echo "== API idle (30 s):              $(python3 "$HERE/procstat.py" "$API_PID" 30)"
echo "== services idle (30 s):         $(python3 "$HERE/procstat.py" "$SVC_PID" 30)"
heyrun() { # label, hey args...
  local label=$1; shift
  python3 "$HERE/procstat.py" "$API_PID" "$DUR" > "$STATE/ps.out" &
  local sp=$!
  hey -z "${DUR}s" -c "$CONC" "$@" > "$STATE/hey.out" 2>&1
  wait "$sp"
  local rps p50 p95 codes
  rps="$(awk '/Requests\/sec/{print $2}' "$STATE/hey.out")"
  p50="$(awk '/ 50% in /{print $3*1000}' "$STATE/hey.out")"; p95="$(awk '/ 95% in /{print $3*1000}' "$STATE/hey.out")"
  codes="$(awk '/Status code distribution/{f=1;next} f&&/\[/{printf "%s%s ", $1, $2} /^$/{f=0}' "$STATE/hey.out")"
  echo "== $label: ${rps} req/s, p50 ${p50} ms, p95 ${p95} ms, codes ${codes}| API $(cat "$STATE/ps.out")"
}
heyrun "GET /api/health, c=$CONC, ${DUR}s" "$B/api/health"
heyrun "POST /api/flow_runs/filter {} (empty DB), c=$CONC, ${DUR}s" -m POST -T application/json -d '{}' "$B/api/flow_runs/filter"
echo "== services while 200 flow runs are created (+45 s for late-runs/event processing):"
python3 "$HERE/procstat.py" "$SVC_PID" 60 > "$STATE/ps-svc.out" &
sp=$!
python "$HERE/create-flow-runs.py" 200 8
wait "$sp"; echo "   services: $(cat "$STATE/ps-svc.out")"
echo "   flow runs: $(curl -s -X POST -H 'content-type: application/json' -d '{}' "$B/api/flow_runs/count")"\
     "of which Late (marked by the services' late-runs loop): $(curl -s -X POST -H 'content-type: application/json' -d '{"flow_runs":{"state":{"name":{"any_":["Late"]}}}}' "$B/api/flow_runs/count")"
echo "   events persisted: $(psql_su -d "$PG_DB" -Atc 'SELECT count(*) FROM events')"
heyrun "POST /api/flow_runs/filter {} (≥200 runs, limit 200), c=$CONC, ${DUR}s" -m POST -T application/json -d '{}' "$B/api/flow_runs/filter"
echo "== peak RSS (VmHWM): API $(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$API_PID/status"), services $(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$SVC_PID/status")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
bash "$HERE/servers.sh" stop
