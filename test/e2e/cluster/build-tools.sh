#!/usr/bin/env bash
# Build the node add-ons of the e2e cluster from the Go module proxy, cached by content.
#
#   bash test/e2e/cluster/build-tools.sh [coredns|kube-router|traefik ...]   (default: all three)
#
# Each tool has a wrapper module in tools/<name>/ (go.mod pins the version, go.sum pins the content).
# Cache: ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/e2e-tools/<name>-<version>-<sha256 of
# go.mod + go.sum + go version + flags>/<name>. A warm run builds nothing.
# Logs go to stderr; the last line on stdout is the directory holding a symlink to every requested binary.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=mod}"
log() { echo "[build-tools] $*" >&2; }
command -v go >/dev/null || { log "go is not installed"; exit 1; }
GO_VERSION="$(go env GOVERSION)"

[ "$#" -gt 0 ] || set -- coredns kube-router traefik

pkg_of() {
  case "$1" in
    coredns) echo github.com/coredns/coredns ;;
    kube-router) echo github.com/cloudnativelabs/kube-router/v2/cmd/kube-router ;;
    traefik) echo github.com/traefik/traefik/v3/cmd/traefik ;;
    *) log "unknown tool $1"; exit 2 ;;
  esac
}
modpath_of() {
  case "$1" in
    coredns) echo github.com/coredns/coredns ;;
    kube-router) echo github.com/cloudnativelabs/kube-router/v2 ;;
    traefik) echo github.com/traefik/traefik/v3 ;;
  esac
}
ldflags_of() { # <tool> <version>
  case "$1" in
    coredns) echo "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$2" ;;
    kube-router) echo "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$2" ;;
    traefik) echo "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$2 -X github.com/traefik/traefik/v3/pkg/version.Codename=e2e" ;;
  esac
}

OUT="$CACHE/e2e-tools/current"
mkdir -p "$OUT"
# test/cluster/build.sh takes the same lock: one Go build at a time on this 2-core machine.
exec 9>"$CACHE/.build.lock"
flock 9
for t in "$@"; do
  mod="$HERE/tools/$t"
  ver="$(cd "$mod" && go list -m -f '{{.Version}}' "$(modpath_of "$t")")"
  [ -n "$ver" ] || { log "cannot read version of $t from $mod/go.mod"; exit 1; }
  ld="$(ldflags_of "$t" "$ver")"
  key="$({ cat "$mod/go.mod" "$mod/go.sum"; echo "$GO_VERSION $CGO_ENABLED -trimpath $ld"; } | sha256sum | cut -c1-16)"
  dir="$CACHE/e2e-tools/$t-$ver-$key"
  if [ ! -x "$dir/$t" ]; then
    mkdir -p "$dir"
    t0=$(date +%s)
    log "building $t $ver -> $dir/$t"
    (cd "$mod" && go build -trimpath -ldflags "$ld" -o "$dir/$t.tmp.$$" "$(pkg_of "$t")")
    mv -f "$dir/$t.tmp.$$" "$dir/$t"
    log "built $t in $(( $(date +%s) - t0 ))s"
  else
    log "$t $ver cached at $dir"
  fi
  ln -sfn "$dir/$t" "$OUT/$t"
done
echo "$OUT"
