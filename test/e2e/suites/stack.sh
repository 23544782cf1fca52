#!/usr/bin/env bash
# The whole stack on the single-node e2e cluster, end to end (issue 8). Run by test/e2e/run.sh with the cluster's
# env file as $1 (images imported by run.sh); standalone: `bash test/e2e/suites/stack.sh [env file]` after
# test/e2e/cluster/up.sh and test/e2e/images/import.sh. Config: test/e2e/stack/stack.yaml. Last line:
# "stack: N passed, N failed". Each scenario prints PASS/FAIL/SKIP; a failed boot skips the rest (they need it).
#
#   boot         synth + apply → every Deployment and StatefulSet Ready, the migrate Job Complete exactly once
#                (also after a second apply); prints apply→all-Ready seconds
#   front-door   /api/health, the UI's HTML, a websocket upgrade on /api/events/out (101), pgAdmin and the
#                Redis UI, all through Traefik (IngressClass nginx) at the node IP with the configured hosts
#   flow-run     a Prefect client on the host, through the edge by the configured host name, creates a deployment
#                on pool `kubernetes`; the in-cluster worker runs it as a Job; the run is Completed and its log
#                line is readable through the API
#   process-worker  a process worker on the host polls pool `e2e-process` through the edge and runs a flow as a
#                local subprocess (its logs, state and events go through the edge); the worker is ONLINE
#   isolation    NetworkPolicies: Redis UI ↛ Postgres, pgAdmin ↛ Redis, another namespace ↛ API pods and
#                metrics ports; the allowed flows (Redis UI → Redis, pgAdmin → Postgres) work
#   monitoring   from namespace `monitoring`, every endpoint a ServiceMonitor targets answers, with every
#                exporter metric the PrometheusRule reads; the same ports are closed from another namespace
#   backup-restore  a Job from the backup CronJob writes a dump; restore (README procedure) → row counts and
#                checksums equal those at backup time, the later change is gone, the API serves again
#   backup-s3    the off-cluster copy (issue 14): a real S3 server (rclone serve s3, namespace s3, test/e2e/stack/s3.yaml);
#                a backup Job's upload container copies the dump; the object is listed and read from namespace s3
#                (sha256 equal to the claim's copy); the same pod shape fails against a port the NetworkPolicy does not
#                allow; the claim's copy is removed and fetched back from S3, restored (docs/operations.md) → row
#                counts and checksums equal those at backup time; prints backup+upload, fetch and restore seconds
#   events-across-replicas  an event emitted into one API replica reaches a websocket subscriber of the other
#                (the replicas share events only through Redis)
#   edge-overhead  p50/p95 of /api/health through the edge vs straight to the API Service, from one pod in the
#                edge's namespace, interleaved (a figure: the ratio)
#   failover     GETs through the edge (edge_load, ≈ 8/s) while an API pod is deleted: 0 failed, a replacement
#                becomes Ready; prints the load's p50/p95 and every failure with its time after the delete
#   rollout      the same load during `kubectl rollout restart` of the API: 0 failed, the rollout completes
#   load-baseline  the flow-run load harness (test/e2e/stack/flow-load.py via flow_load): a host client through the
#                edge creates one flow run of 20 mapped tasks every 4 s for 60 s, a process worker on the host runs them,
#                a deployment on a 10 s interval schedule sits on a pool nobody polls; no fault: 0 lost runs, 0 errors,
#                scheduling goes on (the control for the scenarios below)
#   pg-delete, redis-delete, services-delete  the same load for $STACK_LOAD_SECONDS (150) with the Postgres pod, the
#                Redis pod or the background-services pod deleted 40 s in: the single-instance data tier's honest
#                figures (ready-gap through the edge, client-visible errors, lost runs, scheduling resumed), printed as
#                FIGURE lines; they fail only when nothing could be measured (issue 20)
#   pg-delete-retry500  pg-delete with PREFECT_CLIENT_RETRY_EXTRA_CODES=500 on the clients: 0 lost, 0 errors
#   upgrade      the previous Prefect release (image prefect-previous) in namespace prefect-upgrade, then re-applied
#                with the pinned one under load: the new migrate Job runs once and completes before any new API
#                pod is Ready, the database reaches the new Alembic head, earlier data is served, 0 failed requests
# Env: E2E_FAULTS=1 runs the fault scenarios (load-baseline … services-delete; npm run test:e2e:faults), off by
# default. STACK_LOAD_SECONDS (150) = the fault scenarios' load duration. STACK_KEEP=1 leaves the namespaces after the run (default: deleted; the main stack is also deleted before the
# upgrade scenario's stack is applied). STACK_ONLY="boot failover …" runs only the named scenarios (the main stack's
# need boot; upgrade needs nothing).
set -uo pipefail
ENV_FILE="${1:-${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}/env}"
[ -f "$ENV_FILE" ] || { echo "no env file $ENV_FILE: run test/e2e/cluster/up.sh first" >&2; exit 2; }
# shellcheck disable=SC1090
. "$ENV_FILE"
# shellcheck source=../stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"

PASSED=0; FAILED=0; FAILS=(); SKIPS=()
WORK="$(mktemp -d /tmp/e2e-stack.XXXXXX)"
PF_PIDS=()
stop_port_forwards() { local p; for p in "${PF_PIDS[@]}"; do kill "$p" 2>/dev/null; done; PF_PIDS=(); }
cleanup() {
  stop_port_forwards
  edge_hosts_remove
  if [ "${STACK_KEEP:-0}" != 1 ]; then
    K delete namespace "$NS" prefect-upgrade e2e-outside monitoring "$S3_NS" --ignore-not-found --wait=false >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

run_scenario() { # <name> <function>
  local t0 rc
  if [ -n "${STACK_ONLY:-}" ] && ! tr ' ' '\n' <<<"$STACK_ONLY" | grep -qxF -- "$1"; then skip "$1" "not in STACK_ONLY"; return 1; fi
  t0=$(date +%s)
  log "RUN  $1"
  ( set -e; "$2" ); rc=$?
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); log "PASS $1 ($(( $(date +%s) - t0 ))s)"
  else FAILED=$((FAILED + 1)); FAILS+=("$1"); log "FAIL $1 ($(( $(date +%s) - t0 ))s)"; fi
  return "$rc"
}
skip() { SKIPS+=("$1"); log "SKIP $1: $2"; }

dump_state() {
  log "state of namespace $NS:"
  KN get pods,jobs -o wide >&2 || true
  KN get events --sort-by=.lastTimestamp 2>/dev/null | tail -20 >&2 || true
}

