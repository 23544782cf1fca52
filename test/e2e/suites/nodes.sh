#!/usr/bin/env bash
# The stack across nodes (issue 15): placement, a drain, the abrupt loss of a node and its return, the loss of the
# data tier's node, and the hard spread, under load through the edge. Needs a cluster of 3 nodes or more
# (E2E_NODES=3 bash test/e2e/cluster/up.sh; run by test/e2e/run.sh with the cluster's env file as $1, images
# imported). On fewer nodes it says so and runs nothing. Config: test/e2e/stack/nodes.yaml (namespace
# prefect-nodes). Last line: "nodes: N passed, N failed". Each scenario prints PASS/FAIL and FIGURE lines.
#
#   boot        apply → every Deployment and StatefulSet Ready; FIGURE where each pod landed (default spread)
#   drain       `kubectl drain` of a node holding an API replica and the background services (none of the data
#               tier: local volumes cannot move) under load: the PDB keeps ≥ replicas-1 API pods Ready throughout,
#               0 failed requests through the edge, 0 flow runs lost, everything Ready again on the other nodes
#   node-loss   a node holding an API replica (not the data tier) loses its link and every process at once, under
#               load: the node goes NotReady after the grace period, requests keep being answered (FIGURE: failed
#               requests and their window), the API pods are replaced on the other nodes after the eviction
#               toleration; flow runs in flight on it: FIGURE of their final states (Crashed / rescheduled / stuck)
#   rejoin      the lost node boots again: Ready, its stale pods cleaned up, its edge back in the load balancer
#   data-node-loss  the node holding Postgres is lost: the stack cannot serve (single-instance Postgres on a local
#               volume of that node) until it returns; FIGURE the outage and what was lost; then it boots again
#               and the stack recovers
#   spread      re-applied with `api.spread: required` under load: the replicas on three different nodes, 0 failed
#               requests; then a drain with three replicas on three nodes leaves the evicted replica Pending until
#               the node is uncordoned (FIGURE: how long)
#
# Env: E2E_FAULTS=1 runs data-node-loss too (off by default: npm run test:e2e:faults). NODES_KEEP=1 leaves the namespace; NODES_ONLY="boot drain …" runs only those (the others need boot).
# The flow-run load is test/e2e/stack/flow-load.py (issue 20's harness) when it is there; without it the scenarios
# measure the request load only and say so.
set -uo pipefail
ENV_FILE="${1:-${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}/env}"
[ -f "$ENV_FILE" ] || { echo "no env file $ENV_FILE: run test/e2e/cluster/up.sh first" >&2; exit 2; }
# shellcheck disable=SC1090
. "$ENV_FILE"
# shellcheck source=../stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"
NS=prefect-nodes
PREFECT_HOST=nodes.e2e.test
EDGE_API_URL="http://$PREFECT_HOST:${E2E_INGRESS_URL##*:}/api"
STACK_CONFIG="$STACK_DIR/nodes.yaml"
NODE_SH="$REPO/test/e2e/cluster/node.sh"
GRACE="${E2E_NODE_MONITOR_GRACE_PERIOD:-50s}"; GRACE="${GRACE%s}"
TOLERATION="${E2E_TOLERATION_SECONDS:-300}"
REPLICAS=3
log() { echo "[nodes $(date -u +%H:%M:%S)] $*" >&2; }

if [ "${E2E_NODES:-1}" -lt 3 ]; then
  log "the cluster has ${E2E_NODES:-1} node(s); these scenarios need 3 (E2E_NODES=3): not run"
  exit 0
fi

