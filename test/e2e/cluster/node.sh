#!/usr/bin/env bash
# One worker node of the e2e cluster: a network namespace on the cluster bridge with its own containerd, kubelet,
# kube-proxy and kube-router, and its own cgroup subtree. up.sh boots every node with it; failure scenarios use it
# to stop a node abruptly and bring it back.
#
#   bash test/e2e/cluster/node.sh boot <i> [--no-wait]   start node i (after a crash: a reboot, see below); waits
#                                                      until its pod CIDR is routed and the node is Ready
#   bash test/e2e/cluster/node.sh wait <i>             the second half of boot (up.sh starts all, then waits)
#   bash test/e2e/cluster/node.sh crash <i>            abrupt loss: the node's link goes down, then every process
#                                                      of the node (its cgroup subtree: containerd, kubelet,
#                                                      kube-proxy, kube-router, shims, pods) is frozen and SIGKILLed
#   bash test/e2e/cluster/node.sh reset <i>            what a reboot forgets: mounts under the node's dir, the
#                                                      runtime state (containerd's state dir = /run), the netns,
#                                                      the cgroups; disks persist (images, kubelet dir, PVs)
#   bash test/e2e/cluster/node.sh status <i>           "up", "crashed" (netns there, processes gone) or "absent"
#
# Layout of node i (name e2e-node-<i>, IP 10.213.0.(10+i)): netns /run/netns/e2e-node-<i> with eth0 (peer
# cdk8se2e-n<i> on the bridge), default route via the host; state $STATE/nodes/e2e-node-<i>/; cgroups
# /sys/fs/cgroup/<hierarchy>/cdk8s-e2e/e2e-node-<i>/{system,kubepods}. Needs $STATE/cluster.env (up.sh).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || die "must run as root"
CMD="${1:-}"; I="${2:-}"
case "$I" in [1-9]) ;; *) die "usage: node.sh boot|wait|crash|reset|status <node index 1-9> (got '$I')" ;; esac
NAME="$(node_name "$I")"; IP="$(node_ip "$I")"; D="$(node_dir "$I")"; NETNS="$(node_netns "$I")"
VETH="$(node_veth "$I")"; SOCK="$(node_sock "$I")"; CG="$(node_cgroup "$I")"

cluster_env() {
  [ -f "$STATE/cluster.env" ] || die "$STATE/cluster.env missing: bring the cluster up with up.sh first"
  # shellcheck disable=SC1091
  . "$STATE/cluster.env"
  K() { "$K8S_BIN/kubectl" --kubeconfig="$CP_STATE/admin.kubeconfig" "$@"; }
}

# ---------------------------------------------------------------- network namespace + veth
netns_up() {
  ip netns add "$NETNS"
  ip link add "$VETH" type veth peer name eth0 netns "$NETNS"
  ip link set "$VETH" master "$BRIDGE" up
  in_node "$I" ip link set lo up
  in_node "$I" ip addr add "$IP/24" dev eth0
  in_node "$I" ip link set eth0 up
  # The host routes: the control plane and the edge LB are on the bridge; anything else the host rejects
  # (its FORWARD guard), so nothing leaves the machine.
  in_node "$I" ip route add default via "$HOST_IP" dev eth0
  # Unknown pod IPs die here instead of bouncing between node and host until their TTL runs out; the /24s of
  # the other nodes (routes_sync) and this node's pods (/32s of the CNI) are more specific.
  in_node "$I" ip route add unreachable "$CLUSTER_CIDR"
  in_node "$I" sysctl -qw net.ipv4.ip_forward=1
}

