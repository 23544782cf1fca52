#!/usr/bin/env bash
# Installs Debian's redis-server (for test/data/redis-server.test.ts), without starting its system service. Idempotent.
set -euo pipefail
command -v redis-server >/dev/null && command -v redis-cli >/dev/null && exit 0
[[ $(id -u) == 0 ]] || { echo "redis-setup: redis-server is not installed; as root: apt-get install redis-server" >&2; exit 1; }
# policy-rc.d 101: the package's postinst must not start a system Redis on 6379 that nobody stops.
had_policy=; [[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
[[ -n $had_policy ]] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
[[ -n $had_policy ]] || rm -f /usr/sbin/policy-rc.d