PASSED=0; FAILED=0; FAILS=()
WORK="$(mktemp -d /tmp/e2e-nodes.XXXXXX)"
STOP="$WORK/stop"
BG=()
cleanup() {
  local p; for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
  touch "$WORK"/stop.*
  # every node back and schedulable, whatever a failed scenario left
  local n; for n in $E2E_NODE_NAMES; do K uncordon "$n" >/dev/null 2>&1; done
  local i; for i in $(seq 1 "$E2E_NODES"); do
    [ "$(bash "$NODE_SH" status "$i")" = up ] || bash "$NODE_SH" boot "$i" >&2 || log "WARN: node $i did not come back"
  done
  edge_hosts_remove
  [ "${NODES_KEEP:-0}" = 1 ] || K delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

run_scenario() { # <name> <function>
  local t0 rc
  if [ -n "${NODES_ONLY:-}" ] && [[ " $NODES_ONLY " != *" $1 "* ]]; then log "SKIP $1: not in NODES_ONLY"; return 1; fi
  t0=$(date +%s)
  log "RUN  $1"
  # each scenario's background loads and samplers stop with it, whichever way it ends
  STOP="$WORK/stop.$1"
  ( set -e; trap 'touch "$STOP"' EXIT; "$2" ); rc=$?
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); log "PASS $1 ($(( $(date +%s) - t0 ))s)"
  else FAILED=$((FAILED + 1)); FAILS+=("$1"); log "FAIL $1 ($(( $(date +%s) - t0 ))s)"; dump_state; fi
  return "$rc"
}
dump_state() {
  K get nodes -o wide >&2 || true
  KN get pods -o wide >&2 || true
  KN get events --sort-by=.lastTimestamp 2>/dev/null | tail -15 >&2 || true
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
node_index() { echo "${1##*-}"; }

# placement: "<pod> <node> <component> <Ready> <terminating 0/1>" for every pod of the stack
placement() {
  KN get pods -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.metadata.labels.app\.kubernetes\.io/component} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\n"}{end}' \
    | awk '{print $1, ($2 == "" ? "-" : $2), $3, ($4 == "" ? "-" : $4), ($5 == "" ? 0 : 1)}'
}
nodes_of() { placement | awk -v c="$1" '$3 == c && $5 == 0 {print $2}' | sort -u; }
# placement_figure <label>: one line, components per node
placement_figure() {
  placement | awk -v l="$1" '$5 == 0 && $3 != "flow-run" && $3 != "migrate" {n[$2] = n[$2] " " $3} END {
    printf "[nodes] FIGURE placement (%s):", l; for (k in n) printf " %s:%s;", k, n[k]; printf "\n"}' >&2
}
# stateful_nodes: nodes holding a pod with a local volume (Postgres, Redis): those pods cannot move
stateful_nodes() { { nodes_of postgres; nodes_of redis; } | sort -u; }
# ready_api_off <node>: API pods Ready and not terminating on other nodes than <node>
ready_api_off() { placement | awk -v n="$1" '$3 == "api" && $2 != n && $4 == "True" && $5 == 0' | wc -l; }
ready_api() { placement | awk '$3 == "api" && $4 == "True" && $5 == 0' | wc -l; }
# predicates for retry
component_only_on() { [ "$(nodes_of "$1")" = "$2" ] && all_ready; }
api_whole_off() { [ "$(ready_api_off "$1")" = "$REPLICAS" ]; }
whole_off() { all_ready && api_whole_off "$1"; }
none_terminating_on() { [ -z "$(placement | awk -v n="$1" '$2 == n && $5 == 1')" ]; }
edge_healthy() { local h; h="$(curl -s -m 3 "http://$1:30081/healthz")" && grep -q '"localEndpoints": *1' <<<"$h"; }
node_not_ready() { [ "$(K get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" != True ]; }
api_on_three() { [ "$(ready_api)" = 3 ] && [ "$(nodes_of api | wc -l)" = 3 ]; }
api_ready_http() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $PREFECT_HOST" "$E2E_INGRESS_URL/api/ready")" = 200 ]; }

# Flow-run load (issue 20's harness), in the background: flow_load_start <label> <out dir> <args…>; flow_load_wait.
FLOW_LOAD="$STACK_DIR/flow-load.py"
flow_load_start() {
  local label="$1" out="$2"; shift 2
  FL_PID=""
  [ -f "$FLOW_LOAD" ] || { log "NOTE: $FLOW_LOAD is not here (issue 20): no flow-run load in $label"; return 0; }
  mkdir -p "$out"
  host_prefect timeout 1500 "$VENV/bin/python" "$FLOW_LOAD" --out "$out" --label "$label" "$@" >"$out/stdout" 2>&1 &
  FL_PID=$!; BG+=("$FL_PID")
  # the load starts once its set-up is done (t0 written)
  local i; for ((i = 0; i < 120; i++)); do [ -s "$out/t0" ] && break; kill -0 "$FL_PID" 2>/dev/null || break; sleep 1; done
  [ -s "$out/t0" ] || { log "the flow-run load did not start:"; tail -20 "$out/stdout" >&2; return 1; }
}
# flow_load_wait <out dir>: its exit status; prints its FIGURE line
flow_load_wait() {
  [ -n "${FL_PID:-}" ] || return 0
  local rc=0; wait "$FL_PID" || rc=$?
  grep '^FIGURE' "$1/stdout" | sed 's/^/[nodes] /' >&2
  grep -E 'LOST|ORPHAN|LIMIT' "$1/stdout" | head -20 >&2
  [ "$rc" != 2 ] || { log "the flow-run load could not measure:"; tail -20 "$1/stdout" >&2; }
  return "$rc"
}
flow_lost() { python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["lost"]))' "$1/summary.json"; }

