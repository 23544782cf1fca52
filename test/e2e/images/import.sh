#!/usr/bin/env bash
# Import the e2e images into a containerd (namespace k8s.io, where the kubelet's CRI looks).
# usage: test/e2e/images/import.sh <containerd-socket> [name...]
#   Builds missing images first (build.sh, cached by input hash), then
#   `ctr -a <socket> -n k8s.io images import` for each tar, and checks the tag is listed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOCK="${1:?usage: import.sh <containerd-socket> [name...]}"; shift
[ -S "$SOCK" ] || { echo "import.sh: $SOCK is not a socket" >&2; exit 1; }
command -v ctr >/dev/null || {
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q >&2; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 containerd >&2
}
NS="${E2E_IMAGES_NAMESPACE:-k8s.io}"

list="$("$HERE/build.sh" "$@")"
rc=0
while read -r name tag tar; do
  [ -n "$name" ] || continue
  t0=$SECONDS
  # --all-platforms: our archives carry no platform index; --no-unpack is not used so the
  # snapshotter has the image ready for the kubelet
  if ctr -a "$SOCK" -n "$NS" images import --all-platforms "$tar" >/dev/null; then
    listed="$(ctr -a "$SOCK" -n "$NS" images ls -q)"   # (no pipe into grep -q: pipefail + SIGPIPE)
    if grep -qxF "$tag" <<<"$listed"; then
      printf 'imported %-18s %s (%d s)\n' "$name" "$tag" "$((SECONDS - t0))"
    else
      echo "import.sh: $tag not listed after import of $tar" >&2; rc=1
    fi
  else
    echo "import.sh: ctr import failed for $tar" >&2; rc=1
  fi
done <<<"$list"
exit "$rc"
