#!/usr/bin/env bash
# Prove each e2e image honours the interface the manifests rely on, by running it.
# usage: test/e2e/images/verify.sh [name...]   (default: all)
#
# Starts a private containerd + dockerd (dockerd.sh; no bridge, no iptables), `docker load`s the
# tars from build.sh, and runs every container the way the manifests do: non-root UID, read-only
# root fs, tmpfs where the manifests mount emptyDirs. All containers of one run share the network
# namespace of a "pod" container (like a Kubernetes pod), so every probe goes to 127.0.0.1 only.
# Prints one "ok"/"FAIL" line per check and a closing "N passed, N failed" line; exit 1 on failure.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_IMG_RUN="${E2E_IMG_RUN:-/run/e2e-images}"
export DOCKER_HOST="unix://$E2E_IMG_RUN/docker.sock"
D=/usr/bin/docker
P=e2eimg   # container name prefix
PASS=0; FAIL=0; FAILED=()
KEEP="${E2E_IMAGES_KEEP:-0}"   # 1: leave containers and daemons running for debugging

ok()   { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad()  { FAIL=$((FAIL + 1)); FAILED+=("$*"); printf 'FAIL %s\n' "$*"; }
check() { # description, command...
  local d="$1"; shift
  if out="$("$@" 2>&1)"; then ok "$d"; else bad "$d"; printf '     %s\n' "${out//$'\n'/$'\n'     }" | tail -15; fi
}
retry() { # seconds, command...: retry every second until success
  local n="$1"; shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@"
}
in_pod() { $D exec "$P-probe" "$@"; }   # runs in the tools image inside the pod netns

WANT=("$@")
[ "$#" -gt 0 ] || WANT=(postgres redis postgres-exporter redis-exporter prefect prefect-kubernetes prefect-previous pgadmin redis-commander rclone)
# dependencies: exporters/UIs need their server; the prefect checks run the API server on postgres and redis
for x in "${WANT[@]}"; do
  case "$x" in
    postgres-exporter|pgadmin) WANT+=(postgres) ;;
    redis-exporter|redis-commander) WANT+=(redis) ;;
    prefect|prefect-kubernetes) WANT+=(prefect postgres redis) ;;
  esac
