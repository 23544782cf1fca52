#!/usr/bin/env bash
# Idempotent setup for the Prefect 3.9.1 server measurements.
#  - Debian packages: postgresql-15, redis-server, wrk, hey, strace, python3-venv
#  - a venv with prefect[redis]==3.9.1 (pins in requirements.lock), cached by content under
#    ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}
#  - our own Postgres cluster and Redis on loopback, non-default ports, state in $STATE (under /tmp)
# Usage: bash bench/prefect/setup.sh        (prints nothing secret; source env.sh afterwards)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/common.sh"

# ---- Debian packages --------------------------------------------------------------------------
need=()
for p in postgresql-15 postgresql-contrib redis-server wrk hey strace python3-venv procps; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  echo "setup: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- venv (cached by content: python version + lock file hash) ---------------------------------
if [[ ! -f "$VENV/.complete" ]]; then
  echo "setup: creating venv $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip==24.3.1
  if [[ -s "$HERE/requirements.lock" ]]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$HERE/requirements.lock"
    "$VENV/bin/pip" check
  else
    "$VENV/bin/pip" install -q --disable-pip-version-check "prefect[redis]==$PREFECT_VERSION"
    "$VENV/bin/pip" freeze --exclude-editable > "$HERE/requirements.lock"
  fi
  touch "$VENV/.complete"
fi
"$VENV/bin/prefect" version 2>&1 | sed -n 1p

# ---- Postgres cluster (our own, as user postgres) ---------------------------------------------
mkdir -p "$STATE"
chmod 755 "$STATE"
install -d -o postgres -g postgres -m 700 "$PGDATA_DIR"
install -d -o postgres -g postgres -m 755 "$STATE/pgsock" "$STATE/pglog"
if [[ ! -s "$PGDATA_DIR/PG_VERSION" ]]; then
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$STATE/pgsock'
max_connections = 200
shared_buffers = 128MB
CONF
fi
pg_start
# role + database; the password holds @ / % on purpose
runuser -u postgres -- "$PGBIN/psql" -h "$STATE/pgsock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q \
  -v pw="$PG_PASSWORD" -v usr="$PG_USER" -v db="$PG_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'usr') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'usr') \gexec
ALTER ROLE :"usr" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'usr') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL

# ---- Redis ---------------------------------------------------------------------------------------
redis_start
echo "setup: postgres 127.0.0.1:$PG_PORT db=$PG_DB user=$PG_USER; redis 127.0.0.1:$REDIS_PORT; state $STATE; venv $VENV"