# edge_failures <load file> <t0>: "N failed of M, window +a..+b s" (times after t0)
edge_failures() {
  awk -v t0="$2" '{n++} $2 != 200 {f++; if (!a) a = $1; b = $1} END {
    if (f) printf "%d failed of %d, first +%.1f s, last +%.1f s", f, n, a - t0, b - t0; else printf "0 failed of %d", n}' "$1"
}
# traefik_failures <t0> <label>: the edge's own access-log lines of the answers that were not 2xx since t0 (which
# backend, how long, from which node's Traefik): where a failure came from, when one did
traefik_failures() {
  local since_s; since_s="$(awk -v a="$1" -v b="$(date +%s)" 'BEGIN {printf "%d", b - a + 5}')"
  K -n "$E2E_EDGE_NAMESPACE" get pods -l app.kubernetes.io/name=traefik -o name 2>/dev/null | while read -r p; do
    # (a lost node's Traefik cannot be read: skip it, do not fail the scenario under set -e)
    { K -n "$E2E_EDGE_NAMESPACE" logs "$p" --since="${since_s}s" 2>/dev/null || echo "(no log: its node is down)"; } \
      | awk -v p="${p#pod/}" -v l="$2" '($9 !~ /^2/ && / HTTP\//) || /^\(no log/ {print "[nodes] " l ": edge " p ": " $0}'
  done | tail -20 >&2
}
# longest_dark <load file> <t0>: the longest stretch after t0 without a successful request, seconds
longest_dark() {
  awk -v t0="$2" '$1 >= t0 && $2 == 200 {if (last && $1 - last > m) m = $1 - last; last = $1} $1 >= t0 && !last {last = t0} END {printf "%.1f", m}' "$1"
}

# ---------------------------------------------------------------------------------------------------- boot
s_boot() {
  synth "$WORK/dist"
  create_secrets
  local t0 i
  t0=$(date +%s.%N)
  K apply -f "$WORK/dist" >/dev/null
  for ((i = 0; i < 300; i++)); do
    all_ready && [ "$(KN get jobs -l app.kubernetes.io/component=migrate -o jsonpath='{.items[*].status.succeeded}')" = 1 ] && break
    sleep 2
  done
  all_ready || { log "not ready after 600 s: $NOT_READY"; return 1; }
  log "FIGURE apply->all-Ready on $E2E_NODES nodes: $(since "$t0") s"
  placement_figure "default spread, $REPLICAS API replicas"
  [ "$(ready_api)" = "$REPLICAS" ]
  edge_hosts_add
  [ "$(curl_edge "$PREFECT_HOST" /api/health)" = true ]
}

# ---------------------------------------------------------------------------------------------------- drain
# move_here <component> <node>: the component's pod onto <node> (cordon the others, delete it, uncordon): set-up only.
move_here() {
  local c="$1" n="$2" other
  [ "$(nodes_of "$c")" = "$n" ] && return 0
  for other in $E2E_NODE_NAMES; do [ "$other" = "$n" ] || K cordon "$other" >/dev/null; done
  KN delete pod -l "app.kubernetes.io/component=$c" --wait=false >/dev/null
  retry 90 2 component_only_on "$c" "$n"
  local rc=$?
  for other in $E2E_NODE_NAMES; do K uncordon "$other" >/dev/null; done
  return "$rc"
}

