#!/usr/bin/env bash
# Build Kubernetes (and etcd) binaries from the Go module proxy, cached by content.
#
#   bash test/cluster/build.sh [binary...]     default: kube-apiserver kubectl etcd
#
# Known binaries: kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy etcd
#
# Cache layout (CDK8S_PREFECT_CACHE, default /var/cache/cdk8s-prefect-stack):
#   k8s/<k8s version>-<sha256 of k8s/go.mod + k8s/go.sum + build flags>/bin/<binary>
#   etcd/<etcd version>-<sha256 of etcd/go.mod + etcd/go.sum + build flags>/bin/etcd
#   k8s/<...>/bin/etcd is a symlink to the etcd binary, so ONE directory holds everything.
# A warm run builds nothing. The last line on stdout is the bin dir (all logs go to stderr).
#
# Env: CDK8S_PREFECT_CACHE, ETCD_FROM_DEBIAN=1 (use Debian's etcd-server instead of building),
#      GOCACHE/GOMODCACHE/GOFLAGS as usual for go.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=mod}"
# k8s builds its server binaries statically (CGO_ENABLED=0); -trimpath keeps them independent of paths.
GO_BUILD_FLAGS=(-trimpath)

log() { echo "[build.sh] $*" >&2; }

command -v go >/dev/null || { log "go is not installed"; exit 1; }
command -v sha256sum >/dev/null || { log "sha256sum missing"; exit 1; }
GO_VERSION="$(go env GOVERSION)"

if [ "$#" -eq 0 ]; then set -- kube-apiserver kubectl etcd; fi

K8S_VERSION="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$HERE/k8s/go.mod")"
ETCD_VERSION="$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$HERE/etcd/go.mod")"
[ -n "$K8S_VERSION" ] || { log "cannot read k8s.io/kubernetes version from k8s/go.mod"; exit 1; }
[ -n "$ETCD_VERSION" ] || { log "cannot read etcd version from etcd/go.mod"; exit 1; }

# Same -X flags as kubernetes' hack/lib/version.sh, so /version and `kubectl version` tell the truth.
k8s_ldflags() {
  local v="$K8S_VERSION" major minor commit date
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  # The module proxy gives no git commit (zeros = unknown), but it does give the tag's time.
  commit="0000000000000000000000000000000000000000"
  date="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"Info": "\(.*\)".*/\1/p' | xargs cat | sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')"
  [ -n "$date" ] || date="1970-01-01T00:00:00Z"
  local f="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    f+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  echo "$f"
}

key_of() { # <module dir> <flags...>
  local dir="$1"; shift
  { cat "$dir/go.mod" "$dir/go.sum"; echo "$GO_VERSION $CGO_ENABLED ${GO_BUILD_FLAGS[*]} $*"; } | sha256sum | cut -c1-16
}

# The ldflags need the module's .info (module proxy once, then GOMODCACHE).
K8S_LDFLAGS="$(cd "$HERE/k8s" && k8s_ldflags)"
k8s_dir() { echo "$CACHE/k8s/$K8S_VERSION-$(key_of "$HERE/k8s" "$K8S_LDFLAGS")"; }

ETCD_LDFLAGS="-s -w"
etcd_dir() { echo "$CACHE/etcd/$ETCD_VERSION-$(key_of "$HERE/etcd" "$ETCD_LDFLAGS")"; }

# go build one package into $out atomically (build to a temp name, then rename).
go_build() { # <module dir> <ldflags> <package> <out>
  local mod="$1" ldflags="$2" pkg="$3" out="$4" t0
  mkdir -p "$(dirname "$out")"
  t0=$(date +%s)
  log "building $pkg -> $out"
  # explicit returns: this also runs in `if` conditions, where set -e does not apply
  (cd "$mod" && go build "${GO_BUILD_FLAGS[@]}" -ldflags "$ldflags" -o "$out.tmp.$$" "$pkg") || { rm -f "$out.tmp.$$"; return 1; }
  mv -f "$out.tmp.$$" "$out" || return 1
  log "built $(basename "$out") in $(( $(date +%s) - t0 ))s"
}

build_etcd() {
  local d; d="$(etcd_dir)"
  if [ -x "$d/bin/etcd" ]; then echo "$d/bin/etcd"; return; fi
  if [ "${ETCD_FROM_DEBIAN:-0}" != 1 ] && go_build "$HERE/etcd" "$ETCD_LDFLAGS" go.etcd.io/etcd/server/v3 "$d/bin/etcd"; then
    echo "$d/bin/etcd"; return
  fi
  log "falling back to Debian's etcd-server"
  if ! command -v etcd >/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  command -v etcd
}

BIN="$(k8s_dir)/bin"
need_build() {
  local b
  for b in "$@"; do
    if [ "$b" = etcd ]; then
      # the symlink must point at this etcd version's build (or at Debian's, when asked for)
      local want; want="$(etcd_dir)/bin/etcd"
      [ "${ETCD_FROM_DEBIAN:-0}" = 1 ] && want="$(command -v etcd || echo missing)"
      [ -x "$BIN/etcd" ] && [ "$(readlink "$BIN/etcd")" = "$want" ] || return 0
    else
      [ -x "$BIN/$b" ] || return 0
    fi
  done
  return 1
}

if need_build "$@"; then
  mkdir -p "$CACHE" "$BIN"
  exec 9>"$CACHE/.build.lock"
  log "waiting for the build lock ($CACHE/.build.lock)"
  flock 9   # other tiers may build at the same time: one build at a time (2 cores)
  for b in "$@"; do
    case "$b" in
      etcd)
        e="$(build_etcd)"
        if [ "$(readlink "$BIN/etcd" 2>/dev/null)" != "$e" ]; then ln -sfn "$e" "$BIN/etcd"; fi ;;
      kube-apiserver|kubectl|kubelet|kube-controller-manager|kube-scheduler|kube-proxy)
        if [ -x "$BIN/$b" ]; then log "cached: $BIN/$b"; continue; fi
        go_build "$HERE/k8s" "$K8S_LDFLAGS" "k8s.io/kubernetes/cmd/$b" "$BIN/$b" ;;
      *) log "unknown binary: $b"; exit 2 ;;
    esac
  done
  exec 9>&-
else
  log "cached: $* in $BIN"
fi
echo "$BIN"
