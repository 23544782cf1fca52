#!/usr/bin/env bash
# The Prefect release the stack pins, as a Python venv, for the real-process tests (work pool, database
# credentials, settings). Pins: bench/prefect/requirements.lock (prefect==3.9.1, prefect-redis and every
# dependency, `pip install --no-deps`). Cached by content under ${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}:
# the key is the lock file plus the Python version, the same key bench/prefect/setup.sh uses, so both share one venv.
# `prefect-venv.sh kubernetes` adds prefect-kubernetes (test/worker/prefect-kubernetes.lock) in a second venv
# keyed by both locks. Idempotent; prints the venv's directory on stdout (progress on stderr).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCK="$ROOT/bench/prefect/requirements.lock"
CACHE_ROOT="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}"
[[ -s $LOCK ]] || { echo "prefect-venv: $LOCK is missing" >&2; exit 1; }
version="$(sed -n 's/^prefect==//p' "$LOCK")"
key="$( (cat "$LOCK"; /usr/bin/python3 -V) | sha256sum | cut -c1-12)"
VENV="$CACHE_ROOT/prefect-venv-$version-$key"
EXTRA=""
if [[ ${1:-} == kubernetes ]]; then
  EXTRA="$ROOT/test/worker/prefect-kubernetes.lock"
  key="$( (cat "$LOCK" "$EXTRA"; /usr/bin/python3 -V) | sha256sum | cut -c1-12)"
  VENV="$CACHE_ROOT/prefect-kubernetes-venv-$version-$key"
fi

if [[ ! -f $VENV/.complete ]]; then
  if ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    [[ $(id -u) == 0 ]] || { echo "prefect-venv: as root: apt-get install python3-venv" >&2; exit 1; }
    echo "prefect-venv: apt-get install python3-venv" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  echo "prefect-venv: creating $VENV (prefect $version)" >&2
  # A venv without the .complete marker is a half-built one: start over.
  rm -rf "$VENV"
  mkdir -p "$CACHE_ROOT"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip==24.3.1 >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$LOCK" >&2
  [[ -z $EXTRA ]] || "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r "$EXTRA" >&2
  "$VENV/bin/pip" check >&2
  touch "$VENV/.complete"
fi
echo "$VENV"