# ensure_api_on <node>: an API replica on <node> (if none is: cordon the others, delete a replica from the node
# holding the most, wait until its replacement is Ready on <node>, uncordon): set-up only.
ensure_api_on() {
  local n="$1" other victim
  placement | awk -v n="$n" '$3 == "api" && $2 == n && $5 == 0' | grep -c . >/dev/null && return 0
  victim="$(placement | awk '$3 == "api" && $5 == 0 {c[$2]++; p[$2] = $1} END {for (k in c) print c[k], p[k]}' | sort -rn | head -1 | cut -d' ' -f2)"
  for other in $E2E_NODE_NAMES; do [ "$other" = "$n" ] || K cordon "$other" >/dev/null; done
  KN delete pod "$victim" --wait=false >/dev/null
  retry 90 2 api_on_node_ready "$n"
  local rc=$?
  for other in $E2E_NODE_NAMES; do K uncordon "$other" >/dev/null; done
  return "$rc"
}
api_on_node_ready() { placement | awk -v n="$1" '$3 == "api" && $2 == n && $4 == "True" && $5 == 0' | grep -c . >/dev/null && all_ready; }
# free_node: the first node holding neither Postgres nor Redis (their local volumes pin them)
free_node() { local n s; s="$(stateful_nodes | tr '\n' ' ')"; for n in $E2E_NODE_NAMES; do grep -qw -- "$n" <<<"$s" || { echo "$n"; return 0; }; done; return 1; }

s_drain() {
  local target
  target="$(free_node)" || { log "every node holds Postgres or Redis"; return 1; }
  ensure_api_on "$target" || { log "could not place an API replica on $target"; return 1; }
  move_here background-services "$target" || { log "could not place the background services on $target"; return 1; }
  placement_figure "before the drain of $target"
  local out="$WORK/drain-load" t0 rc=0 min_ready
  flow_load_start "drain $target" "$out" --worker none --pool kubernetes --interval 12 --duration 96 --tasks 10 --settle 300
  edge_load "$PREFECT_HOST" 9000 "$WORK/drain-edge" "$STOP" & BG+=($!)
  local load=$!
  # API pods Ready, once a second, through the drain (the PDB's floor is replicas - 1)
  ( while [ ! -e "$STOP" ]; do echo "$(date +%s.%N) $(ready_api)"; sleep 1; done ) >"$WORK/drain-ready" & BG+=($!)
  local sampler=$!
  sleep 20
  t0=$(date +%s.%N)
  echo "$t0 drain $target" >>"$out/marks" 2>/dev/null || true
  # each line of kubectl drain stamped with its time after t0 (to set the failures beside the evictions)
  K drain "$target" --ignore-daemonsets --delete-emptydir-data --timeout=300s 2>&1 \
    | while IFS= read -r line; do echo "+$(since "$t0") s $line"; done >"$WORK/drain.log"
  rc="${PIPESTATUS[0]}"
  local t_drained; t_drained="$(since "$t0")"
  retry 120 2 whole_off "$target" || rc=1
  local t_ready; t_ready="$(since "$t0")"
  sleep 10
  touch "$STOP"; wait "$load" "$sampler"
  K uncordon "$target" >/dev/null
  sed 's/^/[nodes] drain: /' "$WORK/drain.log" | grep -v 'ignoring DaemonSet' | tail -12 >&2
  min_ready="$(awk -v t0="$t0" '$1 >= t0 {print $2}' "$WORK/drain-ready" | sort -n | head -1)"
  log "FIGURE drain of $target: drained in $t_drained s, all Ready on the other nodes after $t_ready s, fewest API pods Ready during it: $min_ready of $REPLICAS"
  log "FIGURE drain under load through the edge: $(edge_failures "$WORK/drain-edge" "$t0"); $(load_summary "$WORK/drain-edge" "$t0")"
  traefik_failures "$t0" drain
  placement_figure "after the drain of $target"
  local fl=0; flow_load_wait "$out" || fl=$?
  [ "$rc" = 0 ] || { log "the drain or the recovery failed"; return 1; }
  [ "$min_ready" -ge $((REPLICAS - 1)) ] || { log "fewer than $((REPLICAS - 1)) API pods were Ready during the drain: the PDB did not hold"; return 1; }
  [ "$(load_failures "$WORK/drain-edge")" = 0 ] || { log "requests failed during the drain"; return 1; }
  if [ -s "$out/summary.json" ]; then
    [ "$(flow_lost "$out")" = 0 ] || { log "flow runs were lost during the drain"; return 1; }
    [ "$fl" = 0 ] || return 1
  fi
  [ -z "$(placement | awk -v n="$target" '$2 == n && $5 == 0 && $3 != "flow-run"')" ] || { log "stack pods still on $target: $(placement | awk -v n="$target" '$2 == n')"; return 1; }
}

