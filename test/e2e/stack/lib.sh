# shellcheck shell=bash disable=SC2034
# Helpers of the stack suite (test/e2e/suites/stack.sh); sourced after the cluster's env file.
# Everything talks to the cluster through $KUBECTL and to the edge through $E2E_INGRESS_URL (the node IP).

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$STACK_DIR/../../.." && pwd)"
STACK_CONFIG="${STACK_CONFIG:-$STACK_DIR/stack.yaml}"
NS=prefect                 # namespace: in stack.yaml
INSTANCE=prefect           # name: in stack.yaml
PREFECT_HOST=prefect.e2e.test
PGADMIN_HOST=pgadmin.e2e.test
REDIS_UI_HOST=redis.e2e.test
TOOLS_IMAGE=e2e.local/e2e/tools:1

K() { "$KUBECTL" "$@"; }
KN() { "$KUBECTL" -n "$NS" "$@"; }
log() { echo "[stack $(date -u +%H:%M:%S)] $*" >&2; }
# retry <tries> <sleep seconds> <cmd...>: bounded polling
retry() { local n="$1" s="$2" i; shift 2; for ((i = 1; i < n; i++)); do "$@" && return 0; sleep "$s"; done; "$@"; }

# synth <outdir>: the library's CLI on the suite's config (builds lib/ first when it is missing or stale).
synth() {
  local out="$1"
  if [ ! -f "$REPO/lib/main.js" ] || [ -n "$(find "$REPO/charts" "$REPO/main.ts" -newer "$REPO/lib/main.js" -name '*.ts' -print -quit)" ]; then
    (cd "$REPO" && npm run -s build) >&2 || return 1
  fi
  rm -rf "$out" && node "$REPO/lib/main.js" --config "$STACK_CONFIG" --output "$out" >&2
}

# rand <n>: n random hex characters (URL-safe: the Redis password goes into redis:// URLs).
rand() { od -An -tx1 -N 64 /dev/urandom | tr -d ' \n' | cut -c "1-$1"; }   # no early-exiting reader: pipefail-safe

# create_secrets: the Secrets stack.yaml references (docs/operations.md "Secrets"), with random values, never in a file.
create_secrets() {
  K get namespace "$NS" >/dev/null 2>&1 || K create namespace "$NS" --save-config >/dev/null
  KN create secret generic prefect-postgres --from-literal=postgres-password="$(rand 32)" \
    --from-literal=username=prefect --from-literal=password="$(rand 32)" >/dev/null
  KN create secret generic prefect-redis --from-literal=password="$(rand 48)" >/dev/null
  KN create secret generic prefect-pgadmin --from-literal=password="$(rand 24)" >/dev/null
  KN create secret generic prefect-redis-ui --from-literal=password="$(rand 24)" >/dev/null
  KN create secret generic prefect-backup-s3 --from-literal=access-key-id="$(rand 20)" \
    --from-literal=secret-access-key="$(rand 40)" >/dev/null
}

# The S3 server of stack.yaml's backups.s3 (test/e2e/stack/s3.yaml) in namespace s3, its keys those of the stack's
# Secret prefect-backup-s3 (create_secrets first). s3_apply does not wait; s3_ready waits for the server and the
# client pod and creates the bucket (an S3 CreateBucket through the server, idempotent).
S3_NS=s3
S3_BUCKET=prefect-backups
S3_PREFIX=e2e/
S3C() { K -n "$S3_NS" exec s3-client -- "$@"; }
s3_apply() {
  K create namespace "$S3_NS" --dry-run=client -o yaml | K apply -f - >/dev/null
  K -n "$S3_NS" create secret generic s3-keys --from-literal=access-key-id="$(secret_value prefect-backup-s3 access-key-id)" \
    --from-literal=secret-access-key="$(secret_value prefect-backup-s3 secret-access-key)" --dry-run=client -o yaml | K apply -f - >/dev/null
  K apply -f "$STACK_DIR/s3.yaml" >/dev/null
}
s3_ready() {
  K -n "$S3_NS" rollout status deploy/s3 --timeout=120s >&2 || return 1
  K -n "$S3_NS" wait pod/s3-client --for=condition=Ready --timeout=120s >/dev/null || return 1
  retry 10 2 S3C rclone mkdir "s3:$S3_BUCKET" 2>/dev/null
}

