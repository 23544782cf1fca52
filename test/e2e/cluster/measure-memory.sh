#!/usr/bin/env bash
# Memory used by the running e2e cluster: PSS and RSS (from /proc/<pid>/smaps_rollup) of the host's processes
# (control plane, edge LB: pidfiles), then per node of its own processes (pidfiles; containerd's shims by its
# socket) and of its pods (every process in the node's kubepods cgroups), a subtotal per node and a total, in MiB.
# PSS divides pages shared between processes (one kubelet binary mapped by three nodes) among them: the PSS total is
# what the cluster adds to the machine.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
declare -A seen=()
total_pss=0; total_rss=0; sub_pss=0; sub_rss=0
row() { # <label> <pid...>
  local label="$1" pss=0 rss=0 p v; shift
  for p in "$@"; do
    [ -n "$p" ] && [ -z "${seen[$p]:-}" ] && [ -r "/proc/$p/smaps_rollup" ] || continue
    seen[$p]=1
    v="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")"; pss=$((pss + ${v:-0}))
    v="$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")"; rss=$((rss + ${v:-0}))
  done
  total_pss=$((total_pss + pss)); total_rss=$((total_rss + rss)); sub_pss=$((sub_pss + pss)); sub_rss=$((sub_rss + rss))
  print_row "$label" "$pss" "$rss"
}
print_row() { awk -v l="$1" -v p="$2" -v r="$3" 'BEGIN {printf "%-34s PSS %7.1f MiB   RSS %7.1f MiB\n", l, p/1024, r/1024}'; }
for f in "$CP_STATE"/etcd.pid "$CP_STATE"/kube-apiserver.pid "$STATE"/pids/*.pid; do
  [ -f "$f" ] && row "$(basename "$f" .pid)" "$(cat "$f")"
done
print_row "host (control plane, LB)" "$sub_pss" "$sub_rss"
for i in $(nodes_present); do
  sub_pss=0; sub_rss=0
  d="$(node_dir "$i")"; n="$(node_name "$i")"
  for f in "$d"/pids/*.pid; do [ -f "$f" ] && row "$n $(basename "$f" .pid)" "$(cat "$f")"; done
  mapfile -t shims < <(pgrep -f -- "-address $(node_sock "$i")" || true)
  row "$n containerd-shims" "${shims[@]}"
  pods=()
  if [ -d "/sys/fs/cgroup/memory/$(node_cgroup "$i")/kubepods" ]; then
    mapfile -t pods < <(find "/sys/fs/cgroup/memory/$(node_cgroup "$i")/kubepods" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
  fi
  row "$n pod processes" "${pods[@]}"
  print_row "$n (node total)" "$sub_pss" "$sub_rss"
done
print_row TOTAL "$total_pss" "$total_rss"
