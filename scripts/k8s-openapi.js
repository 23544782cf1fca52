#!/usr/bin/env node
// Extracts the OpenAPI v3 schemas of the API groups the stack emits from the k8s.io/kubernetes Go module (the
// version pinned in test/cluster/k8s/go.mod, the same the API-server tier runs) into
// test/schema/kubernetes-openapi.json, without descriptions. Regenerate after a Kubernetes bump:
//   (cd test/cluster/k8s && go mod download k8s.io/kubernetes) && node scripts/k8s-openapi.js
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const gomod = fs.readFileSync(path.join(root, 'test/cluster/k8s/go.mod'), 'utf8');
const version = /k8s\.io\/kubernetes (v[\d.]+)/.exec(gomod)[1];
const modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
const dir = path.join(modcache, `k8s.io/kubernetes@${version}`, 'api/openapi-spec/v3');
const files = [
  'api__v1',
  'apis__apps__v1',
  'apis__batch__v1',
  'apis__policy__v1',
  'apis__networking.k8s.io__v1',
  'apis__autoscaling__v2',
  'apis__rbac.authorization.k8s.io__v1',
];

const schemas = {};
for (const f of files) Object.assign(schemas, JSON.parse(fs.readFileSync(path.join(dir, `${f}_openapi.json`), 'utf8')).components.schemas);

// Keep the kinds of these groups and everything they reference.
const kinds = {};
const keep = new Set();
const visit = (name) => {
  if (keep.has(name)) return;
  keep.add(name);
  JSON.stringify(schemas[name]).replace(/#\/components\/schemas\/([^"]+)/g, (_, ref) => {
    visit(ref);
    return '';
  });
};
for (const [name, s] of Object.entries(schemas)) {
  for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
    if (name.startsWith('io.k8s.api.') && !name.endsWith('List')) {
      kinds[`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`] = name;
      visit(name);
    }
  }
}
const strip = (v) => {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'description')
        .map(([k, x]) => [k, strip(x)]),
    );
  }
  return v;
};
const out = { kubernetesVersion: version, kinds, components: { schemas: strip(Object.fromEntries([...keep].sort().map((n) => [n, schemas[n]]))) } };
fs.mkdirSync(path.join(root, 'test/schema'), { recursive: true });
fs.writeFileSync(path.join(root, 'test/schema/kubernetes-openapi.json'), JSON.stringify(out) + '\n');
console.log(`test/schema/kubernetes-openapi.json: ${Object.keys(kinds).length} kinds, ${keep.size} schemas from k8s.io/kubernetes ${version}`);
