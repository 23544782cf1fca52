# shellcheck shell=bash disable=SC2034
# Shared settings and helpers of up.sh / down.sh / node.sh / measure-memory.sh (sourced, not run).
#
# Env (all optional):
#   E2E_NODES                 worker nodes (default 1; CI: 3), each in its own network namespace
#   CDK8S_PREFECT_E2E_STATE   state dir of the cluster (default /var/lib/cdk8s-prefect-e2e)
#   CDK8S_PREFECT_CACHE       build cache (default /var/cache/cdk8s-prefect-stack)
#   E2E_HOST_IP               the host's address on the cluster bridge: control plane + edge load balancer
#                             (default 10.213.0.1; node N is 10.213.0.(10+N))
#   E2E_PV_COUNT              pre-created local PVs per node (default 16)
#   E2E_NODE_MONITOR_GRACE_PERIOD   kube-controller-manager --node-monitor-grace-period (default 50s, upstream's)
#   E2E_TOLERATION_SECONDS    kube-apiserver --default-{not-ready,unreachable}-toleration-seconds (default 300,
#                             upstream's): how long a pod stays bound to a NotReady/unreachable node before eviction
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../../.." && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
STATE="${CDK8S_PREFECT_E2E_STATE:-/var/lib/cdk8s-prefect-e2e}"
CP_STATE="$STATE/control-plane"      # test/cluster/apiserver.sh's state dir
BRIDGE=cdk8se2e0                     # our own bridge: the host's address + one veth per node
HOST_IP="${E2E_HOST_IP:-10.213.0.1}"
NODES="${E2E_NODES:-1}"
CLUSTER_CIDR=10.244.0.0/16           # pods (the controller-manager allocates each node a /24)
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
APISERVER_PORT=6443
EDGE_NS=ingress-nginx                # Traefik + the Gateway live here
INGRESS_NODEPORT=30080               # Traefik's web entry point on every node, and the host LB's port
EDGE_HEALTH_NODEPORT=30081           # kube-proxy's health check of the edge Service (externalTrafficPolicy Local)
PV_COUNT="${E2E_PV_COUNT:-16}"
NODE_MONITOR_PERIOD=5s
NODE_MONITOR_GRACE_PERIOD="${E2E_NODE_MONITOR_GRACE_PERIOD:-50s}"
TOLERATION_SECONDS="${E2E_TOLERATION_SECONDS:-300}"
CGROUP_PARENT=cdk8s-e2e              # /sys/fs/cgroup/<hierarchy>/cdk8s-e2e/<node>/{system,kubepods}

log() { echo "[e2e-cluster $(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$NODES" in [1-9]) ;; *) die "E2E_NODES=$NODES: expected 1 to 9 nodes (fix: E2E_NODES=3)" ;; esac

# ---------------------------------------------------------------- nodes (1-based index)
node_name() { echo "e2e-node-$1"; }
node_ip() { echo "${HOST_IP%.*}.$((10 + $1))"; }
node_dir() { echo "$STATE/nodes/e2e-node-$1"; }
node_netns() { echo "e2e-node-$1"; }           # /run/netns/<name>
node_veth() { echo "cdk8se2e-n$1"; }           # the host end of the node's veth (15 chars max)
node_sock() { echo "$STATE/nodes/e2e-node-$1/containerd/containerd.sock"; }
node_cgroup() { echo "$CGROUP_PARENT/e2e-node-$1"; }
# The nodes that exist on disk (down.sh and measure-memory.sh follow what is there, not E2E_NODES).
nodes_present() { local d; for d in "$STATE"/nodes/e2e-node-*; do [ -d "$d" ] && echo "${d##*-}"; done | sort -n; }
# in_node <i> <cmd...>: run a command in node i's network namespace only (mounts, cgroups, /sys stay the host's:
# `ip netns exec` would also remount /sys, hiding /sys/fs/cgroup from the kubelet).
in_node() { local i="$1"; shift; nsenter --net="/run/netns/$(node_netns "$i")" -- "$@"; }
# v1 cgroup hierarchies (cgroup2's "unified" of a hybrid host is not used by the cgroupfs driver).
cgroup_v1_roots() { local h; for h in /sys/fs/cgroup/*/; do [ "$(stat -f -c %T "$h")" = cgroupfs ] && echo "${h%/}"; done; }

# Is <name>'s recorded process (pidfile <dir>/<name>.pid) alive and still that binary?
alive_in() { # <pid dir> <name>
  local pid
  [ -f "$1/$2.pid" ] || return 1
  pid="$(cat "$1/$2.pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}
alive() { alive_in "$STATE/pids" "$1"; }

# start_proc <name> <cmd...>: a host process in its own session, pid recorded.
start_proc() {
  local name="$1"; shift
  mkdir -p "$STATE/pids" "$STATE/logs"
  setsid "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/pids/$name.pid"
}

# node_start_proc <i> <name> <cmd...>: a process of node i: in the node's network namespace and in its cgroup
# <parent>/<node>/system of every v1 hierarchy (so the node's processes can be frozen and killed together, and
# their memory summed), own session, pid and log under the node's dir.
node_start_proc() {
  local i="$1" name="$2" d; shift 2
  d="$(node_dir "$i")"
  mkdir -p "$d/pids" "$d/logs"
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'for h in $1; do echo $$ >"$h/$2/system/cgroup.procs"; done; shift 3; exec nsenter --net="$0" -- "$@"' \
    "/run/netns/$(node_netns "$i")" "$(cgroup_v1_roots | tr '\n' ' ')" "$(node_cgroup "$i")" -- "$@" \
    </dev/null >>"$d/logs/$name.log" 2>&1 &
  echo $! >"$d/pids/$name.pid"
}

stop_pidfile() { # <pid dir> <name>: TERM, 15 s, KILL
  local pid i
  if alive_in "$1" "$2"; then
    pid="$(cat "$1/$2.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 75); do alive_in "$1" "$2" || break; sleep 0.2; done
    if alive_in "$1" "$2"; then log "$2 (pid $pid) did not stop in 15s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.3; fi
  fi
  rm -f "$1/$2.pid"
}
stop_proc() { stop_pidfile "$STATE/pids" "$1"; }

# cgroup_pids <relative cgroup>: every pid in that cgroup and below (the pids hierarchy).
cgroup_pids() { find "/sys/fs/cgroup/pids/$1" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un; }

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
