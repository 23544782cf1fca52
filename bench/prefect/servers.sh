#!/usr/bin/env bash
# Start/stop the Prefect API (--no-services) and the background services process, each in the background,
# logs and pid files in $STATE. Extra env (e.g. PREFECT_SERVER_API_AUTH_STRING) is passed through.
# Usage: bash servers.sh start-api|start-services|stop-api|stop-services|stop
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
stop_pid() { # pidfile
  [[ -s "$1" ]] || return 0
  local pid; pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$1"
}
case "${1:-}" in
  start-api)
    stop_pid "$STATE/api.pid"
    setsid prefect server start --host 127.0.0.1 --port "$API_PORT" --no-services > "$STATE/api.log" 2>&1 &
    echo $! > "$STATE/api.pid"
    for i in $(seq 120); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/api/health" 2>/dev/null; then echo "api up after ~$((i/2)) s (pid $(cat "$STATE/api.pid"))"; exit 0; fi
      kill -0 "$(cat "$STATE/api.pid")" 2>/dev/null || { echo "api died:"; tail -30 "$STATE/api.log"; exit 1; }
      sleep 0.5
    done; echo "api not healthy in 60 s"; tail -30 "$STATE/api.log"; exit 1 ;;
  start-services)
    stop_pid "$STATE/services.pid"
    setsid prefect server services start > "$STATE/services.log" 2>&1 &
    echo $! > "$STATE/services.pid"
    sleep 8
    kill -0 "$(cat "$STATE/services.pid")" 2>/dev/null || { echo "services died:"; tail -30 "$STATE/services.log"; exit 1; }
    echo "services running (pid $(cat "$STATE/services.pid"))" ;;
  stop-api) stop_pid "$STATE/api.pid" ;;
  stop-services) stop_pid "$STATE/services.pid" ;;
  stop) stop_pid "$STATE/api.pid"; stop_pid "$STATE/services.pid" ;;
  *) echo "usage: $0 start-api|start-services|stop-api|stop-services|stop" >&2; exit 64 ;;
esac