# ---------------------------------------------------------------------------------------------------- boot
s_boot() {
  synth "$WORK/dist"
  create_secrets
  s3_apply
  local t0 t1 i
  t0=$(date +%s.%N)
  K apply -f "$WORK/dist" >/dev/null
  for ((i = 0; i < 300; i++)); do   # at most 10 min
    all_ready && [ "$(KN get jobs -l app.kubernetes.io/component=migrate -o jsonpath='{.items[*].status.succeeded}')" = 1 ] && break
    sleep 2
  done
  t1=$(date +%s.%N)
  all_ready || { log "not ready after 600 s: $NOT_READY"; dump_state; return 1; }
  local jobs; jobs="$(migrate_job | wc -l)"
  [ "$jobs" = 1 ] || { log "expected one migrate Job, found $jobs"; return 1; }
  local j; j="$(migrate_job)"
  [ "$(KN get "$j" -o jsonpath='{.status.succeeded}/{.status.failed}')" = "1/" ] || { log "migrate Job: $(KN get "$j" -o jsonpath='{.status}')"; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "[stack] FIGURE apply->all-Ready: %.1f s\n", b - a}' >&2
  # Applying the same release again must neither re-run nor re-create the migrate Job.
  K apply -f "$WORK/dist" >/dev/null
  sleep 3
  [ "$(migrate_job)" = "$j" ] && [ "$(KN get pods -l app.kubernetes.io/component=migrate --no-headers | wc -l)" = 1 ] \
    || { log "the second apply changed the migrate Job(s): $(migrate_job | tr '\n' ' ')"; return 1; }
  all_ready || { log "not ready after the second apply: $NOT_READY"; return 1; }
}

