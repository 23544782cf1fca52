#!/usr/bin/env bash
# Measures the data tier's backup and restore (charts/data/scripts/pg-backup.sh and pg-restore.sh, the code the
# CronJob and the restore Job run) on a Prefect-shaped database of a stated size, against Debian's PostgreSQL
# started by test/data/pg-setup.sh (loopback, throwaway). Prints one line of figures per step and a summary.
#
# Usage: bash bench/data/backup-restore.sh [FLOW_RUNS]     (default 200000: 3 million rows, about 850 MiB on disk with indexes)
#        The database has FLOW_RUNS flow runs (trigram index on the name, as Prefect's), 10 log lines and
#        4 events (JSON payloads) per run. Env: KEEP_CLUSTER=1 keeps the PostgreSQL cluster (running) afterwards;
#        otherwise it is stopped and its state directory deleted.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCRIPTS="$ROOT/charts/data/scripts"
RUNS="${1:-200000}"
[[ $RUNS =~ ^[0-9]+$ ]] || { echo "usage: $0 [FLOW_RUNS]" >&2; exit 2; }

# Its own cluster, apart from the tests' ones (which come and go with each `npm test`).
export CDK8S_PREFECT_DATA_PG_STATE="${CDK8S_PREFECT_DATA_PG_STATE:-/tmp/cdk8s-prefect-data-bench}"
export CDK8S_PREFECT_DATA_PG_PORT="${CDK8S_PREFECT_DATA_PG_PORT:-55440}"
eval "$(bash "$ROOT/test/data/pg-setup.sh" start | sed 's/^/export /')"
export PATH="$PGBIN:$PATH"
DB=bench_prefect APP=bench_prefect_app
WORK="$(mktemp -d /tmp/data-bench.XXXXXX)"
trap 'rm -rf "$WORK"; [[ -n ${KEEP_CLUSTER:-} ]] || bash "$ROOT/test/data/pg-setup.sh" destroy' EXIT
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
secs() { local us=$(( ${EPOCHREALTIME/./} - $1 )); printf '%d.%01d' $((us / 1000000)) $((us % 1000000 / 100000)); }