secret_value() { KN get secret "$1" -o "jsonpath={.data.$2}" | base64 -d; }

# all_ready: every Deployment and StatefulSet of the namespace has all replicas ready and updated.
all_ready() {
  local bad
  bad="$(KN get deploy,statefulset -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.spec.replicas} {.status.readyReplicas} {.status.updatedReplicas}{"\n"}{end}' \
    | awk '$2 != $3 || $2 != $4 {print $1}')"
  [ -z "$bad" ] || { NOT_READY="$bad"; return 1; }
}

migrate_job() { KN get jobs -l app.kubernetes.io/component=migrate -o name; }

# edge_load <host> <max requests> <out> [stop file]: GET /api/health through the edge every 0.1 s until the stop file
# exists or max requests were sent (bounded either way); one line per request: "<epoch s> <HTTP code> <seconds>".
edge_load() {
  local host="$1" n="$2" out="$3" stop="${4:-}" i
  for ((i = 0; i < n; i++)); do
    [ -n "$stop" ] && [ -e "$stop" ] && break
    echo "$(date +%s.%N) $(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 -H "Host: $host" "$E2E_INGRESS_URL/api/health" || true)"
    sleep 0.1
  done >"$out"
}

# percentile <fraction> < numbers: the nearest-rank percentile of the numbers on stdin (one a line).
percentile() { sort -n | awk -v p="$1" '{v[NR] = $1} END {print v[int(NR * p + 0.5)]}'; }

# load_summary <file of edge_load lines> [t0]: "N requests, M failed, p50 X ms, p95 Y ms", then every failure with
# its code and time after t0.
load_summary() {
  local p50 p95 fails
  p50="$(printf %.1f "$(awk '{print $3 * 1000}' "$1" | percentile 0.5)")"
  p95="$(printf %.1f "$(awk '{print $3 * 1000}' "$1" | percentile 0.95)")"
  fails="$(awk -v t0="${2:-0}" '$2 != 200 {printf " [%s at +%.1fs]", $2, $1 - t0}' "$1")"
  echo "$(wc -l <"$1") requests, $(load_failures "$1") failed, p50 $p50 ms, p95 $p95 ms$fails"
}
load_failures() { awk '$2 != 200' "$1" | wc -l; }

# Host-side Prefect clients reach the API through the edge by its configured host name: edge_hosts_add maps the
# stack's host to the node IP in /etc/hosts (removed by edge_hosts_remove), and the URL carries the NodePort
# (Traefik matches the host without the port).
HOSTS_MARK="# cdk8s-prefect-e2e"
EDGE_API_URL="http://$PREFECT_HOST:${E2E_INGRESS_URL##*:}/api"
edge_hosts_add() { local ip="${E2E_INGRESS_URL#http://}"; edge_hosts_remove; echo "${ip%:*} $PREFECT_HOST $HOSTS_MARK" >>/etc/hosts; }
edge_hosts_remove() { local t; t="$(grep -vF "$HOSTS_MARK" /etc/hosts)"; printf '%s\n' "$t" >/etc/hosts; }   # in place: may be a bind mount
# host_prefect <cmd…>: a command with the Prefect client settings of a host through the edge (host_prefect_env
# exports them into the current shell).
host_prefect_env() {
  export PREFECT_API_URL="$EDGE_API_URL" PREFECT_HOME="$WORK/prefect-home" NO_PROXY="$PREFECT_HOST${NO_PROXY:+,$NO_PROXY}" \
    no_proxy="$PREFECT_HOST${no_proxy:+,$no_proxy}"
}
host_prefect() { ( host_prefect_env && exec "$@" ); }

# curl_edge <host> <path> [curl args…]: through Traefik at the node IP with the given Host.
curl_edge() { local host="$1" path="$2"; shift 2; curl -sS --max-time 20 -H "Host: $host" "$@" "$E2E_INGRESS_URL$path"; }

