#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the data tier's real-server tests and bench/data: Debian's postgresql
# package, our own cluster (initdb/pg_ctl) owned by a non-root user, listening on loopback only. Idempotent.
#
# Usage: pg-setup.sh start   install if needed, initdb if needed, start if stopped; prints the connection as
#                            KEY=VALUE lines (PGHOST PGPORT PGUSER PGPASSWORD PGBIN)
#        pg-setup.sh stop    fast shutdown (the data directory stays for the next start)
#        pg-setup.sh destroy stop and delete the state directory
# Env: CDK8S_PREFECT_DATA_PG_STATE (default /tmp/cdk8s-prefect-data-pg), CDK8S_PREFECT_DATA_PG_PORT (default 55439).
set -euo pipefail
STATE="${CDK8S_PREFECT_DATA_PG_STATE:-/tmp/cdk8s-prefect-data-pg}"
PORT="${CDK8S_PREFECT_DATA_PG_PORT:-55439}"
PACKAGES=(postgresql-15 postgresql-client-15)   # Debian 12's PostgreSQL (pg_trgm is part of postgresql-15)

# shellcheck disable=SC2012 # Debian's /usr/lib/postgresql/<major>/bin, sorted by version
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
install_packages() {
  [[ -x "$(pgbin)/initdb" ]] && return
  [[ $(id -u) == 0 ]] || { echo "pg-setup: PostgreSQL is not installed; as root: apt-get install ${PACKAGES[*]}" >&2; exit 1; }
  echo "pg-setup: apt-get install ${PACKAGES[*]}" >&2
  # No default cluster on 5432 (it would start a server nobody stops); ours is created below.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/cdk8s-prefect-stack.conf
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}
# The cluster runs as a non-root user: root (CI) hands it to the package's `postgres` user.
as_owner() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
BIN=""

start() {
  install_packages
  BIN="$(pgbin)"
  local owner; owner="$( [[ $(id -u) == 0 ]] && echo postgres || id -un)"
  mkdir -p "$STATE"; chmod 755 "$STATE"
  install -d -o "$owner" -m 700 "$STATE/data"
  install -d -o "$owner" -m 755 "$STATE/sock"
  if [[ ! -s $STATE/password ]]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$STATE/password")
  fi
  if [[ ! -s $STATE/data/PG_VERSION ]]; then
    install -o "$owner" -m 600 "$STATE/password" "$STATE/pwfile"
    as_owner "$BIN/initdb" -D "$STATE/data" -U postgres --pwfile="$STATE/pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$STATE/pwfile"
    cat >>"$STATE/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$STATE/sock'
max_connections = 50
CONF
  fi
  if ! as_owner "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/data/server.log" -w -t 60 start >/dev/null
  fi
  cat <<ENV
PGHOST=127.0.0.1
PGPORT=$PORT
PGUSER=postgres
PGPASSWORD=$(cat "$STATE/password")
PGBIN=$BIN
ENV
}

stop() {
  BIN="$(pgbin)"
  if [[ -n $BIN && -s $STATE/data/PG_VERSION ]] && as_owner "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$STATE/data" -m fast -w stop >/dev/null
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$STATE" ;;
  *) echo "usage: $0 start|stop|destroy" >&2; exit 2 ;;
esac
