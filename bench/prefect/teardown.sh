#!/usr/bin/env bash
# Stop everything bench/prefect started (API, services, our Redis, our Postgres cluster). --purge also deletes $STATE.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/common.sh"
[[ -d "$STATE" ]] || exit 0
bash "$HERE/servers.sh" stop 2>/dev/null || true
redis_stop
pg_stop
[[ "${1:-}" == --purge ]] && rm -rf "$STATE"
echo "teardown: done"
