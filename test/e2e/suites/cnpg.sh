#!/usr/bin/env bash
# CloudNativePG on the e2e cluster (issue 20, phase 1: the operator and its operand, before the stack's construct):
# the operator built from its Go module (test/e2e/cluster/build-tools.sh cloudnative-pg) in a one-file image,
# installed as its release manifest installs it, and a 3-instance `Cluster` of the stand-in postgres image
# (e2e.local/library/postgres:17.6) in a namespace that enforces PSS restricted. Run by test/e2e/run.sh with the
# cluster's env file as $1; standalone: `bash test/e2e/suites/cnpg.sh [env file]` after up.sh + images/import.sh.
# Last line: "cnpg: N passed, N failed".
#
#   operator     image built (cached by the binary's hash) and imported; the release manifest of the module
#                (releases/cnpg-<version>.yaml: CRDs, RBAC, webhook Service and configurations, Deployment) applied
#                with the image replaced; the Deployment is Available and its webhook rejects an invalid Cluster
#   cluster      3 instances (one node: `enablePodAntiAffinity: false`), Prefect's role and database with pg_trgm
#                bootstrapped; all Ready, one primary and two streaming replicas, the pods admitted by PSS restricted;
#                prints apply -> Ready seconds and the memory of the instances and the operator
#   failover     writes through `<cluster>-rw` every 0.5 s from a pod; the primary pod deleted: seconds until a
#                replica is promoted and until writes succeed again, failed writes, and no committed row lost
#   failover-kill the same with the primary's container killed by SIGKILL (containerd), not deleted
#   stack        the stack in the CloudNativePG mode (test/e2e/stack/cnpg.yaml, namespace prefect-cnpg, NetworkPolicies
#                on): 3 instances Ready on 3 distinct nodes, the migrate Job Complete, pg_trgm in Prefect's database,
#                /api/ready 200 through the edge; prints apply -> all-Ready seconds and the memory of the namespace
#   stack-backup a Job from the stack's backup CronJob (pg_dump as the operator's superuser, through -rw) Completes
#   stack-failover  the flow-run load harness through the edge (as stack.sh's fault scenarios) with the primary pod
#                deleted 40 s in: ready-gap, client-visible errors, lost runs, scheduling resumed (FIGURE lines); the
#                primary moved, 3 instances Ready again
# Env: CNPG_KEEP=1 keeps the namespaces. CNPG_ONLY="operator cluster …" runs only those (cluster and failover* need
# cluster, stack-* need stack; all need operator). STACK_LOAD_SECONDS (150) = the load's duration.
set -uo pipefail
ENV_FILE="${1:-${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}/env}"
[ -f "$ENV_FILE" ] || { echo "no env file $ENV_FILE: run test/e2e/cluster/up.sh first" >&2; exit 2; }
# shellcheck disable=SC1090
. "$ENV_FILE"
# shellcheck source=../stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
NS=e2e-cnpg
CLUSTER=pg
STACK_NS=prefect-cnpg
CNPG_NS=cnpg-system
PG_IMAGE=e2e.local/library/postgres:17.6
log() { echo "[cnpg $(date -u +%H:%M:%S)] $*" >&2; }

PASSED=0; FAILED=0; FAILS=()
WORK="$(mktemp -d /tmp/e2e-cnpg.XXXXXX)"
cleanup() {
  edge_hosts_remove
  if [ "${CNPG_KEEP:-0}" != 1 ]; then
    K delete namespace "$NS" "$STACK_NS" --ignore-not-found --wait=true --timeout=180s >/dev/null 2>&1
    [ -f "$WORK/operator.yaml" ] && K delete -f "$WORK/operator.yaml" --ignore-not-found --wait=false >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
run_scenario() { # <name> <function>
  local t0 rc
  if [ -n "${CNPG_ONLY:-}" ] && ! grep -qw -- "$1" <<<"$CNPG_ONLY"; then log "SKIP $1: not in CNPG_ONLY"; return 1; fi
  t0=$(date +%s); log "RUN  $1"
  ( set -e; "$2" ); rc=$?
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); log "PASS $1 ($(( $(date +%s) - t0 ))s)"
  else FAILED=$((FAILED + 1)); FAILS+=("$1"); log "FAIL $1 ($(( $(date +%s) - t0 ))s)"; fi
  return "$rc"
}
dump() {
  K -n "$NS" get pods,pvc -o wide >&2 || true
  K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.phase} {.status.phaseReason}{"\n"}' >&2 || true
  K -n "$CNPG_NS" logs deploy/cnpg-controller-manager --tail=30 >&2 || true
  K -n "$NS" get events --sort-by=.lastTimestamp 2>/dev/null | tail -20 >&2 || true
}

