#!/usr/bin/env bash
# Builds promtool v3.7.3 (the bundled Prometheus image's version) from the Go module proxy, cached by the hash
# of go.mod + go.sum, and prints the binary's path. Idempotent: a second run only prints the path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/observability"
key="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
bin="$cache/promtool-$key/promtool"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache/promtool-$key"
  export GOMODCACHE="${GOMODCACHE:-$cache/gomod}" GOFLAGS=-mod=readonly CGO_ENABLED=0
  # Kubernetes SD and the rest of the discovery plugins are compiled in (Debian's 2.42 build drops them).
  (cd "$here" && go build -trimpath -o "$bin.tmp" github.com/prometheus/prometheus/cmd/promtool) >&2
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
