#!/usr/bin/env bash
# `npm run test:e2e`: bring up the cluster (E2E_NODES worker nodes, default 3), run the smoke tests and every suite in
# test/e2e/suites/*.sh (each gets the cluster's env file as $1), then tear the cluster down.
#   E2E_NODES=1          one node: the fast path (suites that need several nodes say so and run nothing)
#   E2E_KEEP_CLUSTER=1   leave the cluster running afterwards (bash test/e2e/cluster/down.sh to stop it)
#   E2E_SKIP_SMOKE=1     skip the smoke tests
#   E2E_SUITES="stack …" run only these suites of test/e2e/suites/ (default: all but the fault suites)
#   E2E_FAULTS=1         the fault scenarios too (npm run test:e2e:faults): the data tier's (stack.sh, nodes.sh) and
#                        the fault suites (cnpg.sh); CI leaves them out to fit its time (docs/development.md "Tests")
#   E2E_IMPORT_IMAGES=0|1  import the stack's images (test/e2e/images/import.sh, built + cached there) into
#                        the node's containerd; default: 1 when there is a suite in test/e2e/suites/
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "test:e2e needs root (it runs containerd, kubelet, iptables)" >&2; exit 2; }

export E2E_NODES="${E2E_NODES:-3}"
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() { [ "${E2E_KEEP_CLUSTER:-0}" = 1 ] || bash "$HERE/cluster/down.sh"; }
bash "$HERE/cluster/down.sh" >/dev/null 2>&1   # leftovers of an interrupted run
trap cleanup EXIT

ENV_FILE="$(bash "$HERE/cluster/up.sh" | tail -1)" && [ -f "$ENV_FILE" ] || { echo "cluster bring-up failed" >&2; exit 1; }
rc=0
# every suite; nodes.sh (it stops and reboots nodes) after the others
suites=()
FAULT_SUITES="cnpg"
wanted() {
  local n; n="$(basename "$1" .sh)"
  if [ -n "${E2E_SUITES:-}" ]; then tr ' ' '\n' <<<"$E2E_SUITES" | grep -qxF -- "$n"; return; fi
  [ "${E2E_FAULTS:-0}" = 1 ] || ! tr ' ' '\n' <<<"$FAULT_SUITES" | grep -qxF -- "$n"
}
for s in "$HERE"/suites/*.sh; do [ -f "$s" ] && [ "$(basename "$s")" != nodes.sh ] && wanted "$s" && suites+=("$s"); done
[ -f "$HERE/suites/nodes.sh" ] && wanted "$HERE/suites/nodes.sh" && suites+=("$HERE/suites/nodes.sh")
if [ "${E2E_IMPORT_IMAGES:-$([ "${#suites[@]}" -gt 0 ] && echo 1 || echo 0)}" = 1 ]; then
  # every node's containerd (a pod may land on any node)
  # shellcheck disable=SC1090
  ( . "$ENV_FILE" && for sock in $E2E_CTR_ADDRESSES; do bash "$HERE/images/import.sh" "$sock" || exit 1; done ) \
    || { echo "importing the stack's images failed" >&2; exit 1; }
fi
if [ "${E2E_SKIP_SMOKE:-0}" != 1 ]; then bash "$HERE/smoke/smoke.sh" "$ENV_FILE" || rc=1; fi
for s in "${suites[@]}"; do
  echo "== suite $(basename "$s") $(date -u +%H:%M:%S)" >&2
  bash "$s" "$ENV_FILE" || rc=1
done
echo "== e2e done $(date -u +%H:%M:%S), rc $rc" >&2
exit "$rc"