# ------------------------------------------------------------------------------------------------ operator
TOOLS="$REPO/test/e2e/cluster/tools/cloudnative-pg"
s_operator() {
  local bin ver dir tar t0 manifest
  t0=$(date +%s)
  bin="$(readlink -f "$(bash "$REPO/test/e2e/cluster/build-tools.sh" cloudnative-pg | tail -1)/cloudnative-pg")"
  ver="$(basename "$(dirname "$bin")" | cut -d- -f3)"   # cloudnative-pg-v1.30.0-<key>
  [ -n "$ver" ] && [ "${ver#v}" != "$ver" ] || { log "cannot read the version from $bin"; return 1; }
  log "operator binary $ver ($(( $(date +%s) - t0 )) s incl. any build)"
  # The operator image: /manager alone. The database pods run it too, as the init container that copies it into
  # their /controller volume (bootstrap-controller), hence one image for both.
  tar="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/e2e-images/cloudnative-pg-$(sha256sum "$bin" | cut -c1-16).tar"
  if [ ! -f "$tar" ]; then
    dir="$(mktemp -d)"; cp "$bin" "$dir/manager"
    python3 "$REPO/test/e2e/cluster/images/mkimage.py" --rootfs "$dir" --ref "e2e.local/cloudnative-pg:${ver#v}" --out "$tar" \
      --entrypoint '["/manager"]' --user 10001:10001 >&2
    rm -rf "$dir"
  fi
  # every node's containerd: the instances (any node) run the image too, as their bootstrap-controller init container
  local sock; for sock in ${E2E_CTR_ADDRESSES:-$E2E_CTR_ADDRESS}; do ctr --address "$sock" -n k8s.io images import "$tar" >/dev/null; done
  # Its release manifest, from the same module the binary was built from (the Go module proxy's copy).
  manifest="$(cd "$TOOLS" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/cloudnative-pg/cloudnative-pg@$ver" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')/releases/cnpg-${ver#v}.yaml"
  [ -f "$manifest" ] || { log "no release manifest $manifest"; return 1; }
  # The image is local (never pulled); the CRDs are those of /work/shared/crds (identical files in the module).
  sed -e "s#ghcr.io/cloudnative-pg/cloudnative-pg:${ver#v}#e2e.local/cloudnative-pg:${ver#v}#g" \
    -e 's#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#' "$manifest" >"$WORK/operator.yaml"
  ! grep -q 'ghcr.io/cloudnative-pg/cloudnative-pg' "$WORK/operator.yaml" || { log "an operator image reference was not replaced"; return 1; }
  K apply --server-side -f "$WORK/operator.yaml" >/dev/null
  K -n "$CNPG_NS" rollout status deploy/cnpg-controller-manager --timeout=180s >&2 || { dump; return 1; }
  log "FIGURE cnpg operator: Available $(( $(date +%s) - t0 )) s after the build step started"
  # The webhook serves (the operator made its own certificate and CA bundle): an invalid Cluster is refused by it.
  K create namespace "$NS" --dry-run=client -o yaml | K apply -f - >/dev/null
  K label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest >/dev/null
  local out
  out="$(retry 30 2 bash -c "printf '%s\n' 'apiVersion: postgresql.cnpg.io/v1' 'kind: Cluster' 'metadata: {name: bad, namespace: $NS}' \
    'spec: {instances: 1, imageName: \"$PG_IMAGE\", storage: {size: 1Gi}, postgresql: {parameters: {port: \"5433\"}}}' \
    | $KUBECTL apply --dry-run=server -f - 2>&1 | grep -i 'denied the request' ")" \
    || { log "the operator's webhook did not reject an invalid Cluster: $out"; dump; return 1; }
  log "webhook: $out"
}