# ---------------------------------------------------------------------------------------------- front-door
s_front_door() {
  local out code
  out="$(curl_edge "$PREFECT_HOST" /api/health)"; [ "$out" = true ] || { log "/api/health: $out"; return 1; }
  out="$(curl_edge "$PREFECT_HOST" /)"; grep -qi '<!doctype html>' <<<"$out" && grep -q '<div id="app"' <<<"$out" \
    || { log "UI: no HTML app shell: ${out:0:200}"; return 1; }
  # The app shell's script, then the UI's first API call: /ui-settings tells it where the API is (externalUrl/api).
  local script; script="$(grep -o 'src="[^"]*\.js"' <<<"$out" | head -1 | cut -d'"' -f2)"
  code="$(curl_edge "$PREFECT_HOST" "$script" -o /dev/null -w '%{http_code} %{content_type}')"
  [[ "$code" == "200 "*javascript* ]] || { log "UI script $script: $code"; return 1; }
  out="$(curl_edge "$PREFECT_HOST" /ui-settings)"
  python3 -c 'import json, sys; s = json.loads(sys.argv[1]); assert s["api_url"] == sys.argv[2] and s["available_uis"], s' \
    "$out" "http://$PREFECT_HOST/api" || { log "/ui-settings: $out"; return 1; }
  # Version through the edge: the server's own answer.
  local version; version="$(sed -n 's/^  version: "\(.*\)"$/\1/p' "$STACK_CONFIG")"
  out="$(curl_edge "$PREFECT_HOST" /api/admin/version)"; [ "$out" = "\"$version\"" ] || { log "/api/admin/version: $out, config: $version"; return 1; }
  # A websocket upgrade through Traefik (Prefect's events stream); curl ends after 5 s of the open socket.
  code="$(curl_edge "$PREFECT_HOST" /api/events/out -o /dev/null -w '%{http_code}' --max-time 5 -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' 2>/dev/null || true)"
  [ "$code" = 101 ] || { log "websocket upgrade on /api/events/out: HTTP $code"; return 1; }
  # Unknown host: not routed to the stack.
  code="$(curl_edge nothing.e2e.test /api/health -o /dev/null -w '%{http_code}')"; [ "$code" = 404 ] || { log "unknown host: $code"; return 1; }
  out="$(curl_edge "$PGADMIN_HOST" /misc/ping)"; [ "$out" = PING ] || { log "pgAdmin /misc/ping: $out"; return 1; }
  # pgAdmin's login page (its own auth), and redis-commander's login (HTTP_USER/HTTP_PASSWORD).
  # (Outputs are captured before grep: `curl | grep -q` fails under pipefail when grep exits first, SIGPIPE.)
  out="$(curl_edge "$PGADMIN_HOST" /login -L)"; grep -qi 'pgadmin' <<<"$out" || { log "pgAdmin login page missing"; return 1; }
  out="$(curl_edge "$REDIS_UI_HOST" /healthcheck | tr -d " \n")"; [ "$out" = ok ] || { log "Redis UI /healthcheck: $out"; return 1; }
  local pw; pw="$(secret_value prefect-redis-ui password)"
  out="$(curl_edge "$REDIS_UI_HOST" /signin -X POST --data-urlencode username=admin --data-urlencode password=wrong)"
  grep -q '"ok":false' <<<"$out" || { log "Redis UI sign-in with a wrong password: $out"; return 1; }
  out="$(curl_edge "$REDIS_UI_HOST" /signin -X POST --data-urlencode username=admin --data-urlencode "password=$pw")"
  grep -q '"ok":true' <<<"$out" || { log "Redis UI sign-in with the Secret's password: $out"; return 1; }
  log "front door: health, UI shell + script + /ui-settings, version $version, websocket 101, unknown host 404, pgAdmin, Redis UI login (wrong password refused)"
}

# ------------------------------------------------------------------------------------------------ flow-run
flow_run_pod_succeeded() {
  local phases; phases="$(KN get pods -l app.kubernetes.io/component=flow-run,prefect.io/flow-name=e2e-hello -o jsonpath='{.items[*].status.phase}')"
  grep -q Succeeded <<<"$phases"
}
s_flow_run() {
  local venv rc=0
  venv="$(bash "$REPO/test/worker/prefect-venv.sh" | tail -1)"
  edge_hosts_add
  host_prefect timeout 420 "$venv/bin/python" "$STACK_DIR/flow-run.py" kubernetes 300 >&2 || rc=$?
  [ "$rc" = 0 ] || { dump_state; KN logs deploy/"$INSTANCE"-worker --tail=40 >&2; return 1; }
  # The run really was a Job of the worker in the stack's namespace, and its pod finished (the state is
  # reported before the process exits, so give the pod a moment).
  retry 30 2 flow_run_pod_succeeded || { log "no Succeeded flow-run pod: $(KN get pods -l app.kubernetes.io/component=flow-run --no-headers)"; return 1; }
}

# ------------------------------------------------------------------------------------------ process-worker
# A process worker on the host polls a pool through the edge and runs the flow as a local subprocess, whose logs,
# state and events go back through the edge too. The worker is seen ONLINE by the API while it runs.
s_process_worker() {
  local venv rc=0 pool=e2e-process worker workers
  venv="$(bash "$REPO/test/worker/prefect-venv.sh" | tail -1)"
  edge_hosts_add
  host_prefect "$venv/bin/prefect" work-pool create "$pool" --type process --overwrite >&2
  ( cd "$WORK" && host_prefect_env && exec timeout 400 "$venv/bin/prefect" worker start --pool "$pool" --type process --limit 1 ) \
    >"$WORK/process-worker.log" 2>&1 &
  worker=$!   # timeout's pid (exec): a kill reaches the worker
  host_prefect timeout 300 "$venv/bin/python" "$STACK_DIR/flow-run.py" "$pool" 240 >&2 || rc=$?
  workers="$(curl_edge "$PREFECT_HOST" "/api/work_pools/$pool/workers/filter" -X POST -H 'Content-Type: application/json' -d '{}')"
  kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true   # a killed job's status is not 0
  [ "$rc" = 0 ] || { log "process worker's log:"; tail -30 "$WORK/process-worker.log" >&2; return 1; }
  grep -q '"status":"ONLINE"' <<<"$workers" || { log "no ONLINE worker in pool $pool: $workers"; return 1; }
}

# ----------------------------------------------------------------------------------------------- isolation
pod_of() { KN get pod -l "app.kubernetes.io/component=$1" -o jsonpath='{.items[0].metadata.name}'; }
expect_open() { tcp_open_from "$@" || { log "expected OPEN: $*"; return 1; }; }
expect_closed() { if tcp_open_from "$@"; then log "expected CLOSED: $*"; return 1; fi; }

s_isolation() {
  local ui pga api_ip
  ui="$(pod_of redis-ui)"; pga="$(pod_of pgadmin)"
  api_ip="$(KN get pod -l app.kubernetes.io/component=api -o jsonpath='{.items[0].status.podIP}')"
  # From the stack's own frontend pods (their real labels), by Service name.
  expect_open "$NS" "$ui" "" "$INSTANCE-redis" 6379
  expect_closed "$NS" "$ui" "" "$INSTANCE-postgres" 5432
  expect_closed "$NS" "$ui" "" "$INSTANCE-api" 4200
  expect_open "$NS" "$pga" "" "$INSTANCE-postgres" 5432
  expect_closed "$NS" "$pga" "" "$INSTANCE-redis" 6379
  expect_closed "$NS" "$pga" "" "$INSTANCE-api" 4200
  # From a pod in another namespace: the API pods (pod IP and Service), the data servers and their exporters.
  K create namespace e2e-outside >/dev/null 2>&1 || true
  probe_pod e2e-outside probe
  expect_closed e2e-outside probe "" "$api_ip" 4200
  expect_closed e2e-outside probe "" "$INSTANCE-api.$NS.svc" 4200
  expect_closed e2e-outside probe "" "$INSTANCE-postgres.$NS.svc" 5432
  expect_closed e2e-outside probe "" "$INSTANCE-redis.$NS.svc" 6379
  expect_closed e2e-outside probe "" "$INSTANCE-postgres.$NS.svc" 9187
  # The probe itself works (DNS answers, and it can reach something open to it): the closed results are policy.
  local addr; addr="$(K -n e2e-outside exec probe -- dig +short +time=2 +tries=2 "$INSTANCE-api.$NS.svc.cluster.local")"
  [ -n "$addr" ] \
    || { log "probe pod cannot resolve names"; return 1; }
  expect_open e2e-outside probe "" kube-dns.kube-system.svc 53
  # And the edge → API flow works while every other path into the API is closed (scenario front-door too).
  [ "$(curl_edge "$PREFECT_HOST" /api/health)" = true ]
}

# ---------------------------------------------------------------------------------------------- monitoring
# scrape_targets: "<servicemonitor> <pod ip> <port number> <path>" for every endpoint a ServiceMonitor targets.
scrape_targets() {
  KN get servicemonitors -o json | python3 -c '
import json, subprocess, sys
kubectl, ns = sys.argv[1], sys.argv[2]
for sm in json.load(sys.stdin)["items"]:
    for ep in sm["spec"]["endpoints"]:
        keep = [r["regex"] for r in ep.get("relabelings", []) if r.get("action") == "keep"
                and r.get("sourceLabels") == ["__meta_kubernetes_service_name"]]
        sel = ",".join(f"{k}={v}" for k, v in sm["spec"]["selector"]["matchLabels"].items())
        svcs = json.loads(subprocess.check_output([kubectl, "-n", ns, "get", "svc", "-l", sel, "-o", "json"]))["items"]
        for svc in svcs:
            name = svc["metadata"]["name"]
            if keep and name not in keep:
                continue
            slices = json.loads(subprocess.check_output([kubectl, "-n", ns, "get", "endpointslices", "-l",
                                                         f"kubernetes.io/service-name={name}", "-o", "json"]))["items"]
            for s in slices:
                port = next(p["port"] for p in s["ports"] if p["name"] == ep["port"])
                for e in s["endpoints"]:
                    for a in e["addresses"]:
                        print(sm["metadata"]["name"], a, port, ep.get("path", "/metrics"))
' "$KUBECTL" "$NS"
}

s_monitoring() {
  K create namespace monitoring >/dev/null 2>&1 || true
  probe_pod monitoring prom
  local targets n=0 sm ip port path
  targets="$(scrape_targets)"
  [ "$(cut -d' ' -f1 <<<"$targets" | sort -u | wc -l)" -ge 3 ] || { log "ServiceMonitor targets: $targets"; return 1; }
  : >"$WORK/scraped"
  while read -r sm ip port path; do
    K -n monitoring exec prom -- curl -sS --max-time 10 "http://$ip:$port$path" >"$WORK/m.$n" || { log "$sm: http://$ip:$port$path failed"; return 1; }
    grep -v '^#' "$WORK/m.$n" | sed 's/[{ ].*//' | sort -u >>"$WORK/scraped"
    log "$sm http://$ip:$port$path: $(grep -vc '^#' "$WORK/m.$n") samples"
    # Closed from a namespace that is not Prometheus'.
    if [ -n "$(K -n e2e-outside get pod probe -o name 2>/dev/null)" ]; then
      expect_closed e2e-outside probe "" "$ip" "$port"
    fi
    n=$((n + 1))
  done <<<"$targets"
  # The exporters see their servers.
  grep -Eqh '^pg_up(\{[^}]*\})? 1$' "$WORK"/m.* || { log "pg_up is not 1: $(cat "$WORK"/m.* | grep '^pg_up')"; return 1; }
  # …postgres_exporter as its pg_monitor role (it has no password: the pod-local socket is its only way in).
  [ "$(PSQL "select rolsuper::text || ' ' || pg_has_role(oid, 'pg_monitor', 'member')::text || ' ' || (rolpassword is null)::text
    from pg_authid where rolname = 'postgres_exporter'")" = "false true true" ] || { log "postgres_exporter is not a pg_monitor role without password"; return 1; }
  grep -Eqh '^redis_up(\{[^}]*\})? 1$' "$WORK"/m.* || { log "redis_up is not 1: $(cat "$WORK"/m.* | grep '^redis_up')"; return 1; }
  grep -qx process_resident_memory_bytes "$WORK/scraped" || { log "the API's /api/metrics lacks process metrics"; return 1; }
  # Every exporter metric the alert rules read is scraped.
  local missing
  missing="$(KN get prometheusrules -o json | python3 -c 'import json,sys; [print(json.dumps(i)) for i in json.load(sys.stdin)["items"]]' \
    | while read -r r; do python3 "$STACK_DIR/rule-metrics.py" <<<"$r"; done | sort -u | comm -23 - <(sort -u "$WORK/scraped"))"
  # Known difference of the e2e image (test/e2e/images/README.md): postgres_exporter is Debian's 0.17.1, whose
  # stat_user_tables collector exports one pg_stat_user_tables_size_bytes; the pinned 0.18.1 exports the table and
  # index sizes separately (the names the rules use). Accepted here only while 0.17.1's combined metric is scraped.
  local lacks="pg_stat_user_tables_index_size_bytes pg_stat_user_tables_table_size_bytes" m
  if grep -qx pg_stat_user_tables_size_bytes "$WORK/scraped"; then
    for m in $lacks; do
      grep -qx "$m" <<<"$missing" && log "NOTE $m: not in postgres_exporter 0.17.1 (e2e image), in the pinned 0.18.1"
      missing="$(grep -vx "$m" <<<"$missing" || true)"
    done
  fi
  [ -z "$missing" ] || { log "metrics the PrometheusRule reads but no target exports: $(tr '\n' ' ' <<<"$missing")"; return 1; }
  log "scraped every exporter metric the PrometheusRule reads: $(KN get prometheusrules -o json | python3 -c 'import json,sys; [print(json.dumps(i)) for i in json.load(sys.stdin)["items"]]' | while read -r r; do python3 "$STACK_DIR/rule-metrics.py" <<<"$r"; done | sort -u | wc -l) names"
}

# ------------------------------------------------------------------------------------------ backup-restore
PSQL() { KN exec "$INSTANCE-postgres-0" -c postgres -- psql -U postgres -d prefect -v ON_ERROR_STOP=1 -Atc "$1"; }
# One line per table of Prefect's data: name, row count and an md5 over its rows in a stable order.
fingerprint() {
  PSQL "select string_agg(t || ' ' || n, E'\n' order by t) from (
    select 'flow' t, count(*) n from flow union all select 'flow_run', count(*) from flow_run
    union all select 'deployment', count(*) from deployment union all select 'log', count(*) from log
    union all select 'work_pool', count(*) from work_pool) x;
    select 'flow_run_md5 ' || md5(coalesce(string_agg(id::text || name || coalesce(state_type::text, ''), ',' order by id), '')) from flow_run;
    select 'deployment_md5 ' || md5(coalesce(string_agg(id::text || name, ',' order by id), '')) from deployment;"
}