# probe_pod <namespace> <name> [labels as k=v,…]: a non-root pod of the tools image, waits until it runs.
probe_pod() {
  local ns="$1" name="$2" labels="${3:-}"
  K -n "$ns" delete pod "$name" --ignore-not-found --wait=true >/dev/null 2>&1
  K -n "$ns" run "$name" --image="$TOOLS_IMAGE" --image-pull-policy=Never --restart=Never \
    ${labels:+--labels="$labels"} --overrides='{"spec":{"automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"runAsGroup":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"'"$name"'","image":"'"$TOOLS_IMAGE"'","imagePullPolicy":"Never","command":["sleep","3600"],"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}' >/dev/null
  K -n "$ns" wait --for=condition=Ready "pod/$name" --timeout=90s >/dev/null
}

# tcp_open_from <namespace> <pod> [container] <host> <port>: nc from inside a pod (5 s timeout).
# Uses bash's /dev/tcp, so it works in any Debian-based container of the stack (no nc needed there).
tcp_open_from() { local ns="$1" pod="$2" c="$3" host="$4" port="$5"; K -n "$ns" exec "$pod" ${c:+-c "$c"} -- timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; }

# stack_memory: PSS and RSS (MiB) of every process of the stack's running pods, one line per pod and a total, from
# /proc/<pid>/smaps_rollup of the processes in each pod's memory cgroup (cgroup v1: …/kubepods/<qos>/pod<uid>, under
# the cgroup subtree of the pod's node).
stack_memory() {
  local uid name pss rss tp=0 tr=0 p v
  while read -r name uid; do
    pss=0; rss=0
    for p in $(find /sys/fs/cgroup/memory -path "*/kubepods/*pod$uid/*" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
      [ -r "/proc/$p/smaps_rollup" ] || continue
      v="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")"; pss=$((pss + ${v:-0}))
      v="$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")"; rss=$((rss + ${v:-0}))
    done
    tp=$((tp + pss)); tr=$((tr + rss))
    awk -v n="$name" -v p="$pss" -v r="$rss" 'BEGIN {printf "%-46s PSS %7.1f MiB   RSS %7.1f MiB\n", n, p/1024, r/1024}'
  done < <(KN get pods --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.uid}{"\n"}{end}')
  awk -v p="$tp" -v r="$tr" 'BEGIN {printf "%-46s PSS %7.1f MiB   RSS %7.1f MiB\n", "TOTAL (stack pods)", p/1024, r/1024}'
}

# flow_load <label> <out dir> [flow-load.py options…]: the flow-run load harness (test/e2e/stack/flow-load.py, its
# docstring has the interface) as a host client through the edge, by default with a process worker on this host.
# Prints the harness's lines with the suite's prefix (its FIGURE line among them); returns its exit status
# (0 measured and within the given limits, 1 a limit exceeded, 2 nothing could be measured or no FIGURE line).
# Faults: `--fault 'SECONDS=COMMAND'` (kubectl is on the PATH of COMMAND), or `flow_load_mark <out dir> <label>`
# from a concurrent shell. STACK_ARTIFACTS=<dir>: a copy of the out dir (runs.tsv, ready.tsv, worker.log…) is kept there.
flow_load() {
  local label="$1" out="$2" venv rc=0 kdir
  shift 2
  kdir="$(dirname "$KUBECTL")"
  venv="$(bash "$REPO/test/worker/prefect-venv.sh" | tail -1)"
  edge_hosts_add
  mkdir -p "$out"
  : >"$out/harness.log"   # before the tail below starts
  ( cd "$out" && host_prefect_env && export PATH="$kdir:$PATH" \
      && exec "$venv/bin/python" "$STACK_DIR/flow-load.py" --label "$label" --out "$out" "$@" ) >"$out/harness.log" 2>&1 &
  local pid=$!
  tail -n +1 -f --pid="$pid" "$out/harness.log" | sed -u 's/^/[stack] /' >&2 &
  local tailer=$!
  wait "$pid" || rc=$?
  wait "$tailer" 2>/dev/null || true
  if [ -n "${STACK_ARTIFACTS:-}" ]; then mkdir -p "$STACK_ARTIFACTS" && cp -r "$out" "$STACK_ARTIFACTS/"; fi
  grep -q '^FIGURE ' "$out/harness.log" || { log "flow_load $label: no FIGURE line (exit $rc)"; [ "$rc" -ge 2 ] || rc=2; }
  return "$rc"
}
flow_load_mark() { echo "$(date +%s.%N) ${*:2}" >>"$1/marks"; }
