#!/usr/bin/env bash
# Ensures Prefect's role, database and the pg_trgm extension exist; idempotent, so it runs both as the official
# image's init script on a fresh data directory (/docker-entrypoint-initdb.d, over the local socket) and before
# every migration against an existing database (the migrate Job's init container, over TCP, as the superuser).
#
# Env: APP_USER, APP_PASSWORD, APP_DATABASE (Prefect's role, its password, its database);
#      MONITOR_USER (optional: a role for postgres_exporter, member of pg_monitor only, without a password, so it
#      can log in only over the pod's local socket, which trusts local connections);
#      libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD for the superuser connection (PGUSER falls back to POSTGRES_USER);
#      WAIT_SECONDS (how long to wait for the server, default 600).
# The password travels through the environment and psql's \getenv, never through a command line.
set -euo pipefail
: "${APP_USER:?APP_USER is not set}" "${APP_PASSWORD:?APP_PASSWORD is not set}" "${APP_DATABASE:?APP_DATABASE is not set}"
export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}" PGDATABASE=postgres
wait_seconds="${WAIT_SECONDS:-600}"

for ((waited = 0; ; waited += 2)); do
  pg_isready -q -t 5 && break
  if ((waited >= wait_seconds)); then
    echo "ensure-database: PostgreSQL at ${PGHOST:-local socket}:${PGPORT:-5432} not ready after ${wait_seconds}s" >&2
    exit 1
  fi
  sleep 2
done

psql -X -q -v ON_ERROR_STOP=1 -v usr="$APP_USER" -v db="$APP_DATABASE" ${MONITOR_USER:+-v mon="$MONITOR_USER"} <<'SQL'
\getenv pw APP_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'usr') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'usr') \gexec
-- The Secret is the source of truth for the password (rotation = change the Secret, run a migration); the
-- superuser's own password is never touched here, and neither are an existing role's other attributes.
SELECT current_user = :'usr' AS is_self \gset
\if :is_self
\else
ALTER ROLE :"usr" WITH LOGIN PASSWORD :'pw';
\endif
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'usr') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
\connect :"db"
-- Prefect's migrations need pg_trgm; creating it here means the migrating role needs no CREATE right for it.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SELECT format('ensure-database: role %s, database %s (owner %s), pg_trgm %s', :'usr', current_database(),
  pg_get_userbyid(d.datdba), e.extversion)
  FROM pg_database d, pg_extension e WHERE d.datname = current_database() AND e.extname = 'pg_trgm' \gset msg_
\echo :msg_format
\if :{?mon}
-- Least privilege for metrics: pg_monitor reads every statistics view and size function, nothing else.
SELECT format('CREATE ROLE %I LOGIN', :'mon') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'mon') \gexec
GRANT pg_monitor TO :"mon";
\echo ensure-database: monitoring role :mon (pg_monitor)
\endif
SQL