wait_job() { # <job> <timeout s>: Complete → 0, Failed or timeout → 1
  local i s
  for ((i = 0; i < $2; i += 2)); do
    s="$(KN get "job/$1" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}' 2>/dev/null)"
    case "$s" in *Complete=True*) return 0 ;; *Failed=True*) log "job $1 failed"; KN logs "job/$1" --all-containers --tail=30 >&2; return 1 ;; esac
    sleep 2
  done
  log "job $1 did not finish in $2 s"; KN logs "job/$1" --all-containers --tail=30 >&2; return 1
}

s_backup_restore() {
  local before after changed bj rj dump t0
  # Its backup Job uploads to S3 too (stack.yaml backups.s3): the server must be there.
  s3_ready || { log "the S3 server in namespace $S3_NS is not ready"; K -n "$S3_NS" get pods -o wide >&2; return 1; }
  before="$(fingerprint)"
  bj="e2e-backup-$(date +%s)"
  t0=$(date +%s)
  KN create job "$bj" --from=cronjob/"$INSTANCE"-postgres-backup >/dev/null
  wait_job "$bj" 300
  log "backup Job done in $(( $(date +%s) - t0 )) s"
  dump="$(KN logs "job/$bj" --all-containers | grep -o 'prefect-[0-9]\{8\}T[0-9]\{6\}Z\.dump' | tail -1)"
  [ -n "$dump" ] || { log "no dump named in the backup's log:"; KN logs "job/$bj" --all-containers >&2; return 1; }
  log "dump: $dump"
  # A change after the backup, which the restore must undo.
  PSQL "insert into flow (id, name) values (gen_random_uuid(), 'e2e-after-backup')" >/dev/null
  changed="$(fingerprint)"
  [ "$changed" != "$before" ] || { log "the change after the backup did not change the fingerprint"; return 1; }
  # The README's procedure: stop the writers, restore the named dump, start them again.
  local api_replicas; api_replicas="$(KN get deploy "$INSTANCE-api" -o jsonpath='{.spec.replicas}')"
  KN scale deployment/"$INSTANCE"-api deployment/"$INSTANCE"-background-services --replicas=0 >/dev/null
  rj="e2e-restore-$(date +%s)"
  t0=$(date +%s)
  KN create job "$rj" --from=cronjob/"$INSTANCE"-postgres-restore --dry-run=client -o yaml \
    | K set env --local -f - DUMP="$dump" -o yaml | KN create -f - >/dev/null
  wait_job "$rj" 300
  log "restore Job done in $(( $(date +%s) - t0 )) s: $(KN logs "job/$rj" --all-containers | tail -1)"
  KN scale deployment/"$INSTANCE"-background-services --replicas=1 >/dev/null
  KN scale deployment/"$INSTANCE"-api --replicas="$api_replicas" >/dev/null
  after="$(fingerprint)"
  [ "$after" = "$before" ] || { log "rows differ after the restore:"; diff <(echo "$before") <(echo "$after") >&2; return 1; }
  log "restored rows equal those at backup time: $(tr '\n' ' ' <<<"$before")"
  # The replaced database is kept, fenced.
  [ -n "$(PSQL "select datname from pg_database where datname like 'prefect_pre_restore_%' and not datallowconn")" ] \
    || { log "no fenced prefect_pre_restore_* database"; return 1; }
  retry 90 2 all_ready || { log "not ready after the restore: $NOT_READY"; return 1; }
  [ "$(curl_edge "$PREFECT_HOST" /api/health)" = true ]
  local flows; flows="$(curl_edge "$PREFECT_HOST" /api/flows/filter -X POST -H 'Content-Type: application/json' -d '{"flows":{"name":{"any_":["e2e-after-backup"]}}}')"
  [ "$flows" = '[]' ] || { log "the API still serves the flow created after the backup: $flows"; return 1; }
}