# ---------------------------------------------------------------------------------------------------- node loss
# sample_loss <node> <out>: once a second "<epoch> <node Ready status> <API pods Ready off the node> <API pods on the
# node not terminating> <Ready API endpoints>" until the stop file exists
sample_loss() {
  local n="$1" out="$2" p
  while [ ! -e "$STOP" ]; do
    p="$(placement)"
    echo "$(date +%s.%N) $(K get node "$n" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') \
$(awk -v n="$n" '$3 == "api" && $2 != n && $4 == "True" && $5 == 0' <<<"$p" | wc -l) \
$(awk -v n="$n" '$3 == "api" && $2 == n && $5 == 0' <<<"$p" | wc -l) \
$(KN get endpointslices -l kubernetes.io/service-name="$INSTANCE-api" -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}' | grep -c true)"
    sleep 1
  done >"$out"
}
# first_sample <file> <awk condition> <t0>: seconds after t0 of the first sample matching, or "never"
first_sample() { awk -v t0="$3" "\$1 >= t0 && ($2) {printf \"%.0f\", \$1 - t0; found = 1; exit} END {if (!found) print \"never\"}" "$1"; }

s_node_loss() {
  local target i
  target="$(free_node)" || { log "every node holds Postgres or Redis"; return 1; }
  # after the drain its node holds no replica: put one back (as a rollout after maintenance would)
  ensure_api_on "$target" || { log "could not place an API replica on $target"; return 1; }
  i="$(node_index "$target")"
  placement_figure "before the loss of $target"
  local out="$WORK/loss-load" t0 rc=0
  flow_load_start "node loss $target" "$out" --worker none --pool kubernetes --interval 8 --duration 120 --tasks 10 \
    --settle $((GRACE + TOLERATION + 60)) --schedule-wait 90
  edge_load "$PREFECT_HOST" 20000 "$WORK/loss-edge" "$STOP" & BG+=($!)
  local load=$!
  sample_loss "$target" "$WORK/loss-samples" & BG+=($!)
  local sampler=$!
  sleep 40
  # what ran on the node when it died
  placement | awk -v n="$target" '$2 == n && $5 == 0' >"$WORK/loss-victims"
  KN get pods -l app.kubernetes.io/component=flow-run -o jsonpath='{range .items[*]}{.spec.nodeName} {.spec.containers[0].env[?(@.name=="PREFECT__FLOW_RUN_ID")].value} {.status.phase}{"\n"}{end}' \
    | awk -v n="$target" '$1 == n && $3 == "Running" {print $2}' >"$WORK/loss-runs"
  t0=$(date +%s.%N)
  bash "$NODE_SH" crash "$i" >&2
  echo "$i" >"$WORK/lost-node"   # for rejoin (scenarios run in subshells)
  echo "$t0 crash $target" >>"$out/marks" 2>/dev/null || true
  log "crashed $target: it ran $(awk '{print $3}' "$WORK/loss-victims" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')(flow runs in flight there: $(wc -l <"$WORK/loss-runs"))"
  # until the API is whole again on the other nodes (eviction after the toleration, then a new pod's start)
  local bound=$((GRACE + TOLERATION + 240))
  retry "$((bound / 2))" 2 api_whole_off "$target" || rc=1
  local t_whole; t_whole="$(since "$t0")"
  sleep 10
  touch "$STOP"; wait "$load" "$sampler"
  local t_nr t_ep t_ev
  # shellcheck disable=SC2016 # awk conditions
  t_nr="$(first_sample "$WORK/loss-samples" '$2 != "True"' "$t0")"
  t_ep="$(first_sample "$WORK/loss-samples" "\$5 < $REPLICAS" "$t0")"
  # shellcheck disable=SC2016
  t_ev="$(first_sample "$WORK/loss-samples" '$4 == 0' "$t0")"
  log "FIGURE node loss of $target: NotReady after $t_nr s (grace ${GRACE} s), its API endpoint out of the Service after $t_ep s, its pods evicted after $t_ev s (toleration ${TOLERATION} s), $REPLICAS API replicas Ready on the other nodes after $t_whole s"
  log "FIGURE node loss under load through the edge: $(edge_failures "$WORK/loss-edge" "$t0"); longest stretch without an answer $(longest_dark "$WORK/loss-edge" "$t0") s; $(load_summary "$WORK/loss-edge" "$t0" | cut -d'[' -f1)"
  traefik_failures "$t0" "node loss"
  awk -v t0="$t0" '$2 != 200 {printf "%s@+%.0f\n", $2, $1 - t0}' "$WORK/loss-edge" | awk -F@ '{c[$1]++} END {for (k in c) printf "[nodes] node loss: %d × HTTP %s\n", c[k], (k == "000" ? "000 (no answer in 5 s)" : k)}' >&2
  placement_figure "after the loss of $target"
  local fl=0; flow_load_wait "$out" || fl=$?
  if [ -s "$out/summary.json" ] && [ -s "$WORK/loss-runs" ]; then
    # the runs that were executing on the lost node: where each ended
    python3 - "$out" "$WORK/loss-runs" <<'EOF' >&2
import json, sys
out, runs = sys.argv[1], set(open(sys.argv[2]).read().split())
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/runs.tsv")][1:]
states = {}
for r in rows:
    if r[2] in runs:
        states.setdefault(r[4], []).append(r[2][:8])
print("[nodes] FIGURE node loss: flow runs in flight on the lost node: "
      + ", ".join(f"{len(v)} {k}" for k, v in sorted(states.items())) + f" (of {len(runs)})")
EOF
  fi
  [ "$rc" = 0 ] || { log "the API was not whole again on the other nodes within $bound s"; return 1; }
  { [ "$t_nr" != never ] && [ "$t_nr" -le $((GRACE + 20)) ]; } || { log "$target was not NotReady within the grace period + 20 s ($t_nr)"; return 1; }
  # the edge kept answering: no stretch longer than 15 s without a successful request (the client is sequential with
  # a 5 s timeout: requests in flight through the lost node's Traefik each cost 5 s, the LB needs 2 s to drop the
  # node), and none failed once the dead replica was out of the endpoints
  awk -v d="$(longest_dark "$WORK/loss-edge" "$t0")" 'BEGIN {exit !(d <= 15)}' || { log "the edge went dark for more than 15 s"; return 1; }
  [ "$t_ep" != never ] || { log "the lost replica never left the endpoints"; return 1; }
  # (one awk: an epoch passed through awk's print comes back as 1.765e+09 and every sample is "after" it)
  local late; late="$(awk -v t0="$t0" -v ep="$t_ep" '$1 > t0 + ep + 5 && $2 != 200' "$WORK/loss-edge" | wc -l)"
  [ "$late" = 0 ] || { log "$late requests failed after the lost replica left the endpoints"; return 1; }
}