# ------------------------------------------------------------------------------------------------- cluster
s_cluster() {
  local t0 t1 i primary
  K -n "$NS" create secret generic prefect-app --type=kubernetes.io/basic-auth \
    --from-literal=username=prefect --from-literal=password="$(rand 32)" >/dev/null
  t0=$(date +%s.%N)
  K apply -f - >/dev/null <<EOF
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: $CLUSTER, namespace: $NS}
spec:
  instances: 3
  imageName: $PG_IMAGE
  imagePullPolicy: Never
  # The stand-in image's postgres user (Debian's, as the official image): CloudNativePG's own images use 26.
  postgresUID: 999
  postgresGID: 999
  # One node here; the stack's mode will require anti-affinity across nodes.
  affinity: {enablePodAntiAffinity: false}
  storage: {size: 1Gi, storageClass: standard}
  resources: {requests: {cpu: 50m, memory: 128Mi}, limits: {memory: 512Mi}}
  enableSuperuserAccess: false
  bootstrap:
    initdb:
      database: prefect
      owner: prefect
      secret: {name: prefect-app}
      postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
EOF
  for ((i = 0; i < 300; i++)); do
    [ "$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.readyInstances}' 2>/dev/null)" = 3 ] && break
    sleep 2
  done
  t1=$(date +%s.%N)
  [ "$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.readyInstances}')" = 3 ] || { log "not 3 ready instances after 600 s"; dump; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "[cnpg] FIGURE cnpg 3-instance Cluster: apply -> 3 Ready in %.1f s\n", b - a}' >&2
  primary="$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  # One primary, two streaming replicas, pg_trgm in Prefect's database, owned by Prefect's role.
  local repl
  repl="$(K -n "$NS" exec "$primary" -c postgres -- psql -U postgres -Atc "select count(*) from pg_stat_replication where state = 'streaming'")"
  [ "$repl" = 2 ] || { log "streaming replicas on $primary: $repl"; dump; return 1; }
  [ "$(K -n "$NS" exec "$primary" -c postgres -- psql -U postgres -d prefect -Atc "select extname from pg_extension where extname = 'pg_trgm'")" = pg_trgm ] \
    || { log "no pg_trgm in database prefect"; return 1; }
  [ "$(K -n "$NS" exec "$primary" -c postgres -- psql -U postgres -Atc "select pg_get_userbyid(datdba) from pg_database where datname = 'prefect'")" = prefect ] \
    || { log "database prefect is not owned by prefect"; return 1; }
  # PSS restricted is enforced on the namespace, so every pod that runs was admitted by it; say so explicitly.
  [ "$(K get namespace "$NS" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" = restricted ]
  log "primary $primary, 2 streaming replicas, pods: $(K -n "$NS" get pods -l cnpg.io/cluster="$CLUSTER" --no-headers | awk '{print $1 "(" $3 ")"}' | tr '\n' ' ')"
  sleep 20
  stack_memory | sed 's/^/[cnpg] FIGURE cnpg memory: /' >&2
  NS="$CNPG_NS" stack_memory | sed 's/^/[cnpg] FIGURE cnpg operator memory: /' >&2
}

