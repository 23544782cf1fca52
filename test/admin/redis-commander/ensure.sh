#!/usr/bin/env bash
# Installs what test/admin/redis-commander.real.test.ts runs, idempotently, and prints the redis-commander directory:
#   - redis-server (Debian package) when missing;
#   - redis-commander 0.9.0 (the image's version) from npm with this directory's lock file, cached by the
#     lock file's hash under ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2
  else
    echo "redis-server is missing: apt-get install redis-server" >&2; exit 1
  fi
fi
KEY="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-16)"
DIR="$CACHE/redis-commander-$KEY"
if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$DIR.tmp/"
  # --ignore-scripts: bcrypt's native build is only for hashed UI passwords, which the stack does not use.
  (cd "$DIR.tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
  touch "$DIR.tmp/.complete"
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
echo "$DIR/node_modules/redis-commander"