done
mapfile -t WANT < <(printf '%s\n' "${WANT[@]}" | sort -u)
want() { local x; for x in "${WANT[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

cleanup() {
  if [ "$KEEP" = 1 ]; then echo "E2E_IMAGES_KEEP=1: containers and daemons left running"; return; fi
  $D ps -aq --filter "name=^$P-" | xargs -r $D rm -f >/dev/null 2>&1
  $D image prune -f >/dev/null 2>&1   # older builds of the same tags (now untagged)
  rm -rf "${TMPD:-/nonexistent}"
  "$HERE/dockerd.sh" stop
}
trap cleanup EXIT

# ---- build (cached) + load ----
"$HERE/dockerd.sh" start || exit 1
LIST="$("$HERE/build.sh" tools "${WANT[@]}")" || { echo "build.sh failed"; exit 1; }
declare -A TAG
while read -r name tag tar; do
  [ -n "$name" ] || continue
  TAG[$name]="$tag"
  check "load $name ($tag)" $D load -q -i "$tar"
done <<<"$LIST"
$D ps -aq --filter "name=^$P-" | xargs -r $D rm -f >/dev/null 2>&1

TMPD="$(mktemp -d /tmp/e2eimg-verify.XXXXXX)"
chmod 755 "$TMPD"

# the "pod": the tools image (non-root 10001) with only a loopback interface
check "tools: runs as non-root with read-only root" \
  $D run -d --name "$P-probe" --network none --read-only --tmpfs /tmp "${TAG[tools]}"
check "tools: curl psql pg_isready redis-cli nc dig jq present, uid 10001" \
  in_pod sh -c 'for t in curl psql pg_isready redis-cli nc dig jq; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done; [ "$(id -u)" = 10001 ]'
NET="container:$P-probe"
RO=(--read-only --security-opt no-new-privileges --cap-drop ALL)

# ---- postgres ----
if want postgres; then
  T="${TAG[postgres]}"
  mkdir -p "$TMPD/initdb" "$TMPD/secrets"
  cat >"$TMPD/initdb/10-schema.sql" <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE e2e_marker (v text);
INSERT INTO e2e_marker VALUES ('from-initdb-sql');
SQL
  cat >"$TMPD/initdb/20-role.sh" <<'SH'
#!/bin/bash
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<-EOSQL
  CREATE ROLE e2e_exporter LOGIN PASSWORD 'exporterpw' IN ROLE pg_monitor;
EOSQL
SH
  chmod 755 "$TMPD/initdb/20-role.sh"; chmod 644 "$TMPD/initdb/10-schema.sql"
  printf 'pg-secret-pw' >"$TMPD/secrets/pgpw"; chmod 644 "$TMPD/secrets/pgpw"
  # as the StatefulSet: uid/gid 999, read-only root, emptyDirs on /var/run/postgresql and /tmp,
  # the data volume on PGDATA's parent with PGDATA in a subdirectory
  check "postgres: starts as uid 999 (read-only root, POSTGRES_PASSWORD_FILE, -c args)" \
    $D run -d --name "$P-postgres" --network "$NET" --user 999:999 "${RO[@]}" \
      --tmpfs /var/run/postgresql:uid=999,gid=999 --tmpfs /tmp \
      --tmpfs /var/lib/postgresql/data:uid=999,gid=999,mode=0700 \
      -e PGDATA=/var/lib/postgresql/data/pgdata \
      -e POSTGRES_USER=prefect -e POSTGRES_DB=prefect -e POSTGRES_PASSWORD_FILE=/run/secrets/pgpw \
      -v "$TMPD/secrets/pgpw:/run/secrets/pgpw:ro" -v "$TMPD/initdb:/docker-entrypoint-initdb.d:ro" \
      "$T" postgres -c max_connections=150 -c shared_buffers=32MB
  check "postgres: pg_isready answers over TCP" retry 60 in_pod pg_isready -h 127.0.0.1 -p 5432 -U prefect
  check "postgres: initdb .sql ran, pg_trgm present, -c max_connections applied" \
    sh -c "out=\$($D exec -e PGPASSWORD=pg-secret-pw $P-probe psql -h 127.0.0.1 -U prefect -d prefect -Atc \"select v from e2e_marker; select count(*) from pg_extension where extname='pg_trgm'; show max_connections\"); echo \"\$out\"; [ \"\$(echo \$out)\" = 'from-initdb-sql 1 150' ]"
  check "postgres: initdb .sh ran (role e2e_exporter logs in)" \
    $D exec -e PGPASSWORD=exporterpw "$P-probe" psql -h 127.0.0.1 -U e2e_exporter -d prefect -Atc 'select 1'
  check "postgres: pg_hba.conf ends with 'host all all all scram-sha-256' (password auth off-localhost)" \
    $D exec "$P-postgres" sh -c 'tail -1 "$PGDATA/pg_hba.conf" | grep -Eq "^host all all all scram-sha-256$"'
  check "postgres: pg_isready psql pg_dump pg_restore on PATH; runs as 999:999" \
    $D exec "$P-postgres" sh -c 'command -v pg_isready && command -v psql && command -v pg_dump && command -v pg_restore && [ "$(id -u):$(id -g)" = 999:999 ]'
  check "postgres: pg_dump | pg_restore round trip" \
    $D exec -e PGPASSWORD=pg-secret-pw "$P-postgres" sh -c 'pg_dump -h 127.0.0.1 -U prefect -Fc prefect > /tmp/d.dump && pg_restore -l /tmp/d.dump | grep -q e2e_marker'
fi

# ---- postgres-exporter ----
if want postgres-exporter; then
  check "postgres-exporter: starts as uid 65534 (image default user)" \
    $D run -d --name "$P-pgexp" --network "$NET" "${RO[@]}" \
      -e DATA_SOURCE_URI='127.0.0.1:5432/prefect?sslmode=disable' -e DATA_SOURCE_USER=e2e_exporter \
      -e DATA_SOURCE_PASS=exporterpw "${TAG[postgres-exporter]}"
  check "postgres-exporter: uid is 65534" sh -c "[ \"\$($D inspect -f '{{.Config.User}}' ${TAG[postgres-exporter]})\" = 65534 ]"
  check "postgres-exporter: /bin/postgres_exporter is the entrypoint" \
    sh -c "$D inspect -f '{{json .Config.Entrypoint}}' ${TAG[postgres-exporter]} | grep -qx '\[\"/bin/postgres_exporter\"\]'"
  check "postgres-exporter: /metrics has pg_up 1, pg_stat_activity_count, pg_settings_max_connections 150" \
    retry 30 sh -c "m=\$($D exec $P-probe curl -sf http://127.0.0.1:9187/metrics) && echo \"\$m\" | grep -Eq '^pg_up(\{[^}]*\})? 1' && echo \"\$m\" | grep -q '^pg_stat_activity_count' && echo \"\$m\" | grep -Eq '^pg_settings_max_connections(\{[^}]*\})? 150' && echo \"\$m\" | grep -q '^pg_settings_superuser_reserved_connections'"
fi

# ---- redis ----
if want redis; then
  T="${TAG[redis]}"
  check "redis: 'redis-server <args>' as uid 999 (read-only root, /data volume)" \
    $D run -d --name "$P-redis" --network "$NET" --user 999:999 "${RO[@]}" --tmpfs /data:uid=999,gid=999 \
      "$T" redis-server --requirepass redis-e2e-pw --maxmemory 64mb --appendonly yes
  check "redis: PING with the password answers PONG" \
    retry 30 sh -c "[ \"\$($D exec $P-probe redis-cli -h 127.0.0.1 -a redis-e2e-pw --no-auth-warning PING)\" = PONG ]"
  check "redis: PING without the password is refused (NOAUTH)" \
    sh -c "$D exec $P-probe redis-cli -h 127.0.0.1 PING | grep -q NOAUTH"
  check "redis: workdir /data, appendonly files written there, uid 999" \
    $D exec "$P-redis" sh -c '[ "$(pwd)" = /data ] && [ "$(id -u)" = 999 ] && ls /data/appendonlydir >/dev/null'
  check "redis: first arg '--flag' gets redis-server prepended" \
    sh -c "$D run -d --name $P-redis2 --network $NET --user 999:999 ${RO[*]} --tmpfs /data:uid=999,gid=999 $T --port 6390 --requirepass two >/dev/null && sleep 1 && $D exec $P-probe redis-cli -h 127.0.0.1 -p 6390 -a two --no-auth-warning PING | grep -qx PONG"
  $D rm -f "$P-redis2" >/dev/null 2>&1
fi

# ---- redis-exporter ----
if want redis-exporter; then
  check "redis-exporter: starts as uid 59000 (image default user)" \
    $D run -d --name "$P-rexp" --network "$NET" "${RO[@]}" \
      -e REDIS_ADDR=redis://127.0.0.1:6379 -e REDIS_PASSWORD=redis-e2e-pw "${TAG[redis-exporter]}"
  check "redis-exporter: user 59000:59000, entrypoint /redis_exporter" \
    sh -c "[ \"\$($D inspect -f '{{.Config.User}} {{json .Config.Entrypoint}}' ${TAG[redis-exporter]})\" = '59000:59000 [\"/redis_exporter\"]' ]"
  check "redis-exporter: /metrics has redis_up 1, redis_memory_used_bytes, redis_connected_clients, redis_memory_max_bytes" \
    retry 30 sh -c "m=\$($D exec $P-probe curl -sf http://127.0.0.1:9121/metrics) && echo \"\$m\" | grep -q '^redis_up 1' && echo \"\$m\" | grep -q '^redis_memory_used_bytes' && echo \"\$m\" | grep -q '^redis_connected_clients' && echo \"\$m\" | grep -q '^redis_memory_max_bytes 6.7108864e+07'"
fi

# ---- redis-commander ----
if want redis-commander; then
  printf 'rc-http-pw' >"$TMPD/secrets/rcpw"; chmod 644 "$TMPD/secrets/rcpw"
  check "redis-commander: starts as uid 10000 (REDIS_HOSTS, HTTP_USER, HTTP_PASSWORD_FILE)" \
    $D run -d --name "$P-rc" --network "$NET" --security-opt no-new-privileges --cap-drop ALL \
      -e REDIS_HOSTS=prefect:127.0.0.1:6379:0:redis-e2e-pw -e HTTP_USER=admin \
      -e HTTP_PASSWORD_FILE=/run/secrets/rcpw -v "$TMPD/secrets/rcpw:/run/secrets/rcpw:ro" \
      "${TAG[redis-commander]}"
  check "redis-commander: answers on 8081" \
    retry 90 sh -c "[ \"\$($D exec $P-probe curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/)\" = 200 ]"
  check "redis-commander: /signin rejects a wrong password, accepts HTTP_USER + HTTP_PASSWORD_FILE" \
    sh -c "$D exec $P-probe curl -sf -H 'content-type: application/json' -d '{\"username\":\"admin\",\"password\":\"wrong\"}' http://127.0.0.1:8081/signin | grep -q '\"ok\":false' && $D exec $P-probe curl -sf -H 'content-type: application/json' -d '{\"username\":\"admin\",\"password\":\"rc-http-pw\"}' http://127.0.0.1:8081/signin | grep -q '\"ok\":true'"
  check "redis-commander: API refuses without a token, lists the REDIS_HOSTS connection with one" \
    $D exec "$P-probe" sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8081/connections)" != 200 ] && tok=$(curl -sf -H "content-type: application/json" -d "{\"username\":\"admin\",\"password\":\"rc-http-pw\"}" http://127.0.0.1:8081/signin | jq -r .bearerToken) && curl -sf -H "Authorization: Bearer $tok" http://127.0.0.1:8081/connections | jq -e ".connections[] | select(.label == \"prefect\")"'
  check "redis-commander: runs as uid 10000" sh -c "[ \"\$($D exec $P-rc id -u)\" = 10000 ]"
fi

# ---- prefect ----
if want prefect; then
  T="${TAG[prefect]}"
  PGURL='postgresql+asyncpg://prefect:pg-secret-pw@127.0.0.1:5432/prefect'
  PENV=(-e HOME=/home/prefect -e PREFECT_HOME=/home/prefect/.prefect
        -e PREFECT_SERVER_UI_STATIC_DIRECTORY=/ui_build
        -e PREFECT_SERVER_DATABASE_MIGRATE_ON_START=false)
  # shellcheck disable=SC2054 # the commas separate mount options of one --tmpfs value
  PMNT=(--tmpfs /tmp --tmpfs /home/prefect:uid=1001,gid=1001 --tmpfs /ui_build:uid=1001,gid=1001)
  check "prefect: entrypoint is tini -g -- /opt/prefect/entrypoint.sh; prefect on PATH" \
    sh -c "[ \"\$($D inspect -f '{{json .Config.Entrypoint}}' $T)\" = '[\"/usr/bin/tini\",\"-g\",\"--\",\"/opt/prefect/entrypoint.sh\"]' ] && $D run --rm --network none --user 1001:1001 ${RO[*]} ${PMNT[*]} $T prefect version | grep -q '3.9.1'"
  check "prefect: entrypoint execs \"\$@\" (exit code passes through)" \
    sh -c "$D run --rm --network none --user 1001:1001 ${RO[*]} $T sh -c 'exit 7'; [ \$? = 7 ]"
  check "prefect: prefect-redis importable" \
    $D run --rm --network none --user 1001:1001 "${RO[@]}" "${PMNT[@]}" "$T" python -c 'import prefect_redis, prefect.server.ui'
  if want postgres; then
    check "prefect: 'prefect server database upgrade -y' against postgres (uid 1001, read-only root)" \
      $D run --rm --network "$NET" --user 1001:1001 "${RO[@]}" "${PMNT[@]}" "${PENV[@]}" \
        -e PREFECT_SERVER_DATABASE_CONNECTION_URL="$PGURL" "$T" prefect server database upgrade -y
    DBENV=(-e PREFECT_SERVER_DATABASE_CONNECTION_URL="$PGURL")
  else
    DBENV=()
  fi
  REDENV=()
  if want redis; then
    REDENV=(-e PREFECT_SERVER_EVENTS_MESSAGING_BROKER=prefect_redis.messaging
            -e PREFECT_SERVER_EVENTS_MESSAGING_CACHE=prefect_redis.messaging
            -e PREFECT_SERVER_EVENTS_CAUSAL_ORDERING=prefect_redis.ordering
            -e PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE=prefect_redis.lease_storage
            -e PREFECT_REDIS_MESSAGING_HOST=127.0.0.1 -e PREFECT_REDIS_MESSAGING_PORT=6379
            -e PREFECT_REDIS_MESSAGING_PASSWORD=redis-e2e-pw
            -e PREFECT_SERVER_DOCKET_URL=redis://:redis-e2e-pw@127.0.0.1:6379/1)
  fi
  check "prefect: API server starts as uid 1001 (read-only root, emptyDirs /tmp /home/prefect /ui_build)" \
    $D run -d --name "$P-prefect" --network "$NET" --user 1001:1001 "${RO[@]}" "${PMNT[@]}" "${PENV[@]}" \
      "${DBENV[@]}" "${REDENV[@]}" "$T" prefect server start --host 0.0.0.0 --port 4200 --no-services
  check "prefect: /api/health answers 200" \
    retry 120 sh -c "[ \"\$($D exec $P-probe curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4200/api/health)\" = 200 ]"
  check "prefect: /api/ready answers 200 (database reachable)" \
    retry 30 sh -c "[ \"\$($D exec $P-probe curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4200/api/ready)\" = 200 ]"
  check "prefect: UI served from the writable static dir" \
    retry 20 sh -c "$D exec $P-probe curl -sf http://127.0.0.1:4200/ | grep -qi '<html'"
  check "prefect: REST API round trip (create + read a flow)" \
    sh -c "$D exec $P-probe curl -sf -X POST -H 'content-type: application/json' -d '{\"name\":\"e2e-image-check\"}' http://127.0.0.1:4200/api/flows/ | grep -q e2e-image-check"
fi

if want prefect && want postgres && want redis; then
  check "prefect: 'prefect server services start' keeps running for 20 s with Postgres + Redis (uid 1001, read-only root)" \
    sh -c "$D run -d --name $P-prefect-svc --network $NET --user 1001:1001 ${RO[*]} ${PMNT[*]} ${PENV[*]} ${DBENV[*]} ${REDENV[*]} $T prefect server services start >/dev/null && sleep 20 && [ \"\$($D inspect -f '{{.State.Running}}' $P-prefect-svc)\" = true ] && ! $D logs $P-prefect-svc 2>&1 | grep -q Traceback"
  check "prefect: prefect-redis in use: messaging keys in Redis db 0, Docket keys in db 1" \
    $D exec "$P-probe" sh -c '[ "$(redis-cli -h 127.0.0.1 -a redis-e2e-pw --no-auth-warning -n 0 --scan --pattern "message:*" | wc -l)" -gt 0 ] && [ "$(redis-cli -h 127.0.0.1 -a redis-e2e-pw --no-auth-warning -n 1 --scan --pattern "prefect:*" | wc -l)" -gt 0 ]'
fi

# ---- prefect-kubernetes (worker image) ----
if want prefect-kubernetes; then
  K="${TAG[prefect-kubernetes]}"
  check "prefect-kubernetes: same entrypoint; prefect 3.9.1 with prefect-kubernetes (uid 1001, read-only root)" \
    sh -c "[ \"\$($D inspect -f '{{json .Config.Entrypoint}}' $K)\" = '[\"/usr/bin/tini\",\"-g\",\"--\",\"/opt/prefect/entrypoint.sh\"]' ] && $D run --rm --network none --user 1001:1001 ${RO[*]} ${PMNT[*]} -e HOME=/home/prefect $K prefect version | grep -q 'prefect-kubernetes'"
  check "prefect-kubernetes: creates a 'kubernetes' work pool against the API server (worker type registered)" \
    sh -c "$D run --rm --network $NET --user 1001:1001 ${RO[*]} ${PMNT[*]} -e HOME=/home/prefect -e PREFECT_API_URL=http://127.0.0.1:4200/api $K prefect work-pool create e2e-k8s --type kubernetes >/dev/null && $D exec $P-probe curl -sf -X POST -H 'content-type: application/json' -d '{}' http://127.0.0.1:4200/api/work_pools/filter | jq -e '.[] | select(.name == \"e2e-k8s\" and .type == \"kubernetes\") | .base_job_template.job_configuration.job_manifest.kind == \"Job\"'"
fi

# ---- prefect-previous (the prefect recipe at the release before; the upgrade scenario runs it in the cluster) ----
if want prefect-previous; then
  PREV="$(. "$HERE/versions.env" && echo "$PREFECT_PREVIOUS_VERSION")"
  check "prefect-previous: prefect $PREV as uid 1001 (read-only root), prefect-redis importable" \
    sh -c "$D run --rm --network none --user 1001:1001 ${RO[*]} --tmpfs /tmp --tmpfs /home/prefect:uid=1001,gid=1001 -e HOME=/home/prefect ${TAG[prefect-previous]} python -c 'import prefect, prefect_redis; print(prefect.__version__)' | grep -qx '$PREV'"
fi

# ---- pgadmin ----
if want pgadmin; then
  cat >"$TMPD/servers.json" <<'JSON'
{"Servers": {"1": {"Name": "prefect", "Group": "Servers", "Host": "127.0.0.1", "Port": 5432,
 "MaintenanceDB": "postgres", "Username": "prefect", "SSLMode": "prefer"}}}
JSON
  mkdir -p "$TMPD/pgadmin-data"; chown 5050:0 "$TMPD/pgadmin-data"; chmod 770 "$TMPD/pgadmin-data"
  printf 'pgadmin-pw' >"$TMPD/secrets/pgapw"; chmod 644 "$TMPD/servers.json" "$TMPD/secrets/pgapw"
  check "pgadmin: python has cap_net_bind_service like the official image (drop ALL without NET_BIND_SERVICE cannot exec it)" \
    sh -c "! $D run --rm --network none --user 5050 --cap-drop ALL --entrypoint /venv/bin/python3 ${TAG[pgadmin]} -c 'print(1)'"
  check "pgadmin: starts as uid 5050 on PGADMIN_LISTEN_PORT=8080 (servers.json, password file)" \
    $D run -d --name "$P-pgadmin" --network "$NET" --user 5050 --security-opt no-new-privileges \
      --cap-drop ALL --cap-add NET_BIND_SERVICE \
      -v "$TMPD/pgadmin-data:/var/lib/pgadmin" \
      -e PGADMIN_DEFAULT_EMAIL=admin@example.com -e PGADMIN_DEFAULT_PASSWORD_FILE=/run/secrets/pgapw \
      -e PGADMIN_LISTEN_PORT=8080 -e PGADMIN_DISABLE_POSTFIX=true \
      -e PGADMIN_SERVER_JSON_FILE=/pgadmin4/e2e-servers.json -e PGADMIN_REPLACE_SERVERS_ON_STARTUP=True \
      -v "$TMPD/servers.json:/pgadmin4/e2e-servers.json:ro" -v "$TMPD/secrets/pgapw:/run/secrets/pgapw:ro" \
      "${TAG[pgadmin]}"
  check "pgadmin: /misc/ping answers PING" \
    retry 150 sh -c "[ \"\$($D exec $P-probe curl -sf http://127.0.0.1:8080/misc/ping)\" = PING ]"
  check "pgadmin: login page served by gunicorn" \
    sh -c "$D exec $P-probe curl -s -L http://127.0.0.1:8080/ | grep -qi pgadmin"
  check "pgadmin: servers.json imported (server 'prefect' in the config db)" \
    $D exec "$P-pgadmin" /venv/bin/python3 -c "import sqlite3; c=sqlite3.connect('/var/lib/pgadmin/pgadmin4.db'); assert c.execute(\"select count(*) from server where name='prefect'\").fetchone()[0]==1"
  check "pgadmin: restart with PGADMIN_REPLACE_SERVERS_ON_STARTUP=True re-imports servers.json (replaced, still one server)" \
    sh -c "$D restart -t 5 $P-pgadmin >/dev/null && sleep 3 && for i in \$(seq 120); do [ \"\$($D exec $P-probe curl -sf http://127.0.0.1:8080/misc/ping)\" = PING ] && break; sleep 1; done && [ \"\$($D logs $P-pgadmin 2>&1 | grep -c 'Loading servers with')\" = 2 ] && [ \"\$($D logs $P-pgadmin 2>&1 | grep -c 'Application Initialisation')\" = 1 ] && $D exec $P-pgadmin /venv/bin/python3 -c \"import sqlite3; c=sqlite3.connect('/var/lib/pgadmin/pgadmin4.db'); n=c.execute('select count(*) from server').fetchone()[0]; print(n); assert n==1\""
fi

# ---- rclone ----
if want rclone; then
  T="${TAG[rclone]}"
  check "rclone: user 1009:1009, entrypoint [rclone], workdir /data, rclone v1.75.1" \
    sh -c "[ \"\$($D inspect -f '{{.Config.User}} {{json .Config.Entrypoint}} {{.Config.WorkingDir}}' $T)\" = '1009:1009 [\"rclone\"] /data' ] && [ \"\$($D run --rm --network none ${RO[*]} $T version | sed -n 1p)\" = 'rclone v1.75.1' ]"
  # The e2e S3 server as its Deployment runs it (test/e2e/stack/s3.yaml): non-root, read-only root, storage on a volume.
  # Port 19000: the containers of this script share one loopback (pgAdmin listens on 8080). Checked still running
  # after 2 s: `docker run -d` succeeds even when the server exits at once (a port taken, a bad flag).
  check "rclone: 'serve s3' as uid 1009 (read-only root, keys from the environment, storage on a tmpfs), still running after 2 s" \
    sh -c "$D run -d --name $P-s3 --network $NET ${RO[*]} --tmpfs /tmp --tmpfs /data:uid=1009,gid=1009 \
      -e RCLONE_AUTH_KEY='\"e2e-key,e2e-secret\"' $T serve s3 --addr :19000 /data >/dev/null \
      && sleep 2 && [ \"\$($D inspect -f '{{.State.Running}}' $P-s3)\" = true ]"
  # The stack's upload container as its CronJob runs it (charts/data/postgres-backup.ts): `sh -c`, the postgres UID,
  # read-only root, HOME and the config file on /tmp, a remote "backup" from RCLONE_CONFIG_BACKUP_* only.
  check "rclone: the upload container's copyto (sh -c, uid 999, remote from the environment) stores an object; lsf and cat read it back" \
    retry 20 $D run --rm --network "$NET" --user 999:999 "${RO[@]}" --tmpfs /tmp --entrypoint sh \
      -e HOME=/tmp -e RCLONE_CONFIG=/tmp/rclone.conf -e RCLONE_CONFIG_BACKUP_TYPE=s3 -e RCLONE_CONFIG_BACKUP_PROVIDER=Other \
      -e RCLONE_CONFIG_BACKUP_ENV_AUTH=false -e RCLONE_CONFIG_BACKUP_REGION=us-east-1 \
      -e RCLONE_CONFIG_BACKUP_ENDPOINT=http://127.0.0.1:19000 -e RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID=e2e-key \
      -e RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY=e2e-secret "$T" -c 'set -eu
        rclone mkdir backup:bucket
        head -c 3000000 /dev/urandom >/tmp/f.dump
        rclone copyto --s3-no-check-bucket /tmp/f.dump backup:bucket/p/f.dump
        [ "$(rclone lsf backup:bucket/p)" = f.dump ]
        [ "$(rclone cat backup:bucket/p/f.dump | sha256sum)" = "$(sha256sum </tmp/f.dump)" ]'
  check "rclone: a wrong secret key is refused by the server" \
    sh -c "! $D run --rm --network $NET ${RO[*]} --tmpfs /tmp -e RCLONE_CONFIG_X_TYPE=s3 -e RCLONE_CONFIG_X_PROVIDER=Other -e RCLONE_CONFIG_X_ENDPOINT=http://127.0.0.1:19000 -e RCLONE_CONFIG_X_ACCESS_KEY_ID=e2e-key -e RCLONE_CONFIG_X_SECRET_ACCESS_KEY=wrong -e RCLONE_RETRIES=1 -e RCLONE_LOW_LEVEL_RETRIES=1 $T lsf x:bucket"
fi

if [ "$FAIL" -gt 0 ]; then
  printf 'failed checks:\n'; printf '  %s\n' "${FAILED[@]}"
  for c in $($D ps -a --filter "name=^$P-" --format '{{.Names}}'); do
    echo "--- logs $c"; $D logs --tail 30 "$c" 2>&1
  done
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
