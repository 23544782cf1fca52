#!/usr/bin/env bash
# Tear down everything up.sh made: the edge LB and control-plane processes, every node (its processes, pod
# containers and shims, mounts, cgroups, netns and veth), iptables guard rules, the bridge and its routes, the state
# dir. Also cleans the layout of the earlier single-node cluster (node processes on the host). Safe to run twice.
#   bash test/e2e/cluster/down.sh [--keep-state]
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KEEP_STATE=0; [ "${1:-}" = --keep-state ] && KEEP_STATE=1
[ "$(id -u)" = 0 ] || die "must run as root"

# 1. host processes: the edge LB, the controller-manager and scheduler (and the node processes of the old layout)
for p in haproxy traefik kube-router coredns kube-proxy kubelet kube-scheduler kube-controller-manager; do stop_proc "$p"; done

# 2. every node: all its processes at once (cgroup), then what a reboot would forget, then its netns
nodes="$( { nodes_present; for ns in /run/netns/e2e-node-*; do [ -e "$ns" ] && echo "${ns##*-}"; done; } | sort -un)"
for i in $nodes; do
  case "$i" in [1-9]) bash "$E2E_DIR/node.sh" reset "$i" ;; esac
done

# 2b. the old single-node layout: containerd on the host, its shims and pod cgroups
OLD_SOCK="$STATE/containerd/containerd.sock"
if alive containerd; then
  CTR=(ctr --address "$OLD_SOCK" -n k8s.io)
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  sleep 1
fi
for h in /sys/fs/cgroup/*/kubepods; do
  [ -d "$h" ] || continue
  find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
done
stop_proc containerd
for pid in $(pgrep -f -- "-address $OLD_SOCK" 2>/dev/null); do
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q containerd-shim && kill -KILL "$pid" 2>/dev/null
done

# 3. the control plane (etcd + kube-apiserver)
if [ -d "$CP_STATE" ]; then CLUSTER_STATE_DIR="$CP_STATE" bash "$REPO/test/cluster/apiserver.sh" stop >/dev/null 2>&1 || true; fi

# 4. mounts left under the state dir (deepest first; the old layout's pod netns among them)
if [ -d "$STATE" ]; then
  for i in 1 2 3; do
    m="$(awk -v s="$STATE" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r)"
    [ -n "$m" ] || break
    for x in $m; do umount "$x" 2>/dev/null || umount -l "$x" 2>/dev/null; done
  done
fi
# the old layout's pod veths on the host (ptp gives the host side the gateway IP of the old pod range)
for dev in $(ip -o -4 addr show | awk 'index($4, "10.244.0.") == 1 {print $2}' | sort -u); do
  [ "$dev" = "$BRIDGE" ] || ip link del "$dev" 2>/dev/null
done

# 5. cgroups: the nodes' parent, and the old layout's kubepods
for h in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/*/kubepods; do
  [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
done

# 6. iptables: our guard rules; the old layout's kube-proxy/kube-router/kubelet/portmap chains and ipsets on the host
# (the nodes' own rules went with their network namespaces)
for r in "-i $BRIDGE -o $BRIDGE -m comment --comment cdk8s-e2e-within -j ACCEPT" \
         "-i $BRIDGE ! -o $BRIDGE -m comment --comment cdk8s-e2e-no-egress -j REJECT" \
         "! -i $BRIDGE -o $BRIDGE -m comment --comment cdk8s-e2e-no-ingress -j REJECT" \
         "-s $CLUSTER_CIDR ! -d $CLUSTER_CIDR -m comment --comment cdk8s-e2e-no-egress -j REJECT"; do
  # shellcheck disable=SC2086 # a rule is words
  while iptables -w -D FORWARD $r 2>/dev/null; do :; done
done
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
# shellcheck disable=SC2086 # "family name" are two words
for tbl in "ip kube-proxy" "ip6 kube-proxy"; do nft delete table $tbl 2>/dev/null; done

# 7. veths, bridge, routes (routes via the bridge go with it)
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^cdk8se2e-n'); do ip link del "$l" 2>/dev/null; done
ip route del unreachable "$CLUSTER_CIDR" 2>/dev/null
ip route del "$SERVICE_CIDR" 2>/dev/null
ip link del "$BRIDGE" 2>/dev/null

# 8. the kubelets' links in /var/log/containers to our pod logs
find /var/log/containers -maxdepth 1 -type l -lname "$STATE/*" -delete 2>/dev/null

# 9. state
if [ "$KEEP_STATE" = 0 ] && [ -d "$STATE" ]; then
  if awk -v s="$STATE" 'index($2, s) == 1' /proc/mounts | grep -q .; then
    log "WARN: mounts left under $STATE; not removing it"
  else
    rm -rf "$STATE"
  fi
fi
log "down"
