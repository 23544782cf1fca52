#!/usr/bin/env bash
# Prepares what `npm test` runs for real, once, cached by content (npm runs it as `pretest`):
# Debian's PostgreSQL, Redis and promtool; promtool v3.7.3 built from Go; the PromQL parser; the pinned Prefect,
# prefect-kubernetes, pgAdmin and redis-commander installs. A warm run takes about a second. Jest's files may run
# in parallel: preparing here means no two tests build the same cache at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
for pkg in postgresql redis-server prometheus python3-venv util-linux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || { echo "test/setup.sh: as root: apt-get install ${missing[*]}" >&2; exit 1; }
  echo "test/setup.sh: apt-get install ${missing[*]}" >&2
  # Packages must not start their own servers: the tests start throwaway ones on loopback.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash test/observability/setup.sh >&2
bash test/worker/prefect-venv.sh >/dev/null
bash test/worker/prefect-venv.sh kubernetes >/dev/null
bash test/admin/pgadmin/ensure.sh >/dev/null
bash test/admin/redis-commander/ensure.sh >/dev/null
echo "test/setup.sh: ready" >&2
