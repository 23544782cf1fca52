#!/usr/bin/env bash
# Tear down everything up.sh made: processes, pod containers + shims, mounts, cgroups, netns/veths,
# iptables rules/chains, ipsets, the bridge and its routes, the state dir. Safe to run twice.
#   bash test/e2e/cluster/down.sh [--keep-state]
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEEP_STATE=0; [ "${1:-}" = --keep-state ] && KEEP_STATE=1
[ "$(id -u)" = 0 ] || die "must run as root"

# 1. add-ons and node/control-plane processes (reverse start order); the kubelet before containerd
for p in traefik kube-router coredns kube-proxy kubelet kube-scheduler kube-controller-manager; do stop_proc "$p"; done

# 2. every container of our containerd: kill the tasks, then the shims (matched by our socket path)
if alive containerd; then
  CTR=(ctr --address "$CTR_SOCK" -n k8s.io)
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  sleep 1
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true; done
fi
# kubelet's pod cgroups (cgroupfs driver): kill anything left in them
for h in /sys/fs/cgroup/*/kubepods; do
  [ -d "$h" ] || continue
  find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
done
stop_proc containerd
for pid in $(pgrep -f -- "-address $CTR_SOCK" 2>/dev/null); do
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q containerd-shim && kill -KILL "$pid" 2>/dev/null
done
sleep 0.5

# 3. the control plane (etcd + kube-apiserver)
if [ -d "$CP_STATE" ]; then CLUSTER_STATE_DIR="$CP_STATE" bash "$REPO/test/cluster/apiserver.sh" stop >/dev/null 2>&1 || true; fi

# 4. network namespaces (containerd keeps them under its state dir) -> their veths go with them
for ns in "$STATE"/containerd/state/io.containerd.grpc.v1.cri/netns/* /var/run/netns/cni-*; do
  [ -e "$ns" ] || continue
  case "$ns" in /var/run/netns/*) grep -q " $ns " /proc/mounts || continue; esac
  # only namespaces whose pod IPs came from our pod range
  if [ "${ns#/var/run/netns/}" != "$ns" ] && ! ip netns exec "$(basename "$ns")" ip -4 addr 2>/dev/null | grep -q "inet ${NODE_POD_CIDR%.0/24}."; then continue; fi
  umount "$ns" 2>/dev/null; rm -f "$ns"
done
# host ends of pod veths with addresses in our pod range (ptp gives the host side the gateway IP)
for dev in $(ip -o -4 addr show | awk -v p="${NODE_POD_CIDR%.0/24}." 'index($4, p) == 1 {print $2}' | sort -u); do
  [ "$dev" = "$BRIDGE" ] || ip link del "$dev" 2>/dev/null
done

# 5. mounts under the state dir (deepest first)
if [ -d "$STATE" ]; then
  for i in 1 2 3; do
    m="$(awk -v s="$STATE" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r)"
    [ -n "$m" ] || break
    for x in $m; do umount "$x" 2>/dev/null || umount -l "$x" 2>/dev/null; done
  done
fi

# 6. pod cgroups
for h in /sys/fs/cgroup/*/kubepods; do
  [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
done

# 7. iptables: our guard rule, kube-proxy's, kube-router's, kubelet's, portmap's chains; kube-router's ipsets
while iptables -w -D FORWARD -s "$CLUSTER_CIDR" ! -d "$CLUSTER_CIDR" -m comment --comment cdk8s-e2e-no-egress -j REJECT 2>/dev/null; do :; done
for fam in iptables ip6tables; do
  for t in filter nat mangle raw; do
    rules="$("$fam-save" -t "$t" 2>/dev/null)" || continue
    echo "$rules" | grep -qE 'KUBE-|CNI-' || continue
    # drop every rule that jumps to / lives in a KUBE-* or CNI-* chain, and those chains
    echo "$rules" | awk '
      /^:(KUBE-|CNI-)/ {next}
      /^-A (KUBE-|CNI-)/ {next}
      /-j (KUBE-|CNI-)/ {next}
      {print}' | "$fam-restore" -w -T "$t" 2>/dev/null ||
      log "WARN: could not clean $fam table $t"
  done
done
for s in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router-|inet6:KUBE-)'); do ipset destroy "$s" 2>/dev/null; done
# kube-proxy/kubelet may also have created nftables tables in iptables-nft mode
for tbl in "ip kube-proxy" "ip6 kube-proxy"; do nft delete table $tbl 2>/dev/null; done

# 8. bridge + routes
ip route del unreachable "$CLUSTER_CIDR" 2>/dev/null
ip route del "$SERVICE_CIDR" dev "$BRIDGE" 2>/dev/null
ip link del "$BRIDGE" 2>/dev/null

# 9. state
if [ "$KEEP_STATE" = 0 ] && [ -d "$STATE" ]; then
  if awk -v s="$STATE" 'index($2, s) == 1' /proc/mounts | grep -q .; then
    log "WARN: mounts left under $STATE; not removing it"
  else
    rm -rf "$STATE"
  fi
fi
log "down"
