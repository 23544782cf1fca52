# shellcheck shell=bash
# Source me: exports the server environment used for every measurement (the one the pods get).
# DB_MODE=parts (default): per-part PREFECT_SERVER_DATABASE_* settings
# DB_MODE=url:   one PREFECT_SERVER_DATABASE_CONNECTION_URL with a percent-encoded password
_ENV_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$_ENV_HERE/common.sh"
export PATH="$VENV/bin:$PATH"
export HOME="$STATE/home"; mkdir -p "$HOME"
export PREFECT_SERVER_UI_STATIC_DIRECTORY="$STATE/ui"; mkdir -p "$PREFECT_SERVER_UI_STATIC_DIRECTORY"
export PREFECT_SERVER_DATABASE_MIGRATE_ON_START=false
unset PREFECT_SERVER_DATABASE_CONNECTION_URL PREFECT_SERVER_DATABASE_DRIVER PREFECT_SERVER_DATABASE_HOST \
      PREFECT_SERVER_DATABASE_PORT PREFECT_SERVER_DATABASE_NAME PREFECT_SERVER_DATABASE_USER PREFECT_SERVER_DATABASE_PASSWORD
if [[ "${DB_MODE:-parts}" == url ]]; then
  _pw_enc="$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$PG_PASSWORD")"
  export PREFECT_SERVER_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PG_USER:$_pw_enc@127.0.0.1:$PG_PORT/$PG_DB"
else
  export PREFECT_SERVER_DATABASE_DRIVER=postgresql+asyncpg
  export PREFECT_SERVER_DATABASE_HOST=127.0.0.1
  export PREFECT_SERVER_DATABASE_PORT="$PG_PORT"
  export PREFECT_SERVER_DATABASE_NAME="$PG_DB"
  export PREFECT_SERVER_DATABASE_USER="$PG_USER"
  export PREFECT_SERVER_DATABASE_PASSWORD="$PG_PASSWORD"
fi
export PREFECT_SERVER_EVENTS_MESSAGING_BROKER=prefect_redis.messaging
export PREFECT_SERVER_EVENTS_MESSAGING_CACHE=prefect_redis.messaging
export PREFECT_SERVER_EVENTS_CAUSAL_ORDERING=prefect_redis.ordering
export PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE=prefect_redis.lease_storage
export PREFECT_REDIS_MESSAGING_HOST=127.0.0.1
export PREFECT_REDIS_MESSAGING_PORT="$REDIS_PORT"
export PREFECT_REDIS_MESSAGING_DB=0
export PREFECT_REDIS_MESSAGING_PASSWORD="$REDIS_PASSWORD"
export PREFECT_SERVER_DOCKET_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/1"
export PREFECT_SERVER_METRICS_ENABLED=true
# no phoning home (telemetry tries sens-o-matic.prefect.io otherwise)
export PREFECT_SERVER_ANALYTICS_ENABLED=false
# client side (CLI talking to our API)
export PREFECT_API_URL="http://127.0.0.1:$API_PORT/api"
