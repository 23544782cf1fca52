#!/usr/bin/env bash
# Runs jsii on the library as it is today, in a scratch copy (jsii rewrites package.json's jsii fields and writes
# .jsii/tsconfig files, which must not land in the work tree), with the settings a jsii build would use:
# ajv and yaml bundled, cdk8s and constructs as peers, a Python target. Prints jsii's diagnostics and a count
# by code; exits 0 either way (it measures; it does not gate). Usage: bash scripts/jsii-probe.sh [OUT_FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
out="${1:-/dev/stdout}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r charts imports LICENSE README.md "$work/"
ln -s "$root/node_modules" "$work/node_modules"
node - "$work/package.json" <<'EOF'
const fs = require('fs');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
pkg.author = { name: pkg.author, organization: false };
pkg.bundledDependencies = Object.keys(pkg.dependencies); // non-jsii runtime deps must ship inside the package
pkg.jsii = {
  outdir: 'dist-jsii',
  excludeTypescript: ['test/**', 'scripts/**', 'bench/**', 'main.ts'],
  tsc: { outDir: 'lib', rootDir: '.' },
  targets: { python: { distName: 'cdk8s-prefect-stack', module: 'cdk8s_prefect_stack' } },
};
delete pkg.exports; // jsii reads main/types
fs.writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2) + '\n');
EOF
# jsii warns on every run that this Node major is end-of-life (Node 20 is what this machine has): silence that one.
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION
start=$(date +%s)
set +e
(cd "$work" && "$root/node_modules/.bin/jsii" --generate-tsconfig tsconfig.jsii.json) >"$work/jsii.log" 2>&1
rc=$?
set -e
{
  sed -e "s#$work/##g" "$work/jsii.log"
  echo "--- jsii $("$root/node_modules/.bin/jsii" --version 2>/dev/null) exit $rc in $(( $(date +%s) - start )) s"
  echo "--- by code (error/warning JSII code: count):"
  grep -oE '(error|warning) JSII[0-9]+' "$work/jsii.log" | sort | uniq -c | sort -rn || true
  echo "--- totals: $(grep -cE ' - error JSII' "$work/jsii.log" || true) errors, $(grep -cE ' - warning JSII' "$work/jsii.log" || true) warnings"
} >"$out"
