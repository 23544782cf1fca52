# shellcheck shell=bash
# Shared settings and helpers of up.sh / down.sh (sourced, not run).
#
# Env (all optional):
#   CDK8S_PREFECT_E2E_STATE   state dir of the node (default /var/lib/cdk8s-prefect-e2e)
#   CDK8S_PREFECT_CACHE       build cache (default /var/cache/cdk8s-prefect-stack)
#   E2E_NODE_IP               address of the node on its own bridge (default 10.213.0.1)
#   E2E_PV_COUNT              pre-created hostPath PVs (default 16)
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../../.." && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
STATE="${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}"
CP_STATE="$STATE/control-plane"      # test/cluster/apiserver.sh's state dir
NODE_NAME=e2e-node
BRIDGE=cdk8se2e0                     # our own bridge; holds the node IP, no ports
NODE_IP="${E2E_NODE_IP:-10.213.0.1}"
NODE_NET="${NODE_IP%.*}.0/24"
CLUSTER_CIDR=10.244.0.0/16           # pods (controller-manager allocates the node a /24)
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
APISERVER_PORT=6443
EDGE_NS=ingress-nginx                # Traefik + the Gateway live here
INGRESS_NODEPORT=30080               # Traefik's web entry point, on the node IP only
PV_COUNT="${E2E_PV_COUNT:-16}"
CTR_SOCK="$STATE/containerd/containerd.sock"

log() { echo "[e2e-cluster $(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Is <name>'s recorded process alive and still that binary?
alive() { # <name>
  local pid
  [ -f "$STATE/pids/$1.pid" ] || return 1
  pid="$(cat "$STATE/pids/$1.pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1"
}

# start <name> <log> <cmd...>: run in its own session, record the pid.
start_proc() {
  local name="$1"; shift
  mkdir -p "$STATE/pids" "$STATE/logs"
  setsid "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/pids/$name.pid"
}

stop_proc() { # <name>
  local pid i
  if alive "$1"; then
    pid="$(cat "$STATE/pids/$1.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 75); do alive "$1" || break; sleep 0.2; done
    if alive "$1"; then log "$1 (pid $pid) did not stop in 15s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.3; fi
  fi
  rm -f "$STATE/pids/$1.pid"
}

# wait_for <seconds> <what> <cmd...>: poll until cmd succeeds
wait_for() {
  local t="$1" what="$2" i; shift 2
  for i in $(seq 1 $((t * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "timed out after ${t}s waiting for $what"
  return 1
}
