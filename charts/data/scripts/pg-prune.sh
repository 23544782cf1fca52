#!/usr/bin/env bash
# Retention of backup dumps, like postgres-backup-local: keep the newest dump of each of the last KEEP_DAILY
# calendar days, the last KEEP_WEEKLY ISO weeks and the last KEEP_MONTHLY calendar months (UTC), counted back from
# "now" including the current period; delete every other dump. A period without a dump keeps nothing (it is not
# replaced by an older period). Dump names carry their time (<prefix>-YYYYmmddTHHMMSSZ.dump), so the calendar
# never depends on file times; files that do not match that pattern are left alone, dumps dated after "now" too.
# Leftover partial files of killed runs (.<name>.partial, older than a day) are deleted.
#
# Usage: pg-prune.sh DIR [NOW]   NOW is any `date -d` time (default: the current time); DRY_RUN=1 only prints.
# Env: BACKUP_PREFIX (required), KEEP_DAILY (7), KEEP_WEEKLY (4), KEEP_MONTHLY (6).
# Output: one line per dump, "keep <name> <reasons>" or "delete <name>".
set -euo pipefail
die() { echo "pg-prune: $*" >&2; exit 2; }
dir="${1:?usage: pg-prune.sh DIR [NOW]}"
[[ -d $dir ]] || die "$dir is not a directory"
prefix="${BACKUP_PREFIX:?BACKUP_PREFIX is not set}"
[[ $prefix =~ ^[A-Za-z0-9_-]+$ ]] || die "BACKUP_PREFIX \"$prefix\" may hold only letters, digits, '_' and '-'"
keep_daily="${KEEP_DAILY:-7}" keep_weekly="${KEEP_WEEKLY:-4}" keep_monthly="${KEEP_MONTHLY:-6}"
for n in "$keep_daily" "$keep_weekly" "$keep_monthly"; do [[ $n =~ ^[0-9]+$ ]] || die "retention \"$n\" is not a whole number"; done
((keep_daily + keep_weekly + keep_monthly > 0)) || die "a retention of 0 everywhere would delete every dump"
now_s="$(date -u -d "${2:-${NOW:-now}}" +%s)" || die "\"${2:-${NOW:-}}\" is not a time"

# The periods to keep: key -> bucket name. Days and weeks step back in whole days (UTC has no DST).
declare -A wanted=()
for ((i = 0; i < keep_daily; i++)); do wanted["day $(date -u -d "@$((now_s - i * 86400))" +%F)"]=daily; done
for ((i = 0; i < keep_weekly; i++)); do wanted["week $(date -u -d "@$((now_s - i * 7 * 86400))" +%G-W%V)"]=weekly; done
year=$((10#$(date -u -d "@$now_s" +%Y))) month=$((10#$(date -u -d "@$now_s" +%m)))
for ((i = 0; i < keep_monthly; i++)); do
  m=$((month - 1 - i)); y=$((year + (m < 0 ? (m - 11) / 12 : 0))); m=$(((m % 12 + 12) % 12 + 1))
  wanted["month $(printf '%04d-%02d' "$y" "$m")"]=monthly
done

# Newest first, so the first dump seen in a period is the one it keeps.
mapfile -t dumps < <(find "$dir" -maxdepth 1 -type f -name "$prefix-*.dump" -printf '%f\n' \
  | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort -r || true)
declare -A claimed=()
for name in "${dumps[@]}"; do
  s="${name#"$prefix"-}"; s="${s%.dump}"
  t="$(date -u -d "${s:0:4}-${s:4:2}-${s:6:2}T${s:9:2}:${s:11:2}:${s:13:2}Z" +%s 2>/dev/null)" || { echo "keep $name (unparsable date)"; continue; }
  if ((t > now_s)); then echo "keep $name (after now)"; continue; fi
  reasons=()
  for key in "day $(date -u -d "@$t" +%F)" "week $(date -u -d "@$t" +%G-W%V)" "month $(date -u -d "@$t" +%Y-%m)"; do
    if [[ -n ${wanted[$key]:-} && -z ${claimed[$key]:-} ]]; then claimed[$key]=1; reasons+=("${wanted[$key]}:${key#* }"); fi
  done
  if ((${#reasons[@]})); then
    echo "keep $name ${reasons[*]}"
  else
    echo "delete $name"
    [[ -n ${DRY_RUN:-} ]] || rm -f -- "$dir/$name"
  fi
done
[[ -n ${DRY_RUN:-} ]] || find "$dir" -maxdepth 1 -type f -name ".$prefix-*.dump.partial" -mmin +1440 -print -delete | sed 's/^/delete stale /'