# ------------------------------------------------------------------------------------------------ failover
# writer <out>: from a pod in the namespace, one INSERT through <cluster>-rw every 0.5 s for 120 s (a new connection
# each, 3 s connect timeout); lines "<epoch> ok <id>" or "<epoch> err <message>".
start_writer() {
  local pw; pw="$(K -n "$NS" get secret prefect-app -o jsonpath='{.data.password}' | base64 -d)"
  K -n "$NS" exec "$primary_now" -c postgres -- psql -U postgres -d prefect -qc \
    "create table if not exists e2e_writes (id serial primary key, at timestamptz default now()); alter table e2e_writes owner to prefect" >/dev/null
  probe_pod "$NS" writer
  K -n "$NS" exec writer -- env PGPASSWORD="$pw" PGCONNECT_TIMEOUT=3 bash -c '
    end=$(( $(date +%s) + 120 ))
    while [ "$(date +%s)" -lt "$end" ]; do
      r="$(psql -h '"$CLUSTER"'-rw -U prefect -d prefect -Atc "insert into e2e_writes default values returning id" 2>&1 | tr "\n" " ")"
      case "$r" in [0-9]*) echo "$(date +%s.%N) ok $r" ;; *) echo "$(date +%s.%N) err $r" ;; esac
      sleep 0.5
    done' >"$1" 2>&1 &
  WRITER=$!
}
# failover_report <label> <writes file> <t fault> <old primary>
failover_report() {
  local label="$1" f="$2" t0="$3" old="$4" new promoted
  new="$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  promoted="$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimaryTimestamp}')"
  [ "$new" != "$old" ] || { log "$label: the primary is still $old"; dump; return 1; }
  awk -v t0="$t0" -v label="$label" -v old="$old" -v new="$new" -v p="$(date -d "$promoted" +%s.%N)" '
    $2 == "err" && $1 > t0 {n++; if (!first) first = $1; last = $1}
    $2 == "ok" && $1 > t0 && n && !back {back = $1}
    END {printf "[cnpg] FIGURE cnpg %s: primary %s -> %s promoted %.1f s after the fault; writes failing from +%.1f s to +%.1f s (%d failed), first write after at +%.1f s\n",
      label, old, new, p - t0, (first ? first - t0 : 0), (last ? last - t0 : 0), n, (back ? back - t0 : 0)}' "$f" >&2
  # Every write that was acknowledged is on the new primary (synchronous replication is off: the figure says whether
  # an asynchronous failover lost any).
  local acked present
  acked="$(awk '$2 == "ok" {print $3}' "$f" | sort -n | tr '\n' ',' | sed 's/,$//')"
  present="$(K -n "$NS" exec "$new" -c postgres -- psql -U postgres -d prefect -Atc "select count(*) from e2e_writes where id in ($acked)")"
  log "FIGURE cnpg $label: acknowledged writes $(awk '$2 == "ok"' "$f" | wc -l), present on the new primary $present"
  [ "$(awk '$2 == "ok" && $1 > '"$t0"'' "$f" | wc -l)" -gt 0 ] || { log "$label: no write succeeded after the fault"; return 1; }
  retry 90 2 bash -c "[ \"\$($KUBECTL -n $NS get cluster $CLUSTER -o jsonpath='{.status.readyInstances}')\" = 3 ]" \
    || { log "$label: not 3 ready instances again"; dump; return 1; }
}
s_failover() {
  primary_now="$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  start_writer "$WORK/writes-delete"
  sleep 10
  local t0; t0="$(date +%s.%N)"
  K -n "$NS" delete pod "$primary_now" --wait=false >/dev/null
  log "deleted primary $primary_now"
  wait "$WRITER" || true
  failover_report "primary pod deleted" "$WORK/writes-delete" "$t0" "$primary_now"
}
s_failover_kill() {
  primary_now="$(K -n "$NS" get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  local cid; cid="$(K -n "$NS" get pod "$primary_now" -o jsonpath='{.status.containerStatuses[?(@.name=="postgres")].containerID}')"
  cid="${cid#containerd://}"
  [ -n "$cid" ] || { log "no container id for $primary_now"; return 1; }
  start_writer "$WORK/writes-kill"
  sleep 10
  local t0; t0="$(date +%s.%N)"
  # the containerd of the primary's node (its socket path names the node)
  local node sock; node="$(K -n "$NS" get pod "$primary_now" -o jsonpath='{.spec.nodeName}')"
  sock="$(tr ' ' '\n' <<<"${E2E_CTR_ADDRESSES:-$E2E_CTR_ADDRESS}" | grep -F "/$node/" || echo "$E2E_CTR_ADDRESS")"
  ctr --address "$sock" -n k8s.io tasks kill -a -s SIGKILL "$cid"
  log "SIGKILL to every process of $primary_now's postgres container"
  wait "$WRITER" || true
  failover_report "primary container SIGKILL" "$WORK/writes-kill" "$t0" "$primary_now"
}

