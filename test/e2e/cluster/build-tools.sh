#!/usr/bin/env bash
# Build the node add-ons of the e2e cluster (and the monitoring of test/e2e/monitoring) from the Go module proxy,
# cached by content.
#
#   bash test/e2e/cluster/build-tools.sh [coredns|kube-router|traefik ...]   (default: these three, the cluster's own add-ons)
#   bash test/e2e/cluster/build-tools.sh cloudnative-pg   (the PostgreSQL operator of the stack's HA mode, on demand)
#   bash test/e2e/cluster/build-tools.sh rclone   (the S3 server of the backup scenario and the stack's rclone image)
#   bash test/e2e/cluster/build-tools.sh prometheus-operator prometheus-config-reloader prometheus alertmanager kube-state-metrics
#
# Each tool has a wrapper module in tools/<name>/ (go.mod pins the version, go.sum pins the content); four
# monitoring tools share one, tools/monitoring/, so their common dependencies resolve to one version each and are
# compiled once. Patches in tools/<name>/patches/*.patch (tools/monitoring/patches/<name>/*.patch for those four;
# upstream fixes backported, or what a module lacks to compile) are applied to a copy of the tool's module, which the
# build uses through a replace in a scratch copy of the wrapper.
# Cache: ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/e2e-tools/<name>-<version>-<sha256 of
# go.mod + go.sum + patches + go version + flags>/<name>. A warm run builds nothing.
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
    cloudnative-pg) echo github.com/cloudnative-pg/cloudnative-pg/cmd/manager ;;
    prometheus-operator) echo github.com/prometheus-operator/prometheus-operator/cmd/operator ;;
    prometheus-config-reloader) echo github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader ;;
    prometheus) echo github.com/prometheus/prometheus/cmd/prometheus ;;
    alertmanager) echo github.com/prometheus/alertmanager/cmd/alertmanager ;;
    kube-state-metrics) echo k8s.io/kube-state-metrics/v2 ;;
    # rclone's main with two backends (tools/rclone/main.go), not its own (all backends)
    rclone) echo cdk8s-prefect-stack/test/e2e/cluster/tools/rclone ;;
    *) log "unknown tool $1"; exit 2 ;;
  esac
}
modpath_of() {
  case "$1" in
    coredns) echo github.com/coredns/coredns ;;
    kube-router) echo github.com/cloudnativelabs/kube-router/v2 ;;
    traefik) echo github.com/traefik/traefik/v3 ;;
    cloudnative-pg) echo github.com/cloudnative-pg/cloudnative-pg ;;
    prometheus-operator|prometheus-config-reloader) echo github.com/prometheus-operator/prometheus-operator ;;
    prometheus) echo github.com/prometheus/prometheus ;;
    alertmanager) echo github.com/prometheus/alertmanager ;;
    kube-state-metrics) echo k8s.io/kube-state-metrics/v2 ;;
    rclone) echo github.com/rclone/rclone ;;
  esac
}
moddir_of() {
  case "$1" in
    prometheus-operator|prometheus-config-reloader|prometheus|alertmanager) echo monitoring ;;
    *) echo "$1" ;;
  esac
}
# Build tags: Prometheus with only the Kubernetes service discovery the operator's configuration uses (its
# remove_all_sd/enable_<name>_sd tags; the other SD plugins' SDKs are most of its build time).
tags_of() {
  case "$1" in
    prometheus) echo remove_all_sd,enable_kubernetes_sd ;;
  esac
}
# The version the binary reports, as its release builds set it (Prometheus 3.x is Go module v0.3xx.y).
release_of() { # <tool> <module version>
  case "$1" in
    prometheus) local v="${2#v0.}"; echo "3.$((${v%%.*} - 300)).${v#*.}" ;;
    kube-state-metrics) echo "$2" ;;
    *) echo "${2#v}" ;;
  esac
}
ldflags_of() { # <tool> <version>
  case "$1" in
    coredns) echo "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$2" ;;
    kube-router) echo "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$2" ;;
    traefik) echo "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$2 -X github.com/traefik/traefik/v3/pkg/version.Codename=e2e" ;;
    # (its own Makefile's flags: the operator reports buildVersion without the "v")
    # (its Makefile's flags for a release: the version string is the tag)
    rclone) echo "-s -w -X github.com/rclone/rclone/fs.Version=$2" ;;
    cloudnative-pg) echo "-s -w -X github.com/cloudnative-pg/cloudnative-pg/pkg/versions.buildVersion=${2#v} -X github.com/cloudnative-pg/cloudnative-pg/pkg/versions.buildCommit=$2" ;;
    *) echo "-s -w -X github.com/prometheus/common/version.Version=$(release_of "$1" "$2") -X github.com/prometheus/common/version.Branch=HEAD" ;;
  esac
}

OUT="$CACHE/e2e-tools/current"
mkdir -p "$OUT"
# test/cluster/build.sh takes the same lock: one Go build at a time on this 2-core machine.
exec 9>"$CACHE/.build.lock"
flock 9
for t in "$@"; do
  pkg="$(pkg_of "$t")"
  mod="$HERE/tools/$(moddir_of "$t")"
  ver="$(cd "$mod" && go list -m -f '{{.Version}}' "$(modpath_of "$t")")"
  [ -n "$ver" ] || { log "cannot read version of $t from $mod/go.mod"; exit 1; }
  ld="$(ldflags_of "$t" "$ver")"
  tags="$(tags_of "$t")"
  # Patches of a tool: tools/<name>/patches/, or tools/<module>/patches/<name>/ in a shared module.
  pdir="$mod/patches"; [ "$(moddir_of "$t")" = "$t" ] || pdir="$mod/patches/$t"
  patches=("$pdir"/*.patch); [ -e "${patches[0]}" ] || patches=()
  key="$({ cat "$mod/go.mod" "$mod/go.sum" "${patches[@]}"; echo "$GO_VERSION $CGO_ENABLED -trimpath $ld${tags:+ -tags $tags}"; } | sha256sum | cut -c1-16)"
  dir="$CACHE/e2e-tools/$t-$ver-$key"
  if [ ! -x "$dir/$t" ]; then
    mkdir -p "$dir"
    t0=$(date +%s)
    log "building $t $ver -> $dir/$t"
    src="$mod"
    if [ "${#patches[@]}" -gt 0 ]; then
      # The trap names this scratch directory, not $src: $src is the wrapper module itself for unpatched tools.
      scratch="$(mktemp -d)"; src="$scratch"; trap 'rm -rf "$scratch"' EXIT
      moddir="$(cd "$mod" && go mod download -json "$(modpath_of "$t")@$ver" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
      cp -r "$moddir" "$src/module" && chmod -R u+w "$src/module"
      for p in "${patches[@]}"; do log "patching $t: $(basename "$p")"; git -C "$src/module" apply "$p"; done
      cp "$mod/go.mod" "$mod/go.sum" "$src/"
      (cd "$src" && go mod edit -replace "$(modpath_of "$t")=./module")
    fi
    (cd "$src" && go build -trimpath ${tags:+-tags "$tags"} -ldflags "$ld" -o "$dir/$t.tmp.$$" "$pkg")
    mv -f "$dir/$t.tmp.$$" "$dir/$t"
    [ "$src" = "$mod" ] || rm -rf "$src"
    log "built $t in $(( $(date +%s) - t0 ))s"
  else
    log "$t $ver cached at $dir"
  fi
  ln -sfn "$dir/$t" "$OUT/$t"
done
echo "$OUT"
