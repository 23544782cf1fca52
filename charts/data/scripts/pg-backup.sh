#!/usr/bin/env bash
# One backup: pg_dump of PGDATABASE in custom format (compressed, restorable table by table) into BACKUP_DIR,
# then retention (pg-prune.sh). The dump is written under a temporary name (.<name>.partial), read back with
# pg_restore, fsynced and only then renamed: a failed or killed run never leaves a file that looks complete.
#
# Env: libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE; BACKUP_DIR; BACKUP_PREFIX (default PGDATABASE);
#      BACKUP_COMPRESS (gzip level 0-9, default 6); KEEP_DAILY/KEEP_WEEKLY/KEEP_MONTHLY (see pg-prune.sh);
#      LATEST_FILE (optional: where to write the new dump's name, for the upload container);
#      NOW (optional: the time to name the dump by and prune from, for tests; default the current time).
set -euo pipefail
umask 077   # a dump holds every row: readable by the backup user only
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${BACKUP_DIR:?BACKUP_DIR is not set}"
db="${PGDATABASE:?PGDATABASE is not set}"
export BACKUP_PREFIX="${BACKUP_PREFIX:-$db}"
now="$(date -u -d "${NOW:-now}" +%Y-%m-%dT%H:%M:%SZ)"
name="$BACKUP_PREFIX-$(date -u -d "$now" +%Y%m%dT%H%M%SZ).dump"
final="$dir/$name" partial="$dir/.$name.partial"
[[ ! -e $final ]] || { echo "pg-backup: $final exists already" >&2; exit 1; }

trap 'rm -f -- "$partial"' EXIT
for ((waited = 0; ; waited += 2)); do
  pg_isready -q -t 5 && break
  ((waited < ${WAIT_SECONDS:-120})) || { echo "pg-backup: PostgreSQL at ${PGHOST:-local socket} not ready" >&2; exit 1; }
  sleep 2
done
start_us=${EPOCHREALTIME/./}
pg_dump --format=custom --compress="${BACKUP_COMPRESS:-6}" --no-password --file="$partial" "$db"
# Read the whole archive back (every data block decompressed): a truncated or corrupt dump fails here, before it
# gets its name. `pg_restore --list` alone would pass a truncated file: it reads only the table of contents.
pg_restore --file=/dev/null "$partial"
sync -- "$partial"
mv -- "$partial" "$final"
sync -- "$dir"
trap - EXIT
ms=$(((${EPOCHREALTIME/./} - start_us) / 1000))
printf 'pg-backup: wrote %s (%s bytes) in %d.%03ds\n' "$name" "$(stat -c %s "$final")" $((ms / 1000)) $((ms % 1000))
[[ -z ${LATEST_FILE:-} ]] || printf '%s\n' "$name" >"$LATEST_FILE"
bash "$here/pg-prune.sh" "$dir" "$now"
