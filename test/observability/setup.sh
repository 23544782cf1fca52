#!/usr/bin/env bash
# Installs what test/observability needs, idempotently (CI runs it before `npm test`):
#  - promtool 2.42 from Debian's `prometheus` package: `check rules` and `test rules` (the issue's tool);
#  - promtool v3.7.3 built from the Go module proxy (cached): `check config` of the bundled prometheus.yml, since
#    Debian's build has no Kubernetes service discovery, and the rules once more at the bundled image's version;
#  - the PromQL parser of Prometheus' web UI (npm, pinned in tools/package-lock.json) for the metric-name check;
#  - Grafana's published schema types (@grafana/schema, @grafana/grafana-foundation-sdk; same lock) for the dashboards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a Prometheus server; the tests need only promtool.
    systemctl stop prometheus 2>/dev/null || service prometheus stop 2>/dev/null || true
  else
    echo "promtool missing: run as root or apt-get install prometheus" >&2
    exit 1
  fi
fi
if [ ! -d "$here/tools/node_modules/@prometheus-io/lezer-promql" ] || [ ! -d "$here/tools/node_modules/@grafana/schema" ] \
  || [ ! -d "$here/tools/node_modules/@grafana/grafana-foundation-sdk" ]; then
  npm ci --prefix "$here/tools" --no-audit --no-fund --loglevel=error
fi
"$here/promtool/build.sh" >/dev/null
echo "observability test tools ready: $(command -v promtool), $("$here/promtool/build.sh")"