# ---------------------------------------------------------------------------------------------- backup-s3
# s3_job <job> <script> [env JSON]: a Job from the backup CronJob's template (the backup pods' labels, identity and
# NetworkPolicy, the remote "backup" from the environment) without the dump: one container running <script> with the
# claim writable; backoffLimit 0.
s3_job() {
  KN create job "$1" --from=cronjob/"$INSTANCE"-postgres-backup --dry-run=client -o json \
    | jq --arg script "$2" --argjson env "${3:-[]}" '.spec.backoffLimit = 0 | del(.spec.template.spec.initContainers)
        | .spec.template.spec.containers[0] |= (.name = "s3" | .command = ["sh", "-c", $script] | .env += $env
          | .volumeMounts |= map(if .name == "backups" then .readOnly = false else . end))' \
    | KN create -f - >/dev/null
}
s_backup_s3() {
  local before bj fj rj nj dump t0 obj size sum_s3 flog claim_sum fetched_sum
  s3_ready || { log "the S3 server in namespace $S3_NS is not ready"; K -n "$S3_NS" get pods -o wide >&2; return 1; }
  before="$(fingerprint)"
  # 1. The backup Job: the dump (init container), then the upload container copies it to the bucket.
  bj="e2e-backup-s3-$(date +%s)"
  t0=$(date +%s.%N)
  KN create job "$bj" --from=cronjob/"$INSTANCE"-postgres-backup >/dev/null
  wait_job "$bj" 300
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "[stack] FIGURE backup-s3: backup Job (dump + upload) Complete in %.1f s\n", b - a}' >&2
  # (the backup container's log also names the older dumps it keeps: the new one is the one the upload names)
  dump="$(KN logs "job/$bj" -c upload | sed -n "s#^upload: copied \\(prefect-[0-9]\\{8\\}T[0-9]\\{6\\}Z\\.dump\\) to $S3_BUCKET/$S3_PREFIX\$#\\1#p")"
  [ -n "$dump" ] || { log "the upload container did not report a copy to $S3_BUCKET/$S3_PREFIX:"; KN logs "job/$bj" --all-containers >&2; return 1; }
  KN logs "job/$bj" -c backup | grep -cF "$dump" >/dev/null || { log "the backup container's log does not name $dump"; return 1; }
  # 2. The object, listed and read from outside the stack's namespace (the s3-client pod, namespace s3).
  obj="$(S3C rclone lsl "s3:$S3_BUCKET/$S3_PREFIX" 2>/dev/null | awk -v d="$dump" '$4 == d')"
  [ -n "$obj" ] || { log "$dump is not in s3:$S3_BUCKET/$S3_PREFIX:"; S3C rclone lsl "s3:$S3_BUCKET" >&2; return 1; }
  size="$(awk '{print $1}' <<<"$obj")"
  sum_s3="$(S3C sh -c "rclone cat 's3:$S3_BUCKET/$S3_PREFIX$dump' 2>/dev/null | sha256sum" | cut -d' ' -f1)"
  log "FIGURE backup-s3: object $S3_BUCKET/$S3_PREFIX$dump, $size bytes, sha256 $sum_s3"
  # 3. The negative control: the same pod shape against a port of the same server that the NetworkPolicy does not
  # name fails (8081), though the server answers on it from another namespace.
  S3C env RCLONE_CONFIG_S3_ENDPOINT=http://s3.s3.svc:8081 rclone lsf "s3:$S3_BUCKET/$S3_PREFIX" 2>/dev/null | grep -cxF "$dump" >/dev/null \
    || { log "the S3 server does not answer on 8081 from namespace $S3_NS"; return 1; }
  nj="e2e-s3-egress-$(date +%s)"
  t0=$(date +%s)
  # A new pod's first moments can precede its NetworkPolicy rules (kube-router programs them after the pod starts):
  # the Job waits, proves the allowed port works from the same pod, then tries the unlisted one.
  s3_job "$nj" 'sleep 5; rclone lsf "backup:$S3_BUCKET/$S3_PREFIX" >/dev/null && echo "allowed port: ok" && RCLONE_CONFIG_BACKUP_ENDPOINT=http://s3.s3.svc:8081 rclone lsf "backup:$S3_BUCKET/$S3_PREFIX"' \
    '[{"name":"RCLONE_CONTIMEOUT","value":"5s"},{"name":"RCLONE_RETRIES","value":"1"},{"name":"RCLONE_LOW_LEVEL_RETRIES","value":"1"}]'
  if wait_job "$nj" 90 2>/dev/null; then log "the backup pod reached the S3 server on port 8081, which its NetworkPolicy does not allow"; return 1; fi
  # grep -c, not -q: grep -q leaves at the first match and kubectl, still writing, dies of SIGPIPE, which pipefail
  # reports as the pipeline's failure (CI failed so once: "could not reach the allowed port" above "allowed port: ok")
  KN logs "job/$nj" 2>/dev/null | grep -c 'allowed port: ok' >/dev/null || { log "the egress control's pod could not reach the allowed port 8080 either:"; KN logs "job/$nj" >&2; return 1; }
  KN logs "job/$nj" 2>/dev/null | grep -c 'dial tcp' >/dev/null \
    || { log "the egress control failed otherwise than by a refused or timed-out connection:"; KN logs "job/$nj" >&2; return 1; }
  log "egress control: port 8081 of the same server refused to the backup pod ($(( $(date +%s) - t0 )) s): $(KN logs "job/$nj" 2>/dev/null | grep -o 'dial tcp[^"]*' | head -1)"
  # 4. The claim's copy is lost: a Job of the backup pods' shape removes it and fetches the object back into the claim.
  fj="e2e-s3-fetch-$(date +%s)"
  t0=$(date +%s.%N)
  s3_job "$fj" 'set -eu; f="/backups/$DUMP"
    echo "fetch: claim copy sha256 $(sha256sum <"$f" | cut -d" " -f1)"; rm -f "$f"; [ ! -e "$f" ]
    rclone copyto "backup:$S3_BUCKET/$S3_PREFIX$DUMP" "$f"; chmod 600 "$f"
    echo "fetch: fetched sha256 $(sha256sum <"$f" | cut -d" " -f1) size $(stat -c %s "$f")"' \
    "[{\"name\":\"DUMP\",\"value\":\"$dump\"}]"
  wait_job "$fj" 120
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "[stack] FIGURE backup-s3: fetch Job (claim copy removed, object copied back) Complete in %.1f s\n", b - a}' >&2
  flog="$(KN logs "job/$fj")"
  claim_sum="$(sed -n 's/^fetch: claim copy sha256 //p' <<<"$flog")"
  fetched_sum="$(sed -n 's/^fetch: fetched sha256 \([0-9a-f]*\) .*/\1/p' <<<"$flog")"
  [ -n "$claim_sum" ] && [ "$claim_sum" = "$sum_s3" ] && [ "$fetched_sum" = "$sum_s3" ] \
    || { log "checksums differ: claim $claim_sum, S3 $sum_s3, fetched $fetched_sum"; return 1; }
  log "the claim's copy, the object and the fetched copy have one sha256: $sum_s3"
  # 5. A change after the backup, then the documented restore of the fetched dump.
  PSQL "insert into flow (id, name) values (gen_random_uuid(), 'e2e-after-s3-backup')" >/dev/null
  [ "$(fingerprint)" != "$before" ] || { log "the change after the backup did not change the fingerprint"; return 1; }
  local api_replicas; api_replicas="$(KN get deploy "$INSTANCE-api" -o jsonpath='{.spec.replicas}')"
  KN scale deployment/"$INSTANCE"-api deployment/"$INSTANCE"-background-services --replicas=0 >/dev/null
  rj="e2e-restore-s3-$(date +%s)"
  t0=$(date +%s.%N)
  KN create job "$rj" --from=cronjob/"$INSTANCE"-postgres-restore --dry-run=client -o yaml \
    | K set env --local -f - DUMP="$dump" -o yaml | KN create -f - >/dev/null
  wait_job "$rj" 300
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "[stack] FIGURE backup-s3: restore Job of the fetched dump Complete in %.1f s\n", b - a}' >&2
  log "restore: $(KN logs "job/$rj" --all-containers | tail -1)"
  KN scale deployment/"$INSTANCE"-background-services --replicas=1 >/dev/null
  KN scale deployment/"$INSTANCE"-api --replicas="$api_replicas" >/dev/null
  local after; after="$(fingerprint)"
  [ "$after" = "$before" ] || { log "rows differ after the restore from S3:"; diff <(echo "$before") <(echo "$after") >&2; return 1; }
  log "rows restored from the S3 copy equal those at backup time: $(tr '\n' ' ' <<<"$before")"
  retry 90 2 all_ready || { log "not ready after the restore: $NOT_READY"; return 1; }
  [ "$(curl_edge "$PREFECT_HOST" /api/health)" = true ]
  local flows; flows="$(curl_edge "$PREFECT_HOST" /api/flows/filter -X POST -H 'Content-Type: application/json' -d '{"flows":{"name":{"any_":["e2e-after-s3-backup"]}}}')"
  [ "$flows" = '[]' ] || { log "the API still serves the flow created after the backup: $flows"; return 1; }
}

