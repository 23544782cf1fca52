#!/usr/bin/env bash
# The cluster tier: build (cached) -> start etcd + kube-apiserver (+ CRDs) -> jest -> stop.
#   bash test/cluster/run.sh [jest args...]        (npm run test:cluster)
# Env: CLUSTER_MANIFESTS_DIR (default dist),
#      CLUSTER_SYNTH=0 (do not run `npm run synth` first), CLUSTER_EXAMPLES_DIR (default examples/argocd), and apiserver.sh's variables.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"
T0=$(date +%s.%N)
secs() { python3 -c "import time;print(round(time.time()-$1,1))"; }
log() { echo "[run.sh] $*" >&2; }

# the tier's own state dir, so a node tier (or a developer's cluster) can run beside it
export CLUSTER_STATE_DIR="${CLUSTER_STATE_DIR:-${TMPDIR:-/tmp}/cdk8s-prefect-cluster-tier.$$}"

[ -x node_modules/.bin/jest ] || npm ci --no-audit --no-fund

export CLUSTER_MANIFESTS_DIR="${CLUSTER_MANIFESTS_DIR:-dist}"
# Test what the source emits now: synthesize dist/ (this also builds lib/, which the upgrade test
# runs). CLUSTER_SYNTH=0 tests an existing dist/ as it is.
if [ "${CLUSTER_SYNTH:-1}" != 0 ]; then
  t=$(date +%s.%N)
  npm run -s synth >&2
  log "npm run synth in $(secs "$t")s"
fi

t=$(date +%s.%N)
BIN="$(bash "$HERE/build.sh" kube-apiserver kubectl etcd | tail -1)"
log "binaries ready in $(secs "$t")s: $BIN"
export CLUSTER_BIN_DIR="$BIN"

summary=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local rc=$?
  bash "$HERE/apiserver.sh" stop || rc=1
  if [ -f "$CLUSTER_STATE_DIR/jest.json" ]; then
    summary="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("cluster: %d passed, %d failed" % (r["numPassedTests"], r["numFailedTests"]))' "$CLUSTER_STATE_DIR/jest.json")"
  fi
  if [ "$rc" = 0 ]; then rm -rf "$CLUSTER_STATE_DIR"; else log "logs kept in $CLUSTER_STATE_DIR"; fi
  log "total tier time $(secs "$T0")s, exit $rc"
  [ -z "$summary" ] || echo "$summary"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$(date +%s.%N)
bash "$HERE/apiserver.sh" start >/dev/null
log "control plane ready (apiserver /readyz + CRDs Established) in $(secs "$t")s"
# shellcheck disable=SC1091
. "$CLUSTER_STATE_DIR/env"
"$KUBECTL" version -o json | python3 -c 'import json,sys; v=json.load(sys.stdin); print("[run.sh] kubectl", v["clientVersion"]["gitVersion"], "/ server", v["serverVersion"]["gitVersion"])' >&2

set +e
node_modules/.bin/jest --config "$HERE/jest.config.js" --json --outputFile="$CLUSTER_STATE_DIR/jest.json" "$@"
rc=$?
set -e
exit $rc
