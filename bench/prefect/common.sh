# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this file
# Shared variables/functions for bench/prefect scripts. Source, don't run.
PREFECT_VERSION=3.9.1
CACHE_ROOT="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_lockhash="$( (cat "$_HERE/requirements.lock" 2>/dev/null; /usr/bin/python3 -V) | sha256sum | cut -c1-12)"
VENV="${PREFECT_BENCH_VENV:-$CACHE_ROOT/prefect-venv-$PREFECT_VERSION-$_lockhash}"
STATE="${PREFECT_BENCH_STATE:-/tmp/prefect-bench}"
PGBIN=/usr/lib/postgresql/15/bin
PGDATA_DIR="$STATE/pgdata"
PG_PORT="${PREFECT_BENCH_PG_PORT:-55432}"
PG_USER=prefect
PG_DB=prefect
# deliberately hostile password: @ / % (and an invalid percent sequence "%zz")
PG_PASSWORD='s3cr@t/pa%zz'
REDIS_PORT="${PREFECT_BENCH_REDIS_PORT:-56379}"
REDIS_PASSWORD='benchredispw'
API_PORT="${PREFECT_BENCH_API_PORT:-4200}"

pg_start() {
  if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$STATE/pglog/postgres.log" -w -t 60 start >/dev/null
  fi
}
pg_stop() {
  if [[ -s "$PGDATA_DIR/PG_VERSION" ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
  fi
}
psql_su() { runuser -u postgres -- "$PGBIN/psql" -h "$STATE/pgsock" -p "$PG_PORT" -U postgres "$@"; }
redis_start() {
  mkdir -p "$STATE/redis"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" ping 2>/dev/null | grep -q PONG; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$REDIS_PASSWORD" --dir "$STATE/redis" \
      --daemonize yes --pidfile "$STATE/redis/redis.pid" --logfile "$STATE/redis/redis.log" \
      --save '' --appendonly no
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" ping 2>/dev/null | grep -q PONG && return 0
      sleep 0.1
    done
    echo "redis did not start" >&2; return 1
  fi
}
redis_stop() {
  local pid
  pid="$(cat "$STATE/redis/redis.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
}
rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" "$@"; }