# ------------------------------------------------------------------------------------- events-across-replicas
s_events_across() {
  local venv rc=0 pods
  venv="$(bash "$REPO/test/worker/prefect-venv.sh" | tail -1)"
  mapfile -t pods < <(KN get pods -l app.kubernetes.io/component=api --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
  [ "${#pods[@]}" -ge 2 ] || { log "need two API pods, have: ${pods[*]}"; return 1; }
  # One port-forward per replica: the subscriber on the first, the emitter on the second.
  KN port-forward "pod/${pods[0]}" 14201:4200 --address 127.0.0.1 >"$WORK/pfa.log" 2>&1 & PF_PIDS+=($!)
  KN port-forward "pod/${pods[1]}" 14202:4200 --address 127.0.0.1 >"$WORK/pfb.log" 2>&1 & PF_PIDS+=($!)
  retry 30 1 curl -sf --max-time 2 http://127.0.0.1:14201/api/health >/dev/null
  retry 30 1 curl -sf --max-time 2 http://127.0.0.1:14202/api/health >/dev/null
  PREFECT_HOME="$WORK/prefect-home" timeout 90 "$venv/bin/python" "$STACK_DIR/events-across.py" \
    http://127.0.0.1:14201/api http://127.0.0.1:14202/api >&2 || rc=$?
  stop_port_forwards
  return "$rc"
}

# ------------------------------------------------------------------------------------------------ failover
# Steady requests through the edge (≈ 8/s, edge_load) while one API pod is deleted: every one answered 200, and a
# replacement becomes Ready. The stack's part: the other replica keeps serving (replicas, PDB), the deleted one
# drains during its preStop sleep while the edge drops it from the endpoints.
s_failover() {
  local victim t_del
  victim="$(KN get pods -l app.kubernetes.io/component=api -o jsonpath='{.items[0].metadata.name}')"
  edge_load "$PREFECT_HOST" 400 "$WORK/failover" &
  local load=$!
  sleep 5
  t_del="$(date +%s.%N)"
  KN delete pod "$victim" --wait=false >/dev/null
  log "deleted $victim under load"
  wait "$load"
  log "FIGURE failover (pod deleted): $(load_summary "$WORK/failover" "$t_del")"
  retry 120 2 all_ready || { log "no replacement Ready: $NOT_READY"; return 1; }
  [ "$(load_failures "$WORK/failover")" = 0 ] || { log "requests failed while an API pod was deleted"; return 1; }
}

# ------------------------------------------------------------------------------------------------- rollout
# The same load through the edge during a rolling update of the API (kubectl rollout restart): 0 failed requests,
# and the rollout completes. The load runs from before the restart until every replica is new and Ready.
s_rollout() {
  local t0 rc=0
  rm -f "$WORK/stop"
  edge_load "$PREFECT_HOST" 3000 "$WORK/rollout" "$WORK/stop" &
  local load=$!
  sleep 3
  t0="$(date +%s.%N)"
  KN rollout restart deployment/"$INSTANCE"-api >/dev/null
  KN rollout status deployment/"$INSTANCE"-api --timeout=300s >/dev/null || rc=1
  sleep 3
  touch "$WORK/stop"; wait "$load"
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "[stack] FIGURE rollout of the API: %.1f s\n", b - a - 3}' >&2
  log "FIGURE rollout under load: $(load_summary "$WORK/rollout" "$t0")"
  [ "$rc" = 0 ] || { log "the rollout did not complete"; return 1; }
  [ "$(load_failures "$WORK/rollout")" = 0 ] || { log "requests failed during the rollout"; return 1; }
}

# ------------------------------------------------------------------------------------------- edge-overhead
# Latency through the edge vs straight to the API Service, from one pod in the edge's namespace (admitted to the API
# by the stack's NetworkPolicy like the edge), the two interleaved so both see the same load: 300 GETs of
# /api/health each, one new connection per request. Prints p50/p95 of each and the ratio (a figure, no threshold).
s_edge_overhead() {
  probe_pod ingress-nginx e2e-latency
  local edge_svc=traefik.ingress-nginx.svc:80   # the edge's Service (test/e2e/cluster/up.sh)
  K -n ingress-nginx exec e2e-latency -- bash -c '
    for i in $(seq 300); do
      curl -s -o /dev/null -w "edge %{http_code} %{time_total}\n" -H "Host: '"$PREFECT_HOST"'" http://'"$edge_svc"'/api/health
      curl -s -o /dev/null -w "direct %{http_code} %{time_total}\n" http://'"$INSTANCE-api.$NS.svc:4200"'/api/health
    done' >"$WORK/latency"
  K -n ingress-nginx delete pod e2e-latency --wait=false >/dev/null
  [ "$(grep -c '^edge 200 ' "$WORK/latency")" = 300 ] && [ "$(grep -c '^direct 200 ' "$WORK/latency")" = 300 ] \
    || { log "not 300 + 300 answers 200: $(cut -d' ' -f1,2 "$WORK/latency" | sort | uniq -c | tr '\n' ' ')"; return 1; }
  local k p50=() p95=()
  for k in edge direct; do
    p50+=("$(awk -v k="$k" '$1 == k {print $3 * 1000}' "$WORK/latency" | percentile 0.5)")
    p95+=("$(awk -v k="$k" '$1 == k {print $3 * 1000}' "$WORK/latency" | percentile 0.95)")
  done
  awk -v e50="${p50[0]}" -v e95="${p95[0]}" -v d50="${p50[1]}" -v d95="${p95[1]}" 'BEGIN {
    printf "[stack] FIGURE edge overhead (300 + 300 GETs): edge p50 %.1f ms p95 %.1f ms, direct p50 %.1f ms p95 %.1f ms, ratio p50 %.2f p95 %.2f\n",
      e50, e95, d50, d95, e50 / d50, e95 / d95}' >&2
}

