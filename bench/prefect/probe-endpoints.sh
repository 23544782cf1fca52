#!/usr/bin/env bash
# Q2: /api/health, /api/ready (incl. Postgres stopped), /api/metrics families, and which paths need auth
# when PREFECT_SERVER_API_AUTH_STRING=user:pass. Needs setup.sh + migrate.sh done; starts/stops the API itself.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
B="http://127.0.0.1:$API_PORT"
code() { # method path [curl args...]
  local m=$1 p=$2; shift 2
  curl -s -o /dev/null -m 30 -w '%{http_code} in %{time_total}s' -X "$m" "$@" "$B$p"
}
echo "### without auth"
bash "$HERE/servers.sh" start-api
for p in /api/health /api/ready /api/metrics; do echo "GET $p -> $(code GET $p)"; done
# some traffic so labelled counters get samples
curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{}' "$B/api/flow_runs/filter"
echo "metric families (# TYPE lines of /api/metrics):"
curl -s "$B/api/metrics" | awk '/^# TYPE/{print "  " $3 " (" $4 ")"}'
echo "--- Postgres stopped:"
pg_stop
for p in /api/health /api/ready; do echo "GET $p -> $(code GET $p)"; done
echo "  /api/ready body: $(curl -s -m 30 "$B/api/ready")"
echo "GET /api/metrics -> $(code GET /api/metrics)"
pg_start
sleep 1
echo "--- Postgres started again:"
for p in /api/health /api/ready; do echo "GET $p -> $(code GET $p)"; done
echo "--- Redis stopped (API only):"
redis_stop
for p in /api/health /api/ready; do echo "GET $p -> $(code GET $p)"; done
redis_start
bash "$HERE/servers.sh" stop-api

echo "### with PREFECT_SERVER_API_AUTH_STRING=user:pass"
export PREFECT_SERVER_API_AUTH_STRING=user:pass
bash "$HERE/servers.sh" start-api
printf '%-34s %-22s %-22s %s\n' "request" "no credentials" "user:pass" "wrong creds"
for mp in "GET /api/health" "GET /api/ready" "GET /api/metrics" "GET /api/admin/version" "GET /api/csrf-token?client=x" \
          "POST /api/flow_runs/filter" "HEAD /api/health" "GET /" "GET /ui-settings" "GET /docs" "GET /api/docs" "GET /api/openapi.json"; do
  # shellcheck disable=SC2086 # "METHOD path" into $1 $2
  set -- $mp
  extra=(); [[ $1 == POST ]] && extra=(-H 'content-type: application/json' -d '{}')
  [[ $1 == HEAD ]] && extra=(-I)
  printf '%-34s %-22s %-22s %s\n' "$mp" "$(code "$1" "$2" "${extra[@]}")" "$(code "$1" "$2" -u user:pass "${extra[@]}")" "$(code "$1" "$2" -u user:nope "${extra[@]}")"
done
bash "$HERE/servers.sh" stop-api