s_rejoin() {
  [ -s "$WORK/lost-node" ] || { log "no node was lost"; return 1; }
  local i n t0 ip
  i="$(cat "$WORK/lost-node")"
  n="$(node_name_of "$i")"; ip="$(K get node "$n" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
  t0=$(date +%s.%N)
  bash "$NODE_SH" boot "$i" >&2 || return 1
  local t_ready; t_ready="$(since "$t0")"
  rm -f "$WORK/lost-node"
  # the evicted pods it still carried are finalized, its DaemonSet pod (Traefik) serves, the LB has it back
  retry 60 2 none_terminating_on "$n" || { log "pods stuck terminating on $n: $(placement | awk -v n="$n" '$2 == n')"; return 1; }
  local t_clean; t_clean="$(since "$t0")"
  retry 60 2 edge_healthy "$ip" || { log "no ready Traefik on $n"; return 1; }
  local t_edge; t_edge="$(since "$t0")"
  retry 60 2 all_ready || { log "not all Ready after $n returned: $NOT_READY"; return 1; }
  log "FIGURE rejoin of $n: Ready $t_ready s after its boot began, stale pods gone after $t_clean s, its edge healthy after $t_edge s"
  # it takes new work: a pod scheduled onto it runs
  K -n "$NS" run e2e-on-rejoined --image="$TOOLS_IMAGE" --image-pull-policy=Never --restart=Never \
    --overrides='{"spec":{"nodeSelector":{"kubernetes.io/hostname":"'"$n"'"},"automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"c","image":"'"$TOOLS_IMAGE"'","imagePullPolicy":"Never","command":["true"],"securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}' >/dev/null
  KN wait --for=jsonpath='{.status.phase}'=Succeeded pod/e2e-on-rejoined --timeout=90s >/dev/null || { log "a pod on the rejoined $n did not run"; return 1; }
  KN delete pod e2e-on-rejoined --wait=false >/dev/null
}
node_name_of() { echo "e2e-node-$1"; }

