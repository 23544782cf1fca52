#!/usr/bin/env bash
# Installs pgAdmin 4.9.10 (the image's version, dpage/pgadmin4:9.10) from PyPI into a virtualenv cached under
# ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}, keyed by requirements.txt (every package pinned) and the
# Python version; prints the virtualenv's directory. For test/admin/pgadmin.real.test.ts.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
# The system Python (Debian's), which uid 5050 can run; a Python under /root (pyenv) it could not.
PY=/usr/bin/python3
KEY="$( (cat "$HERE/requirements.txt"; "$PY" --version) | sha256sum | cut -c1-16)"
DIR="$CACHE/pgadmin-$KEY"
if [ ! -f "$DIR/.complete" ]; then
  command -v unshare >/dev/null && command -v setpriv >/dev/null || { echo "unshare/setpriv (util-linux) are missing" >&2; exit 1; }
  "$PY" -c 'import venv, ensurepip' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } >&2
  rm -rf "$DIR.tmp"
  "$PY" -m venv "$DIR.tmp" >&2
  "$DIR.tmp/bin/pip" install -q --disable-pip-version-check --no-deps -r "$HERE/requirements.txt" >&2
  touch "$DIR.tmp/.complete"
  # venv scripts carry their build path in shebangs: use "$DIR/bin/python -m …" only, so the move is harmless.
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
echo "$DIR"