# ---------------------------------------------------------------- cgroups
# <parent>/<node>/system holds the node's own processes; the kubelet (cgroupRoot <parent>/<node>) makes kubepods
# beside it. A new v1 cpuset starts with no CPUs or memory nodes: copy the root's, level by level.
cgroups_up() {
  local h p
  for h in $(cgroup_v1_roots); do
    for p in "$CGROUP_PARENT" "$CG" "$CG/system"; do
      mkdir -p "$h/$p"
      if [ -f "$h/$p/cpuset.cpus" ] && [ -z "$(cat "$h/$p/cpuset.cpus")" ]; then
        cat "$h/cpuset.cpus" >"$h/$p/cpuset.cpus"; cat "$h/cpuset.mems" >"$h/$p/cpuset.mems"
      fi
    done
  done
}
cgroups_down() {
  local h
  for h in $(cgroup_v1_roots); do
    [ -d "$h/$CG" ] && find "$h/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# ---------------------------------------------------------------- configs (same content on every boot)
write_configs() {
  mkdir -p "$D"/{pids,logs,containerd,cni/net.d,cni/ipam,kubelet,pod-logs,config}
  cat >"$D/containerd/config.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$D/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "e2e.local/pause:e2e"
    # the node's own loopback (its netns): the kubelet beside it proxies exec/attach/port-forward
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    netns_mounts_under_state_dir = true
    # This machine drops CAP_SYS_RESOURCE from every process's bounding set, so nothing may lower an
    # oom_score_adj below its current value (runc: "failed to update /proc/self/oom_score_adj:
    # Permission denied" for the sandbox's -998). Clamp pods' scores to containerd's own (0).
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          BinaryName = "$(command -v runc)"
          Root = "$D/containerd/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$D/cni/net.d"
      max_conf_num = 1
EOF
  # pods with dnsPolicy Default get this: the cluster DNS, nothing off the machine
  printf 'nameserver %s\n' "$DNS_IP" >"$D/config/resolv.conf"
  cat >"$D/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CP_STATE/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
# Its own subtree: several kubelets on one host must not manage each other's pod cgroups.
cgroupRoot: /$CG
failCgroupV1: false
containerRuntimeEndpoint: unix://$SOCK
# Its own pod log dir: a kubelet removes log dirs of pods it does not know, i.e. every other node's.
podLogsDir: $D/pod-logs
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $D/config/resolv.conf
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
maxPods: 110
# upstream defaults, written out: the node lease is renewed every 10 s (a quarter of its 40 s duration);
# the controller-manager marks the node NotReady/Unknown after --node-monitor-grace-period without a renewal.
nodeStatusUpdateFrequency: 10s
nodeLeaseDurationSeconds: 40
rotateCertificates: false
serverTLSBootstrap: false
EOF
  cat >"$D/config/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KC_PROXY}
mode: iptables
hostnameOverride: $NAME
clusterCIDR: $CLUSTER_CIDR
bindAddress: $IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts (and their health check ports) on the node's address only
nodePortAddresses: [$IP/32]
iptables: {localhostNodePorts: false}
# leave the (per-namespace or read-only) conntrack sysctls alone
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# CNI: ptp veths + host-local IPAM on the pod CIDR the controller-manager gave the node. containerd watches the
# conf dir: the node turns Ready once this exists.
write_cni() { # <pod cidr>
  cat >"$D/cni/net.d/10-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "dataDir": "$D/cni/ipam",
        "ranges": [[{"subnet": "$1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

# routes_sync: every node's pod /24 via its node IP, on the host and in every other node (static routes on one
# L2 segment, as a cloud's VPC routes would be). Idempotent; run whenever a node (re)appears.
routes_sync() {
  local j k cidr
  for j in $(nodes_present); do
    [ -s "$(node_dir "$j")/pod-cidr" ] || continue
    cidr="$(cat "$(node_dir "$j")/pod-cidr")"
    ip route replace "$cidr" via "$(node_ip "$j")" dev "$BRIDGE"
    for k in $(nodes_present); do
      if [ "$k" = "$j" ] || [ ! -e "/run/netns/$(node_netns "$k")" ]; then continue; fi
      in_node "$k" ip route replace "$cidr" via "$(node_ip "$j")" dev eth0 || log "WARN: no route $cidr in $(node_name "$k")"
    done
  done
}

# ---------------------------------------------------------------- boot
cmd_boot() {
  cluster_env
  [ "$(cmd_status)" != up ] || die "$NAME is already up"
  [ "$(cmd_status)" = absent ] || cmd_reset
  local t0; t0=$(date +%s.%N)
  write_configs
  netns_up
  cgroups_up
  node_start_proc "$I" containerd containerd --config "$D/containerd/config.toml"
  wait_for 30 "containerd of $NAME" ctr --address "$SOCK" version || { tail -20 "$D/logs/containerd.log" >&2; die "containerd of $NAME did not start"; }
  # The cluster's own images (a reboot keeps them: containerd's root is the node's disk).
  local have tar ref
  have="$(ctr --address "$SOCK" -n k8s.io images ls -q)"
  for tar in $BASE_IMAGE_TARS; do
    ref="${tar#*=}"; tar="${tar%%=*}"   # "<tar>=<image ref>"
    grep -qxF "$ref" <<<"$have" || ctr --address "$SOCK" -n k8s.io images import "$tar" >/dev/null
  done
  node_start_proc "$I" kubelet "$K8S_BIN/kubelet" --config="$D/config/kubelet.yaml" --kubeconfig="$D/kubelet.kubeconfig" \
    --root-dir="$D/kubelet" --cert-dir="$D/kubelet/pki" --hostname-override="$NAME" --node-ip="$IP" --v=1
  node_start_proc "$I" kube-proxy "$K8S_BIN/kube-proxy" --config="$D/config/kube-proxy.yaml" --v=1
  echo "$t0" >"$D/boot-started"
  log "$NAME: processes started ($IP, netns $NETNS)"
}

pod_cidr() { K get node "$NAME" -o jsonpath='{.spec.podCIDR}' 2>/dev/null | grep -q . && K get node "$NAME" -o jsonpath='{.spec.podCIDR}'; }

cmd_wait() {
  cluster_env
  local cidr t0 p
  t0="$(cat "$D/boot-started" 2>/dev/null || date +%s.%N)"
  wait_for 90 "$NAME registered with a pod CIDR" pod_cidr || { tail -30 "$D/logs/kubelet.log" >&2; die "$NAME has no pod CIDR"; }
  cidr="$(pod_cidr)"
  echo "$cidr" >"$D/pod-cidr"
  write_cni "$cidr"
  # this node's own range: its pods' /32s are more specific, any other address of it is unreachable
  in_node "$I" ip route replace unreachable "$cidr"
  routes_sync
  # NetworkPolicies of this node's pods: kube-router's firewall only (routes are static, Services are kube-proxy's).
  # Started once the Node object exists: kube-router exits if it cannot find its node.
  alive_in "$D/pids" kube-router || node_start_proc "$I" kube-router "$TOOLS_BIN/kube-router" --kubeconfig="$KC_ROUTER" \
    --hostname-override="$NAME" --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --enable-ipv4=true --enable-ipv6=false --health-port=0 --metrics-port=0 \
    --service-cluster-ip-range="$SERVICE_CIDR" --v=1
  wait_for 120 "node $NAME Ready" K wait --for=condition=Ready "node/$NAME" --timeout=2s ||
    { tail -30 "$D/logs/kubelet.log" >&2; die "$NAME not Ready"; }
  wait_for 60 "kube-router firewall chains on $NAME" in_node "$I" iptables -w -S KUBE-ROUTER-FORWARD ||
    { tail -20 "$D/logs/kube-router.log" >&2; die "kube-router of $NAME not up"; }
  for p in containerd kubelet kube-proxy kube-router; do
    alive_in "$D/pids" "$p" || { tail -20 "$D/logs/$p.log" >&2; die "$p of $NAME died"; }
  done
  python3 -c "import time; print(round(time.time() - $t0, 1))" >"$D/boot-seconds"
  log "$NAME Ready, pod CIDR $cidr, after $(cat "$D/boot-seconds")s"
}

# ---------------------------------------------------------------- loss and reboot
# freeze_kill <cgroup>: freeze the subtree (nothing runs another instruction), SIGKILL every task, thaw: all die at
# once, none gets to clean up, as on a power loss.
freeze_kill() {
  local f="/sys/fs/cgroup/freezer/$1" n i pid
  [ -d "/sys/fs/cgroup/pids/$1" ] || return 0
  [ -d "$f" ] && echo FROZEN >"$f/freezer.state"
  for i in 1 2 3 4 5; do
    n=0
    for pid in $(cgroup_pids "$1"); do kill -KILL "$pid" 2>/dev/null && n=$((n + 1)); done
    [ -d "$f" ] && echo THAWED >"$f/freezer.state"
    [ "$n" = 0 ] && break
    sleep 0.3
    [ -z "$(cgroup_pids "$1")" ] && break
    [ -d "$f" ] && echo FROZEN >"$f/freezer.state"
  done
  [ -d "$f" ] && echo THAWED >"$f/freezer.state"
  [ -z "$(cgroup_pids "$1")" ] || { log "WARN: tasks left in $1: $(cgroup_pids "$1" | tr '\n' ' ')"; return 1; }
}

cmd_crash() {
  [ "$(cmd_status)" = up ] || die "$NAME is not up ($(cmd_status))"
  # The network first, so no process gets a word out (no FIN, no lease update) while the rest is killed.
  ip link set "$VETH" down
  freeze_kill "$CG"
  rm -f "$D"/pids/*.pid
  log "$NAME crashed: link down, every process of its cgroup killed"
}

cmd_reset() {
  local m i
  freeze_kill "$CG" || true
  # the runtime's mounts (pod netns, rootfs overlays) and the kubelet's volume mounts (tmpfs, local PV binds)
  for i in 1 2 3; do
    m="$(awk -v s="$D/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r)"
    [ -n "$m" ] || break
    for x in $m; do umount "$x" 2>/dev/null || umount -l "$x" 2>/dev/null || true; done
  done
  # (host-local's reservations go too: after a reboot no pod of the node holds an address)
  rm -rf "$D/containerd/state" "$D/pids" "$D/cni/ipam" "$D/boot-started"
  ip netns del "$NETNS" 2>/dev/null || true   # its veth pair goes with it
  ip link del "$VETH" 2>/dev/null || true
  cgroups_down
}

cmd_status() {
  if [ ! -e "/run/netns/$NETNS" ]; then echo absent
  elif alive_in "$D/pids" kubelet && alive_in "$D/pids" containerd; then echo up
  else echo crashed; fi
}

case "$CMD" in
  boot) cmd_boot; [ "${3:-}" = --no-wait ] || cmd_wait ;;
  wait) cmd_wait ;;
  crash) cmd_crash ;;
  reset) cmd_reset; log "$NAME reset" ;;
  status) cmd_status ;;
  *) die "usage: node.sh boot|wait|crash|reset|status <i>" ;;
esac