# ------------------------------------------------------------------------------------------ faults under load
# The flow-run load harness from the host through the edge (flow_load in lib.sh; the interface is flow-load.py's
# docstring), its process worker on the host with 4 slots. Pool e2e-load (created by the harness).
s_load_baseline() {
  flow_load "load baseline (no fault)" "$WORK/load-baseline" --pool e2e-load --duration 60 \
    --max-lost 0 --max-errors 0 --require-schedule
}
# fault_under_load <label> <pod> [flow-load.py options…]: deletes the pod 40 s into the load; the figures are the result
# (the single-instance mode's losses are measured, not limited, unless options add limits such as --max-lost). Fails when
# nothing was measured, a given limit was exceeded, or the stack did not recover.
fault_under_load() {
  local label="$1" pod="$2" rc=0
  KN get pod "$pod" >/dev/null || { log "no pod $pod"; return 1; }
  flow_load "$label" "$WORK/load-${label%% *}" --pool e2e-load --duration "${STACK_LOAD_SECONDS:-150}" \
    --fault "40=kubectl -n $NS delete pod $pod --wait=false" "${@:3}" || rc=$?
  retry 90 2 all_ready || { log "not ready after $label: $NOT_READY"; dump_state; return 1; }
  [ "$rc" = 0 ]   # 1: a limit given in the options was exceeded; 2: nothing measured
}
s_pg_delete() { fault_under_load "pg-delete (Postgres pod deleted, single instance)" "$INSTANCE-postgres-0"; }
s_redis_delete() { fault_under_load "redis-delete (Redis pod deleted, single instance)" "$INSTANCE-redis-0"; }
# The same Postgres deletion with the Prefect clients (the harness and the worker with its flow runs) retrying HTTP 500
# (PREFECT_CLIENT_RETRY_EXTRA_CODES; Prefect retries 408/429/502/503 only, and its server answers 500 for a
# refused database connection): the setting under test for the stack's workers.
s_pg_delete_retry500() {
  ( export PREFECT_CLIENT_RETRY_EXTRA_CODES=500
    fault_under_load "pg-delete-retry500 (Postgres pod deleted, clients retry HTTP 500)" "$INSTANCE-postgres-0" --max-lost 0 --max-errors 0 )
}
s_services_delete() { fault_under_load "services-delete (background-services pod deleted)" "$(pod_of background-services)"; }

