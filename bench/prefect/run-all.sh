#!/usr/bin/env bash
# Runs every measurement in order and writes the outputs to $STATE/results/*.txt (and stdout).
# ~15 min on 2 cores. Usage: bash bench/prefect/run-all.sh
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/common.sh"
trap 'bash "$HERE/teardown.sh"' EXIT
bash "$HERE/setup.sh" || exit 1
R="$STATE/results"; mkdir -p "$R"
step() { local name=$1; shift; echo; echo "######## $name"; "$@" 2>&1 | tee "$R/$name.txt"; }
step services-ls      bash -c "source '$HERE/env.sh'; COLUMNS=200 prefect server services ls"
step migrate          bash "$HERE/migrate.sh" --reset
step pgtrgm-privilege bash "$HERE/pgtrgm-privilege.sh"
step dbpassword       bash "$HERE/dbpassword-encoding.sh"
step probe-endpoints  bash "$HERE/probe-endpoints.sh"
step liveness         bash "$HERE/services-liveness-demo.sh"
step readonly-writes  bash "$HERE/readonly-writes.sh"
step ui-relative      bash "$HERE/ui-relative-api-url.sh"
step api-start-db     bash "$HERE/api-start-db-down.sh"
step redis-stall      bash -c "source '$HERE/env.sh'; rcli -n 1 flushdb >/dev/null; bash '$HERE/redis-restart-stall.sh'"
step measure          bash "$HERE/measure.sh"
