#!/usr/bin/env bash
# Q1: what privilege does the migration's CREATE EXTENSION pg_trgm need?
# Case A: role without CREATE on the database (db owned by postgres, role has CONNECT + all on schema public)
# Case B: same role after a superuser pre-created the extension
# (Case C, the database OWNER, non-superuser, is what migrate.sh shows: it works, pg_trgm is a trusted extension)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
psql_su -q -v ON_ERROR_STOP=1 <<SQL
DROP DATABASE IF EXISTS prefect_trgm WITH (FORCE);
DROP ROLE IF EXISTS prefect_limited;
CREATE ROLE prefect_limited LOGIN PASSWORD 'limitedpw';
CREATE DATABASE prefect_trgm OWNER postgres;
GRANT CONNECT, TEMP ON DATABASE prefect_trgm TO prefect_limited;
\c prefect_trgm
GRANT ALL ON SCHEMA public TO prefect_limited;
SQL
export PREFECT_SERVER_DATABASE_NAME=prefect_trgm PREFECT_SERVER_DATABASE_USER=prefect_limited PREFECT_SERVER_DATABASE_PASSWORD=limitedpw
echo "== Case A: no CREATE privilege on the database, extension absent"
prefect server database upgrade -y > "$STATE/trgm-A.log" 2>&1; echo "exit=$?"
grep -iE 'permission denied|InsufficientPrivilege' "$STATE/trgm-A.log" | tail -2
echo "   after the failure: alembic_version=[$(psql_su -d prefect_trgm -Atc 'SELECT version_num FROM alembic_version' 2>&1 | tr '\n' ' ')]," \
     "tables in public: $(psql_su -d prefect_trgm -Atc "SELECT count(*) FROM pg_tables WHERE schemaname='public'")"
echo "== Case A2: re-run upgrade on that half-migrated database"
prefect server database upgrade -y > "$STATE/trgm-A2.log" 2>&1; echo "exit=$?"
grep -E '^sqlalchemy.exc' "$STATE/trgm-A2.log" | tail -1
echo "== Case B: fresh database, a superuser ran CREATE EXTENSION pg_trgm beforehand, same limited role"
psql_su -q -c "DROP DATABASE prefect_trgm WITH (FORCE)" -c "CREATE DATABASE prefect_trgm OWNER postgres" \
  -c "GRANT CONNECT, TEMP ON DATABASE prefect_trgm TO prefect_limited"
psql_su -q -d prefect_trgm -c "GRANT ALL ON SCHEMA public TO prefect_limited" -c "CREATE EXTENSION pg_trgm"
prefect server database upgrade -y > "$STATE/trgm-B.log" 2>&1; echo "exit=$?"; tail -1 "$STATE/trgm-B.log"
python "$HERE/../../charts/prefect/scripts/migrations-applied.py"; echo "migrations-applied exit=$?"
psql_su -q -c "DROP DATABASE prefect_trgm WITH (FORCE)" -c "DROP ROLE prefect_limited"
