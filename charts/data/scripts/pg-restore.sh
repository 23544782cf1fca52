#!/usr/bin/env bash
# Restores one dump of BACKUP_DIR as database PGDATABASE, atomically: the dump is restored into a new database
# first (the live one keeps serving, and a failed restore leaves it untouched), then writers are fenced inside
# PostgreSQL (ALLOW_CONNECTIONS false, their sessions terminated) and the two databases swap names in one
# transaction. The replaced database stays as <db>_pre_restore_<time> with connections disabled (KEEP_PREVIOUS=false
# drops it); drop it by hand once the restore is confirmed.
#
# Env: libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD (a superuser); PGDATABASE (the database to replace); BACKUP_DIR;
#      DUMP (a file name in BACKUP_DIR; default: the newest <prefix>-*.dump); BACKUP_PREFIX (default PGDATABASE);
#      APP_USER (owner of the restored database; default the replaced database's owner, else PGUSER);
#      RESTORE_JOBS (parallel pg_restore jobs, default 2); KEEP_PREVIOUS (default true).
set -euo pipefail
die() { echo "pg-restore: $*" >&2; exit 1; }
dir="${BACKUP_DIR:?BACKUP_DIR is not set}"
db="${PGDATABASE:?PGDATABASE is not set}"
prefix="${BACKUP_PREFIX:-$db}"
unset PGDATABASE   # every connection below names its database
if [[ -z ${DUMP:-} ]]; then
  DUMP="$(find "$dir" -maxdepth 1 -type f -name "$prefix-*.dump" -printf '%f\n' | sort | tail -n 1)"
  [[ -n $DUMP ]] || die "no $prefix-*.dump in $dir"
fi
[[ $DUMP != */* ]] || die "DUMP must be a file name in $dir, not a path"
file="$dir/$DUMP"
[[ -f $file ]] || die "no dump $DUMP in $dir; there are: $(cd "$dir" && ls -1 -- *.dump 2>/dev/null | tr '\n' ' ')"
pg_restore --list "$file" >/dev/null 2>&1 || die "$DUMP is not a readable pg_dump archive"
# Wait for the server as the backup does: a new Job pod's first connections can be refused for a moment (the
# NetworkPolicy plugin admits a new pod's address only after it saw the pod; PostgreSQL may be restarting).
for ((waited = 0; ; waited += 2)); do
  pg_isready -q -t 5 && break
  ((waited < ${WAIT_SECONDS:-120})) || die "PostgreSQL at ${PGHOST:-local socket} not ready after ${waited}s"
  sleep 2
done

stamp="$(date -u +%Y%m%d%H%M%S)"
base="${db:0:40}"
new="${base}_restore_$stamp" previous="${base}_pre_restore_$stamp"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -v db="$db" -v new="$new" -v previous="$previous" "$@"; }
owner="${APP_USER:-$(sql <<<"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db'")}"
owner="${owner:-$PGUSER}"
exists="$(sql <<<"SELECT count(*) FROM pg_database WHERE datname = :'db'")"

start_us=${EPOCHREALTIME/./}
echo "pg-restore: restoring $DUMP into new database $new (owner $owner)"
sql -v owner="$owner" <<<'CREATE DATABASE :"new" OWNER :"owner" TEMPLATE template0'
swapped=
cleanup() {
  [[ -n $swapped ]] && return
  sql <<<'DROP DATABASE IF EXISTS :"new"' || true
  # A failure between fence and swap must not leave the live database closed.
  [[ $exists == 1 ]] && { sql <<<'ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS true' || true; }
}
trap cleanup EXIT
pg_restore --exit-on-error --no-password --jobs="${RESTORE_JOBS:-2}" --dbname="$new" "$file"
psql -X -q -v ON_ERROR_STOP=1 -d "$new" -c ANALYZE   # fresh statistics: the planner is blind after a restore

if [[ $exists == 1 ]]; then
  echo "pg-restore: fencing $db (no new connections, sessions terminated) and swapping"
  sql <<'SQL'
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS false;
SELECT format('pg-restore: terminated %s session(s)', count(pg_terminate_backend(pid, 10000))) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
BEGIN;
ALTER DATABASE :"db" RENAME TO :"previous";
ALTER DATABASE :"new" RENAME TO :"db";
COMMIT;
SQL
else
  sql <<<'ALTER DATABASE :"new" RENAME TO :"db"'
fi
swapped=1
trap - EXIT
ms=$(((${EPOCHREALTIME/./} - start_us) / 1000))
printf 'pg-restore: %s restored as %s in %d.%03ds\n' "$DUMP" "$db" $((ms / 1000)) $((ms % 1000))
if [[ $exists == 1 ]]; then
  if [[ ${KEEP_PREVIOUS:-true} == true ]]; then
    echo "pg-restore: the replaced database is kept as $previous (connections disabled); once the restore is confirmed: DROP DATABASE \"$previous\";"
  else
    sql <<<'DROP DATABASE :"previous"'
    echo "pg-restore: dropped the replaced database"
  fi
fi
