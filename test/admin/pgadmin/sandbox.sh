#!/usr/bin/env bash
# Runs pgAdmin the way the pod does, without the image: in a private mount namespace whose root filesystem is
# read-only, with tmpfs only where the Deployment mounts writable volumes (/var/lib/pgadmin — the claim —,
# /var/log/pgadmin, /tmp), as uid/gid 5050 with no capabilities, and the container's environment.
#   sandbox.sh <venv> <dir with servers.json and config_distro.py> <env file (NAME=value lines)> <port>
# It then does what the image's entrypoint (pkg/docker/entrypoint.sh) does on a first start: takes
# PGADMIN_DEFAULT_EMAIL/PASSWORD as the setup user, creates the database (run_pgadmin.py), loads servers.json for
# that user (with --replace when PGADMIN_REPLACE_SERVERS_ON_STARTUP=True), and starts gunicorn like the image
# (one worker, threads), on 127.0.0.1:<port>. config_distro.py is read from CONFIG_DISTRO_FILE_PATH, the variable
# the entrypoint exports for /pgadmin4/config_distro.py.
set -euo pipefail
VENV="$1"; CONF="$2"; ENVFILE="$3"; PORT="$4"
PKG="$("$VENV/bin/python" -c 'import os, pgadmin4; print(os.path.dirname(pgadmin4.__file__))' 2>/dev/null || echo "$VENV/lib/python3.11/site-packages/pgadmin4")"
# shellcheck disable=SC2012 # one directory of the venv's own layout, no odd names
[ -f "$PKG/run_pgadmin.py" ] || PKG="$(ls -d "$VENV"/lib/python3*/site-packages/pgadmin4 | head -1)"
exec unshare -m --propagation private bash -s "$VENV" "$CONF" "$ENVFILE" "$PORT" "$PKG" <<'INNER'
set -euo pipefail
VENV="$1"; CONF="$2"; ENVFILE="$3"; PORT="$4"; PKG="$5"
ENV=(env -i PATH=/usr/bin:/bin HOME=/tmp PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$PKG:/mnt/pgadmin-image" CONFIG_DISTRO_FILE_PATH=/mnt/pgadmin-config/config_distro.py)
while IFS= read -r line; do [ -n "$line" ] && ENV+=("$line"); done < "$ENVFILE"
SERVERS="$(cat "$CONF/servers.json")"; DISTRO="$(cat "$CONF/config_distro.py")"
for d in /var/lib/pgadmin /var/log/pgadmin; do mkdir -p "$d"; done
mount -o remount,bind,ro /
# The ConfigMap: read-only files.
mount -t tmpfs -o mode=0755 tmpfs /mnt && mkdir /mnt/pgadmin-config
printf '%s\n' "$SERVERS" > /mnt/pgadmin-config/servers.json; printf '%s\n' "$DISTRO" > /mnt/pgadmin-config/config_distro.py
# The image's /pgadmin4/run_pgadmin.py (pkg/docker/run_pgadmin.py in pgadmin-org/pgadmin4; not in the PyPI wheel).
mkdir /mnt/pgadmin-image && printf 'import builtins\nbuiltins.SERVER_MODE = True\n\nfrom pgAdmin4 import app\n' > /mnt/pgadmin-image/run_pgadmin.py
mount -o remount,ro /mnt
# The writable volumes: the claim and two emptyDirs (fsGroup 5050).
for d in /var/lib/pgadmin /var/log/pgadmin /tmp; do mount -t tmpfs -o mode=0770,uid=0,gid=5050 tmpfs "$d"; done
CONF=/mnt/pgadmin-config
exec setpriv --reuid 5050 --regid 5050 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs \
  "${ENV[@]}" bash -c '
set -euo pipefail
cd "$0"
touch /pgadmin-root-is-writable 2>/dev/null && { echo "root filesystem is writable" >&2; exit 1; }
touch "$2/servers.json" 2>/dev/null && { echo "config is writable" >&2; exit 1; }
export PGADMIN_SETUP_EMAIL="$PGADMIN_DEFAULT_EMAIL" PGADMIN_SETUP_PASSWORD="$PGADMIN_DEFAULT_PASSWORD"
"$1/bin/python" /mnt/pgadmin-image/run_pgadmin.py
REPLACE=(); [ "${PGADMIN_REPLACE_SERVERS_ON_STARTUP:-}" = True ] && REPLACE=(--replace)
"$1/bin/python" setup.py load-servers "$2/servers.json" --user "$PGADMIN_DEFAULT_EMAIL" "${REPLACE[@]}"
"$1/bin/python" setup.py dump-servers /tmp/dumped.json --user "$PGADMIN_DEFAULT_EMAIL" >/dev/null
echo "DUMPED $(tr -d "\n" < /tmp/dumped.json)"
exec "$1/bin/python" -m gunicorn --bind "127.0.0.1:$3" -w 1 --threads 25 --access-logfile - run_pgadmin:app
' "$PKG" "$VENV" "$CONF" "$PORT"
INNER
