#!/usr/bin/env bash
# Extra: do the Docket perpetual services (scheduler, late runs, ...) keep running in the services process
# after Redis restarts empty (no persistence)? Watches the `when` field of prefect:runs:monitor_late_runs
# (rescheduled every 5 s while the perpetual task runs) and the consumer group's pending entries.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
watch_for() { # seconds
  local end=$(( $(date +%s) + $1 )) last="" n=0 adv=0
  while (( $(date +%s) < end )); do
    w="$(rcli -n 1 hget prefect:runs:monitor_late_runs when 2>/dev/null)"; s="$(rcli -n 1 hget prefect:runs:monitor_late_runs state 2>/dev/null)"
    [[ -n "$w" && "$w" != "$last" ]] && { adv=$((adv+1)); last="$w"; }
    n=$((n+1)); sleep 2
  done
  local pend fns=""; pend="$(rcli -n 1 xpending prefect:stream docket-workers 2>/dev/null | head -1)"
  if [[ -n "$pend" && "$pend" != 0 ]]; then
    for id in $(rcli -n 1 xpending prefect:stream docket-workers - + 20 | awk 'NR%4==1'); do
      fns+="$(rcli -n 1 xrange prefect:stream "$id" "$id" | grep -a -A1 '^function$' | tail -1) "
    done
    pend="$pend (${fns% })"
  fi
  echo "  monitor_late_runs: 'when' advanced $adv times in $1 s (last state=$s); pending stream entries: ${pend:-none}; alive: $(python "$HERE/../../charts/prefect/scripts/services-alive.py" --pid "$(cat "$STATE/services.pid")")"
}
bash "$HERE/servers.sh" start-services
echo "== baseline (30 s)"; watch_for 30
echo "== Redis restarted empty"; redis_stop; sleep 5; redis_start
echo "   0-60 s after restart:"; watch_for 60
echo "   60-120 s after restart:"; watch_for 60
if [[ "${LONG:-0}" == 1 ]]; then  # LONG=1: keep the same process and watch up to ~8 min for self-recovery
  for m in 3 4 5 6 7 8; do echo "   minute $m after restart:"; watch_for 60; done
fi
cp "$STATE/services.log" "$STATE/services-redis-restart.log"
echo "   services log after the Redis restart (docket lines, first 12):"
grep -E 'docket|redis|Redis' "$STATE/services-redis-restart.log" | grep -vE '^\s*$' | head -12 | cut -c1-220 | sed 's/^/     /'
echo "== services restarted (SIGTERM + start)"; bash "$HERE/servers.sh" start-services
watch_for 40
bash "$HERE/servers.sh" stop-services