# ------------------------------------------------------------------------------------------------ upgrade
# Install the previous Prefect release (test/e2e/stack/upgrade.yaml with PREFECT_PREVIOUS_VERSION, in its own
# namespace), then re-apply with the pinned release under load through the edge. The new release's migrate Job runs
# once and completes before any new API pod is Ready (sampled every second, and by the pods' Ready times against
# the migrate container's finish), the database ends at the new release's Alembic head, data written before the
# upgrade is still served, and no request through the edge fails.
s_upgrade() {
  local NS=prefect-upgrade host=upgrade.e2e.test prev cur i
  prev="$(. "$REPO/test/e2e/images/versions.env" && echo "$PREFECT_PREVIOUS_VERSION")"
  cur="$(sed -n 's/^  version: "\(.*\)"$/\1/p' "$STACK_DIR/upgrade.yaml")"
  [ -n "$prev" ] && [ -n "$cur" ] && [ "$prev" != "$cur" ] || { log "versions: previous '$prev', current '$cur'"; return 1; }
  sed "s/^  version: .*/  version: \"$prev\"/" "$STACK_DIR/upgrade.yaml" >"$WORK/upgrade-prev.yaml"
  STACK_CONFIG="$WORK/upgrade-prev.yaml" synth "$WORK/upgrade-prev"
  STACK_CONFIG="$STACK_DIR/upgrade.yaml" synth "$WORK/upgrade-cur"
  create_secrets
  K apply -f "$WORK/upgrade-prev" >/dev/null
  retry 150 2 eval 'all_ready && [ "$(KN get jobs -l app.kubernetes.io/component=migrate -o jsonpath="{.items[*].status.succeeded}")" = 1 ]' \
    || { log "$prev not ready: $NOT_READY"; dump_state; return 1; }
  local old_job old_rev
  old_job="$(migrate_job)"; old_rev="$(PSQL 'select version_num from alembic_version')"
  [ "$(curl_edge "$host" /api/admin/version)" = "\"$prev\"" ] || { log "$prev does not serve its version"; return 1; }
  curl_edge "$host" /api/flows/ -X POST -H 'Content-Type: application/json' -d '{"name": "e2e-before-upgrade"}' >/dev/null
  log "$prev running, database at $old_rev; upgrading to $cur under load"

  rm -f "$WORK/stop"
  edge_load "$host" 6000 "$WORK/upgrade-load" "$WORK/stop" &
  local load=$! t0 new_job="" done=0
  sleep 3
  t0="$(date +%s.%N)"
  K apply -f "$WORK/upgrade-cur" >/dev/null
  # One sample a second: "<epoch> <new migrate Job complete 0/1> <Ready API pods of the new release>".
  for ((i = 0; i < 600; i++)); do
    [ -n "$new_job" ] || new_job="$(migrate_job | grep -vx "$old_job" || true)"
    echo "$(date +%s.%N) $([ -n "$new_job" ] && [ "$(KN get "$new_job" -o jsonpath='{.status.succeeded}')" = 1 ] && echo 1 || echo 0) $(new_ready_api "$cur")" >>"$WORK/upgrade-samples"
    if all_ready && [ "$(new_ready_api "$cur")" = "$(KN get deploy "$INSTANCE-api" -o jsonpath='{.spec.replicas}')" ]; then done=1; break; fi
    sleep 1
  done
  sleep 3; touch "$WORK/stop"; wait "$load"
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "[stack] FIGURE upgrade apply->all new Ready: %.1f s\n", b - a - 3}' >&2
  log "FIGURE upgrade under load: $(load_summary "$WORK/upgrade-load" "$t0")"
  [ "$done" = 1 ] || { log "upgrade to $cur not complete: $NOT_READY"; dump_state; return 1; }

  # The new release's Job: one, complete, one pod, no failure; the old one untouched.
  [ "$(migrate_job | wc -l)" = 2 ] && [ -n "$new_job" ] || { log "migrate Jobs: $(migrate_job | tr '\n' ' ')"; return 1; }
  [ "$(KN get "$new_job" -o jsonpath='{.status.succeeded}/{.status.failed}')" = "1/" ] || { log "$new_job: $(KN get "$new_job" -o jsonpath='{.status}')"; return 1; }
  [ "$(KN get pods -l "job-name=${new_job#job.batch/}" --no-headers | wc -l)" = 1 ] || { log "$new_job ran more than one pod"; return 1; }
  # Never a Ready new API pod before the Job completed.
  ! awk '$2 == 0 && $3 > 0' "$WORK/upgrade-samples" | grep -q . \
    || { log "new API pods Ready before the migrate Job completed: $(awk '$2 == 0 && $3 > 0' "$WORK/upgrade-samples" | head -3)"; return 1; }
  grep -q ' 0 0$' "$WORK/upgrade-samples" || log "NOTE: the Job completed before the first sample (the gate was not observed waiting)"
  awk -v t0="$t0" '$2 == 1 && !j {j = $1} $3 > 0 && !r {r = $1} END {printf "[stack] FIGURE upgrade: migrate Job complete at +%.0f s, first %s API pod Ready at +%.0f s after the apply\n", j - t0, v, r - t0}' \
    v="$cur" "$WORK/upgrade-samples" >&2
  local finished ready
  finished="$(KN get pods -l "job-name=${new_job#job.batch/}" -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.finishedAt}')"
  local pod n=0   # (old pods may still be terminating: only the new release's count)
  while read -r pod _ ready; do
    n=$((n + 1))
    [ "$(date -d "$ready" +%s)" -ge "$(date -d "$finished" +%s)" ] || { log "$pod was Ready at $ready, before migrations finished at $finished"; return 1; }
  done < <(api_pods "$cur")
  [ "$n" -gt 0 ] || { log "no $cur API pod"; return 1; }
  # The database is at the head the new release's gate expects, which differs from the previous release's.
  local new_rev head
  new_rev="$(PSQL 'select version_num from alembic_version')"
  local new_pod; new_pod="$(api_pods "$cur" | head -1 | cut -d' ' -f1)"
  KN logs "$new_pod" -c wait-for-migrations | sed "s/^/[stack] $new_pod gate: /" >&2
  head="$(KN logs "$new_pod" -c wait-for-migrations | grep -o "^OK: database at head \['[0-9a-f]*'\]" | grep -o "[0-9a-f]\{12\}")"
  [ "$new_rev" = "$head" ] && [ "$new_rev" != "$old_rev" ] || { log "alembic: before $old_rev, after $new_rev, the $cur gate's head '$head'"; return 1; }
  log "database migrated $old_rev -> $new_rev by $new_job (finished $finished)"
  [ "$(curl_edge "$host" /api/admin/version)" = "\"$cur\"" ] || { log "the edge does not serve $cur"; return 1; }
  local flows; flows="$(curl_edge "$host" /api/flows/filter -X POST -H 'Content-Type: application/json' -d '{"flows":{"name":{"any_":["e2e-before-upgrade"]}}}')"
  grep -q '"name":"e2e-before-upgrade"' <<<"$flows" || { log "the flow written before the upgrade is gone: $flows"; return 1; }
  [ "$(load_failures "$WORK/upgrade-load")" = 0 ] || { log "requests failed during the upgrade"; return 1; }
}
# api_pods <version>: "<pod> <Ready status> <Ready since>" for each API pod running that Prefect release.
api_pods() {
  KN get pods -l app.kubernetes.io/component=api -o jsonpath='{range .items[*]}{.metadata.name} {.spec.containers[0].image} {.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\n"}{end}' \
    | awk -v v=":$1-" 'index($2, v) {print $1, $3, $4}'
}
new_ready_api() { api_pods "$1" | awk '$2 == "True"' | wc -l; }

# ---------------------------------------------------------------------------------------------------- main
log "config $STACK_CONFIG, namespace $NS, edge $E2E_INGRESS_URL"
K delete namespace "$NS" prefect-upgrade e2e-outside monitoring "$S3_NS" --ignore-not-found --wait=true --timeout=180s >/dev/null 2>&1
# Not `if run_scenario …`: a condition would turn off `set -e` inside the scenario.
booted=0; run_scenario boot s_boot && booted=1
if [ "$booted" = 1 ]; then
  run_scenario front-door s_front_door
  run_scenario flow-run s_flow_run
  run_scenario process-worker s_process_worker
  run_scenario isolation s_isolation
  run_scenario events-across-replicas s_events_across
  run_scenario monitoring s_monitoring
  # Idle memory with the whole stack on it, 30 s after the last request (figures, not tests): the stack's pods,
  # then the whole cluster (control plane, node, CoreDNS, Traefik and the stack).
  sleep 30
  stack_memory | sed 's/^/[stack] FIGURE stack memory: /' >&2
  bash "$REPO/test/e2e/cluster/measure-memory.sh" 2>/dev/null | sed 's/^/[stack] FIGURE cluster memory: /' >&2
  run_scenario backup-restore s_backup_restore
  run_scenario backup-s3 s_backup_s3
  run_scenario edge-overhead s_edge_overhead
  run_scenario failover s_failover
  run_scenario rollout s_rollout
  if [ "${E2E_FAULTS:-0}" = 1 ]; then
    run_scenario load-baseline s_load_baseline
    run_scenario pg-delete s_pg_delete
    run_scenario pg-delete-retry500 s_pg_delete_retry500
    run_scenario redis-delete s_redis_delete
    run_scenario services-delete s_services_delete
  else
    skip "load-baseline pg-delete pg-delete-retry500 redis-delete services-delete" "the data tier's fault scenarios (20 min) run with E2E_FAULTS=1 (npm run test:e2e:faults), not in CI"
  fi
else
  skip "front-door flow-run process-worker isolation events-across-replicas monitoring backup-restore backup-s3 edge-overhead failover rollout load-baseline pg-delete pg-delete-retry500 redis-delete services-delete" "the stack did not boot"
fi
# Its own namespace and stack, after the main stack is gone (a 2-core node) unless STACK_KEEP=1.
[ "${STACK_KEEP:-0}" = 1 ] || K delete namespace "$NS" --wait=true --timeout=180s >/dev/null 2>&1
run_scenario upgrade s_upgrade
[ "${#FAILS[@]}" = 0 ] || log "failed: ${FAILS[*]}"
echo "stack: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
