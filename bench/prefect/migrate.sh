#!/usr/bin/env bash
# Q1/Q3: time `prefect server database upgrade -y` on an empty DB and again on an up-to-date DB,
# with migrations-applied.py before/after, and show the CREATE EXTENSION pg_trgm statement + who ran it.
# Usage: bash bench/prefect/migrate.sh [--reset]   (--reset drops and recreates database prefect first)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
if [[ "${1:-}" == --reset ]]; then
  psql_su -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi
psql_su -q -c "ALTER SYSTEM SET log_statement = 'ddl'" -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %u@%d '" -c "SELECT pg_reload_conf()" >/dev/null
echo "== role attributes:"; psql_su -Atc "SELECT rolname, rolsuper, rolcreatedb FROM pg_roles WHERE rolname='$PG_USER'"
echo "== db owner:"; psql_su -Atc "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname='$PG_DB'"
echo "== pg_trgm trusted?"; psql_su -Atc "SELECT DISTINCT name, trusted, superuser FROM pg_available_extension_versions WHERE name='pg_trgm'"
echo "== migrations-applied.py BEFORE upgrade:"; set +e; python "$HERE/../../charts/prefect/scripts/migrations-applied.py"; echo "exit=$?"; set -e
LOG="$STATE/pglog/postgres.log"; start_line=$(wc -l < "$LOG")
for run in first second; do
  t0=$(date +%s.%N)
  prefect server database upgrade -y > "$STATE/upgrade-$run.log" 2>&1
  t1=$(date +%s.%N)
  printf '== upgrade (%s run) took %s s; last line: %s\n' "$run" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" "$(tail -1 "$STATE/upgrade-$run.log")"
done
echo "== migrations-applied.py AFTER upgrade:"; python "$HERE/../../charts/prefect/scripts/migrations-applied.py"; echo "exit=$?"
echo "== CREATE EXTENSION statements in the Postgres log during upgrade:"
tail -n +"$start_line" "$LOG" | grep -i 'create extension' || true
psql_su -d "$PG_DB" -Atc "SELECT extname, pg_get_userbyid(extowner), extversion FROM pg_extension WHERE extname='pg_trgm'"
echo "== tables: $(psql_su -d "$PG_DB" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname='public'")"
echo "== migrations-applied.py with the database one revision behind (downgrade -r -1):"
prefect server database downgrade -y -r -1 > "$STATE/downgrade.log" 2>&1; echo "   downgrade exit=$?"
set +e; python "$HERE/../../charts/prefect/scripts/migrations-applied.py"; echo "exit=$?"
prefect server database upgrade -y > "$STATE/upgrade-third.log" 2>&1
python "$HERE/../../charts/prefect/scripts/migrations-applied.py"; echo "exit=$? (after upgrade again)"
echo "== migrations-applied.py with Postgres unreachable (wrong port), --wait 12:"
t0=$(date +%s); PREFECT_SERVER_DATABASE_PORT=1 python "$HERE/../../charts/prefect/scripts/migrations-applied.py" --wait 12; echo "exit=$? after $(( $(date +%s) - t0 )) s"