# ---------------------------------------------------------------------------------------------------- data-node loss
# edge_db_load <max> <out> <stop>: a request that needs the database (POST /api/flows/filter) every 0.2 s
edge_db_load() {
  local i
  for ((i = 0; i < $1; i++)); do
    [ -e "$3" ] && break
    echo "$(date +%s.%N) $(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 -H "Host: $PREFECT_HOST" \
      -H 'Content-Type: application/json' -d '{"limit": 1}' "$E2E_INGRESS_URL/api/flows/filter" || true)"
    sleep 0.2
  done >"$2"
}

s_data_node_loss() {
  local target i t0 rc=0
  target="$(nodes_of postgres)"; [ -n "$target" ] || { log "no Postgres pod"; return 1; }
  i="$(node_index "$target")"
  placement_figure "before the loss of the data node $target"
  local out="$WORK/data-load"
  flow_load_start "data-node loss $target" "$out" --pool e2e-nodes-process --worker process --interval 4 --duration 100 --tasks 20 --settle 300
  edge_db_load 9000 "$WORK/data-edge" "$STOP" & BG+=($!)
  local load=$!
  ( while [ ! -e "$STOP" ]; do echo "$(date +%s.%N) $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: $PREFECT_HOST" "$E2E_INGRESS_URL/api/ready" || true)"; sleep 1; done ) >"$WORK/data-ready" & BG+=($!)
  local sampler=$!
  sleep 30
  t0=$(date +%s.%N)
  bash "$NODE_SH" crash "$i" >&2
  echo "$t0 crash $target" >>"$out/marks" 2>/dev/null || true
  log "crashed $target (Postgres$(grep -qx "$target" <<<"$(nodes_of redis)" && echo ", Redis")$(grep -qx "$target" <<<"$(nodes_of api)" && echo ", an API replica"))"
  # Postgres cannot move (its volume is on that node; a StatefulSet pod on an unreachable node is never replaced
  # while it may still run): the stack stays down. Wait until the node is NotReady and a minute more, then reboot it.
  retry 60 2 node_not_ready "$target" || rc=1
  sleep 60
  local t_back; t_back="$(since "$t0")"
  bash "$NODE_SH" boot "$i" >&2 || rc=1
  local t_node; t_node="$(since "$t0")"
  retry 120 2 api_ready_http || rc=1
  local t_serving; t_serving="$(since "$t0")"
  retry 90 2 all_ready || rc=1
  local t_all; t_all="$(since "$t0")"
  sleep 10
  touch "$STOP"; wait "$load" "$sampler"
  log "FIGURE data-node loss of $target: the node rebooted at +$t_back s (Ready at +$t_node s), /api/ready 200 again at +$t_serving s, all Ready at +$t_all s"
  log "FIGURE data-node loss, database-backed requests through the edge: $(edge_failures "$WORK/data-edge" "$t0"); /api/ready not 200 for $(awk -v t0="$t0" '$1 >= t0 && $2 != 200' "$WORK/data-ready" | wc -l) s of samples"
  local fl=0; flow_load_wait "$out" || fl=$?
  [ "$rc" = 0 ] || { log "the stack did not recover after $target returned"; return 1; }
  # after recovery, the database answers through the edge again
  [ "$(awk -v t="$(date +%s)" '$1 > t - 12 && $2 != 200' "$WORK/data-edge" | wc -l)" = 0 ] || { log "requests still fail after recovery"; return 1; }
}