# Fresh database, made the way the stack makes it (ensure-database.sh), then filled.
for d in $(psql_ -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${DB}%'"); do psql_ -d postgres -c "DROP DATABASE \"$d\" WITH (FORCE)"; done
APP_USER=$APP APP_PASSWORD=bench-pw APP_DATABASE=$DB bash "$SCRIPTS/ensure-database.sh" >/dev/null
t=${EPOCHREALTIME/./}
PGUSER=$APP PGPASSWORD=bench-pw psql_ -d $DB -v runs="$RUNS" <<'SQL'
CREATE TABLE flow_run (id uuid PRIMARY KEY, name text NOT NULL, flow_id uuid NOT NULL, state_type text, state jsonb,
  parameters jsonb, created timestamptz NOT NULL);
CREATE TABLE log (id bigserial PRIMARY KEY, flow_run_id uuid NOT NULL, level int, message text, "timestamp" timestamptz NOT NULL);
CREATE TABLE events (id uuid PRIMARY KEY, occurred timestamptz NOT NULL, event text NOT NULL, resource jsonb, payload jsonb);
INSERT INTO flow_run SELECT md5('r' || g)::uuid, 'run-' || substr(md5(g::text), 1, 8) || '-' || (ARRAY['swift','brave','calm','eager'])[g % 4 + 1],
  md5('f' || (g % 500))::uuid, (ARRAY['COMPLETED','FAILED','RUNNING','SCHEDULED'])[g % 4 + 1],
  jsonb_build_object('type', 'COMPLETED', 'message', 'All states completed.', 'timestamp', now()),
  jsonb_build_object('date', '2026-11-29', 'batch', g, 'source', md5(g::text)), now() - g * interval '7 seconds'
  FROM generate_series(1, :runs) g;
INSERT INTO log (flow_run_id, level, message, "timestamp")
  SELECT md5('r' || (g / 10 + 1))::uuid, 20, 'Processing item ' || g || ' of batch ' || md5(g::text) || ' finished in ' || (g % 977) || ' ms',
         now() - g * interval '700 milliseconds' FROM generate_series(0, :runs * 10 - 1) g;
INSERT INTO events SELECT md5('e' || g)::uuid, now() - g * interval '1 second', 'prefect.flow-run.' || (ARRAY['Pending','Running','Completed','Failed'])[g % 4 + 1],
  jsonb_build_object('prefect.resource.id', 'prefect.flow-run.' || md5('r' || (g / 4 + 1))::uuid, 'prefect.resource.name', 'run-' || g),
  jsonb_build_object('intended', jsonb_build_object('from', 'PENDING', 'to', 'RUNNING'), 'validated_state', jsonb_build_object('type', 'RUNNING', 'name', 'Running', 'message', md5(g::text)))
  FROM generate_series(0, :runs * 4 - 1) g;
CREATE INDEX ix_flow_run__name_trgm ON flow_run USING gin (name gin_trgm_ops);
CREATE INDEX ix_flow_run__created ON flow_run (created);
CREATE INDEX ix_log__flow_run_id_timestamp ON log (flow_run_id, "timestamp");
CREATE INDEX ix_events__occurred ON events (occurred);
SQL
psql_ -d $DB -c ANALYZE
size=$(psql_ -d postgres -c "SELECT pg_database_size('$DB')")
rows=$(psql_ -d $DB -c "SELECT (SELECT count(*) FROM flow_run) + (SELECT count(*) FROM log) + (SELECT count(*) FROM events)")
echo "bench: database $DB: $rows rows, $((size / 1048576)) MiB on disk (pg_database_size), built in $(secs "$t")s"
fingerprint() { psql_ -d "$1" -c "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (SELECT md5(t::text) x FROM flow_run t UNION ALL SELECT md5(t::text) FROM log t UNION ALL SELECT md5(t::text) FROM events t) s"; }
before=$(fingerprint $DB)

t=${EPOCHREALTIME/./}
PGDATABASE=$DB BACKUP_DIR="$WORK" bash "$SCRIPTS/pg-backup.sh" | grep -v '^keep '
backup_s=$(secs "$t")
dump=$(cd "$WORK" && ls -1 ${DB}-*.dump)
dump_bytes=$(stat -c %s "$WORK/$dump")
echo "bench: backup (pg_dump -Fc -Z6, full read-back check, fsync, rename, prune): ${backup_s}s, dump $((dump_bytes / 1048576)) MiB"

t=${EPOCHREALTIME/./}
PGDATABASE=${DB}_copy BACKUP_PREFIX=$DB BACKUP_DIR="$WORK" APP_USER=$APP bash "$SCRIPTS/pg-restore.sh" >/dev/null
restore_empty_s=$(secs "$t")
[[ $(fingerprint ${DB}_copy) == "$before" ]] || { echo "bench: restored rows differ" >&2; exit 1; }
echo "bench: restore into an empty database (pg_restore -j2, ANALYZE): ${restore_empty_s}s, rows identical"

t=${EPOCHREALTIME/./}
PGDATABASE=$DB BACKUP_DIR="$WORK" APP_USER=$APP bash "$SCRIPTS/pg-restore.sh" >/dev/null
restore_live_s=$(secs "$t")
[[ $(fingerprint $DB) == "$before" ]] || { echo "bench: restored rows differ" >&2; exit 1; }
echo "bench: restore over the live database (restore, fence, swap): ${restore_live_s}s, rows identical"
for d in $(psql_ -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${DB}%'"); do psql_ -d postgres -c "DROP DATABASE \"$d\" WITH (FORCE)"; done
echo "bench: SUMMARY runs=$RUNS rows=$rows db_mib=$((size / 1048576)) dump_mib=$((dump_bytes / 1048576)) backup_s=$backup_s restore_empty_s=$restore_empty_s restore_live_s=$restore_live_s" \
  "postgres=$(postgres --version | awk '{print $3}') cpus=$(nproc) host=$(uname -m)"
