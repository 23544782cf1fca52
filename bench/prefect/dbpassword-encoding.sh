#!/usr/bin/env bash
# Q1: does Prefect encode a DB password holding @ / % correctly? Connection probe = migrations-applied.py
# (exit 0 = connected and at head, 2 = could not connect). Run after migrate.sh.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
probe() { # $1 = label; env already set
  local url; url="$(python -c 'from prefect.settings import get_current_settings as g; print(g().server.database.connection_url.get_secret_value())' 2>&1 | tail -1)"
  printf '%-58s url=%s\n' "$1" "$url"
  python "$HERE/../../charts/prefect/scripts/migrations-applied.py" 2>&1 | tail -1 | sed 's/^/      /'
}
echo "password under test: $PG_PASSWORD"
( DB_MODE=parts; source "$HERE/env.sh"; probe "per-part PREFECT_SERVER_DATABASE_HOST/PORT/NAME/USER/PASSWORD" )
( DB_MODE=url; source "$HERE/env.sh"; probe "CONNECTION_URL, password percent-encoded" )
( DB_MODE=url; source "$HERE/env.sh"
  export PREFECT_SERVER_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  probe "CONNECTION_URL, password raw (not encoded)" )
# shellcheck disable=SC2016 # the label names the template, unexpanded
( DB_MODE=url; source "$HERE/env.sh"
  export PREFECT_SERVER_DATABASE_PASSWORD="$PG_PASSWORD"
  export PREFECT_SERVER_DATABASE_CONNECTION_URL="postgresql+asyncpg://$PG_USER:\${PREFECT_SERVER_DATABASE_PASSWORD}@127.0.0.1:$PG_PORT/$PG_DB"
  probe 'CONNECTION_URL with ${PREFECT_SERVER_DATABASE_PASSWORD} template' )