# ---------------------------------------------------------------------------------------------------- spread
s_spread() {
  sed 's/^  replicas: 3$/  replicas: 3\n  spread: required/' "$STACK_CONFIG" >"$WORK/nodes-required.yaml"
  grep -q 'spread: required' "$WORK/nodes-required.yaml" || { log "could not set api.spread"; return 1; }
  STACK_CONFIG="$WORK/nodes-required.yaml" synth "$WORK/dist-required"
  grep -q DoNotSchedule "$WORK"/dist-required/*.yaml || { log "the synthesized API has no DoNotSchedule spread"; return 1; }
  local t0 rc=0
  edge_load "$PREFECT_HOST" 9000 "$WORK/spread-edge" "$STOP" & BG+=($!)
  local load=$!
  sleep 3
  t0=$(date +%s.%N)
  K apply -f "$WORK/dist-required" >/dev/null
  KN rollout status deployment/"$INSTANCE"-api --timeout=300s >/dev/null || rc=1
  retry 60 2 all_ready || rc=1
  sleep 3
  touch "$STOP"; wait "$load"
  placement_figure "api.spread: required"
  log "FIGURE spread: required, rollout under load: $(edge_failures "$WORK/spread-edge" "$t0"), done after $(since "$t0") s"
  [ "$rc" = 0 ] || { log "the rollout to the hard spread did not complete"; return 1; }
  api_on_three || { log "API replicas not on 3 nodes: $(nodes_of api | tr '\n' ' ')"; return 1; }
  [ "$(load_failures "$WORK/spread-edge")" = 0 ] || { log "requests failed during the rollout"; return 1; }
  # A drain with 3 replicas on 3 nodes: the evicted replica has nowhere to go (2 on one node would break the spread)
  local target
  target="$(free_node)" || { log "every node holds Postgres or Redis"; return 1; }
  t0=$(date +%s.%N)
  K drain "$target" --ignore-daemonsets --delete-emptydir-data --timeout=180s >"$WORK/drain2.log" 2>&1 || { cat "$WORK/drain2.log" >&2; K uncordon "$target"; return 1; }
  sleep 30
  local pending; pending="$(KN get pods -l app.kubernetes.io/component=api --field-selector=status.phase=Pending -o name | wc -l)"
  local reason; reason="$(KN get events --field-selector reason=FailedScheduling -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' | tail -1)"
  local t_uncordon; t_uncordon="$(since "$t0")"
  K uncordon "$target" >/dev/null
  retry 90 2 api_on_three || { log "the API did not return to 3 nodes after the uncordon"; return 1; }
  log "FIGURE spread: required + drain of $target: $pending API replica(s) Pending for the $t_uncordon s the node was cordoned (scheduler: ${reason:-no event}), Ready on $target again $(awk -v a="$t0" -v u="$t_uncordon" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a - u}') s after the uncordon"
  [ "$pending" = 1 ] || { log "expected the evicted replica Pending under the hard spread, found $pending Pending"; return 1; }
}

# ---------------------------------------------------------------------------------------------------- main
log "config $STACK_CONFIG, namespace $NS, $E2E_NODES nodes ($E2E_NODE_NAMES), edge $E2E_INGRESS_URL, grace $GRACE s, toleration $TOLERATION s"
K delete namespace "$NS" --ignore-not-found --wait=true --timeout=180s >/dev/null 2>&1
VENV="$(bash "$REPO/test/worker/prefect-venv.sh" | tail -1)"
booted=0; run_scenario boot s_boot && booted=1
if [ "$booted" = 1 ]; then
  run_scenario drain s_drain
  run_scenario node-loss s_node_loss
  run_scenario rejoin s_rejoin
  if [ "${E2E_FAULTS:-0}" = 1 ]; then run_scenario data-node-loss s_data_node_loss
  else log "SKIP data-node-loss: a fault scenario of the single-instance data tier (9 min): E2E_FAULTS=1 (npm run test:e2e:faults)"; fi
  run_scenario spread s_spread
else
  log "SKIP drain node-loss rejoin data-node-loss spread: the stack did not boot"
fi
[ "${#FAILS[@]}" = 0 ] || log "failed: ${FAILS[*]}"
echo "nodes: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