# ----------------------------------------------------------------------------------------------------- stack
# The stack's scenarios run with lib.sh's globals pointed at the CloudNativePG stack.
as_stack() {
  NS="$STACK_NS"; CLUSTER=prefect-postgres; PREFECT_HOST=cnpg.e2e.test; STACK_CONFIG="$STACK_DIR/cnpg.yaml"
  EDGE_API_URL="http://$PREFECT_HOST:${E2E_INGRESS_URL##*:}/api"
}
stack_up() {
  all_ready && [ "$(KN get jobs -l app.kubernetes.io/component=migrate -o jsonpath='{.items[*].status.succeeded}')" = 1 ] \
    && [ "$(KN get cluster "$CLUSTER" -o jsonpath='{.status.readyInstances}' 2>/dev/null)" = 3 ]
}
s_stack() {
  as_stack
  # The standalone Cluster's three instances are not needed any more: room for the stack's.
  [ "${CNPG_KEEP:-0}" = 1 ] || K delete namespace e2e-cnpg --ignore-not-found --wait=true --timeout=180s >/dev/null 2>&1
  synth "$WORK/stack-dist"
  create_secrets
  local t0 t1 i nodes ready
  t0=$(date +%s.%N)
  K apply -f "$WORK/stack-dist" >/dev/null
  for ((i = 0; i < 450; i++)); do stack_up && break; sleep 2; done   # at most 15 min
  t1=$(date +%s.%N)
  stack_up || { log "not up after 900 s: ${NOT_READY:-} cluster: $(KN get cluster "$CLUSTER" -o jsonpath='{.status.phase} {.status.readyInstances}')"; dump; KN get pods -o wide >&2; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "[cnpg] FIGURE cnpg stack: apply -> 3 instances, migrate Job and every Deployment Ready in %.1f s\n", b - a}' >&2
  nodes="$(KN get pods -l cnpg.io/cluster="$CLUSTER",cnpg.io/podRole=instance -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | wc -l)"
  [ "$nodes" = 3 ] || { log "the instances share nodes: on $nodes distinct"; return 1; }
  [ "$(KN exec "$(KN get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')" -c postgres -- psql -U postgres -d prefect -Atc \
    "select extname from pg_extension where extname = 'pg_trgm'")" = pg_trgm ] || { log "no pg_trgm in database prefect"; return 1; }
  ready="$(curl_edge "$PREFECT_HOST" /api/ready -o /dev/null -w '%{http_code}')"
  [ "$ready" = 200 ] || { log "/api/ready through the edge: $ready"; return 1; }
  log "instances on $nodes nodes, primary $(KN get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}'), /api/ready 200 through the edge"
  stack_memory | sed 's/^/[cnpg] FIGURE cnpg stack memory: /' >&2
}
s_stack_backup() {
  as_stack
  KN create job --from=cronjob/"$INSTANCE"-postgres-backup cnpg-backup-e2e >/dev/null
  KN wait --for=condition=complete job/cnpg-backup-e2e --timeout=300s >/dev/null \
    || { log "backup Job not Complete: $(KN get job cnpg-backup-e2e -o jsonpath='{.status}')"; KN logs job/cnpg-backup-e2e --all-containers --tail=20 >&2; return 1; }
  KN logs job/cnpg-backup-e2e --all-containers --tail=5 >&2
}
s_stack_failover() {
  as_stack
  local old new rc=0
  old="$(KN get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  flow_load "cnpg-primary-delete (CloudNativePG primary pod deleted, 3 instances)" "$WORK/load-cnpg-delete" --pool e2e-load \
    --duration "${STACK_LOAD_SECONDS:-150}" --fault "40=kubectl -n $NS delete pod $old --wait=false" || rc=$?
  new="$(KN get cluster "$CLUSTER" -o jsonpath='{.status.currentPrimary}')"
  log "primary $old -> $new"
  [ "$new" != "$old" ] || { log "the primary did not move"; return 1; }
  retry 90 2 stack_up || { log "not whole again: ${NOT_READY:-} $(KN get cluster "$CLUSTER" -o jsonpath='{.status.readyInstances}')"; dump; return 1; }
  [ "$rc" = 0 ]   # 2: nothing measured
}

# ---------------------------------------------------------------------------------------------------- main
K delete namespace "$NS" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1
operator=0; run_scenario operator s_operator && operator=1
if [ "$operator" = 1 ] && run_scenario cluster s_cluster; then
  run_scenario failover s_failover
  run_scenario failover-kill s_failover_kill
fi
if [ "$operator" = 1 ] && run_scenario stack s_stack; then
  run_scenario stack-backup s_stack_backup
  run_scenario stack-failover s_stack_failover
fi
[ "${#FAILS[@]}" = 0 ] || log "failed: ${FAILS[*]}"
echo "cnpg: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
