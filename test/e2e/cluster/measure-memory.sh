#!/usr/bin/env bash
# Memory used by the running e2e cluster: PSS and RSS (from /proc/<pid>/smaps_rollup) of every process
# up.sh started (pidfiles in $STATE/pids and the control plane's), plus containerd's shims and every
# process in the kubelet's pod cgroups. Prints one line per component and a total, in MiB.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
declare -A seen=()
total_pss=0; total_rss=0
row() { # <label> <pid...>
  local label="$1" pss=0 rss=0 p v; shift
  for p in "$@"; do
    [ -n "$p" ] && [ -z "${seen[$p]:-}" ] && [ -r "/proc/$p/smaps_rollup" ] || continue
    seen[$p]=1
    v="$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")"; pss=$((pss + ${v:-0}))
    v="$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")"; rss=$((rss + ${v:-0}))
  done
  total_pss=$((total_pss + pss)); total_rss=$((total_rss + rss))
  awk -v l="$label" -v p="$pss" -v r="$rss" 'BEGIN {printf "%-26s PSS %7.1f MiB   RSS %7.1f MiB\n", l, p/1024, r/1024}'
}
for f in "$CP_STATE"/etcd.pid "$CP_STATE"/kube-apiserver.pid "$STATE"/pids/*.pid; do
  [ -f "$f" ] && row "$(basename "$f" .pid)" "$(cat "$f")"
done
mapfile -t shims < <(pgrep -f -- "-address $CTR_SOCK" || true)
row containerd-shims "${shims[@]}"
pods=()
if [ -d /sys/fs/cgroup/memory/kubepods ]; then
  mapfile -t pods < <(find /sys/fs/cgroup/memory/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
fi
row "pod processes" "${pods[@]}"
awk -v p="$total_pss" -v r="$total_rss" 'BEGIN {printf "%-26s PSS %7.1f MiB   RSS %7.1f MiB\n", "TOTAL", p/1024, r/1024}'
