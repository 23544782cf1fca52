#!/usr/bin/env node
// Generates imports/k8s.ts (the Kubernetes L1 classes: KubeDeployment, Container, IntOrString, …) with cdk8s-cli's
// own `cdk8s import k8s` code, from the Kubernetes OpenAPI the tests validate against
// (test/schema/kubernetes-openapi.json, made by scripts/k8s-openapi.js from the pinned k8s.io/kubernetes module).
// `cdk8s import k8s@X` would download cdk8s-team's `_definitions.json` from GitHub; here the same importer is
// handed that file's shape built locally: OpenAPI v3 `components.schemas` as Swagger-2-style `definitions`.
//   npm run import:k8s                    # writes imports/k8s.ts
//   node scripts/import-k8s.js DIR [SRC]  # writes DIR/k8s.ts from SRC (default: the file above; for the tests)
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'imports'));
const sourceFile = path.resolve(root, process.argv[3] ?? 'test/schema/kubernetes-openapi.json');
const source = path.relative(root, sourceFile);
const openapi = JSON.parse(fs.readFileSync(sourceFile, 'utf8'));
const version = openapi.kubernetesVersion.replace(/^v/, '');

// cdk8s-cli's package.json `exports` hides lib/: require its files by path (the version is pinned in package.json).
const cli = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cli, 'lib/util.js'));
const { ImportKubernetesApi } = require(path.join(cli, 'lib/import/k8s.js'));
const { Language } = require(path.join(cli, 'lib/import/base.js'));

/**
 * v3 → the `_definitions.json` shape: refs point into `#/definitions/`, and a ref wrapped as `allOf: [{ $ref }]`
 * (how v3 attaches a default to a ref) becomes the plain `$ref` Swagger 2 has. json2jsii reads no `allOf`: left
 * wrapped, every such property would be typed `any`.
 */
const ref = (r) => r.replace('#/components/schemas/', '#/definitions/');
function toDefinitions(v) {
  if (Array.isArray(v)) return v.map(toDefinitions);
  if (!v || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'allOf' && Array.isArray(x) && x.length === 1 && x[0].$ref && Object.keys(x[0]).length === 1) {
      out.$ref = ref(x[0].$ref);
    } else if (k === '$ref') {
      out.$ref = ref(x);
    } else {
      out[k] = toDefinitions(x);
    }
  }
  return out;
}
const schema = JSON.stringify({ definitions: toDefinitions(openapi.components.schemas) });
const leftover = /"allOf"|#\/components\//.exec(schema);
if (leftover) throw new Error(`${source}: ${leftover[0]} left after conversion; extend toDefinitions()`);

// The importer's only network call: serve the converted schema for exactly its URL, refuse anything else.
const url = `https://raw.githubusercontent.com/cdk8s-team/cdk8s/master/kubernetes-schemas/v${version}/_definitions.json`;
util.download = async (u) => {
  if (u !== url) throw new Error(`import-k8s: unexpected download of ${u}`);
  return schema;
};

(async () => {
  fs.mkdirSync(outdir, { recursive: true });
  const log = console.log;
  console.log = () => {}; // the importer prints the module name; keep stdout for our summary
  try {
    await new ImportKubernetesApi({ apiVersion: version }).import({ outdir, targetLanguage: Language.TYPESCRIPT, save: false });
  } finally {
    console.log = log;
  }
  const file = path.join(outdir, 'k8s.ts');
  const code = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, `// Kubernetes v${version}, from ${source} by scripts/import-k8s.js (cdk8s-cli's k8s importer). Do not edit.\n${code}`);
  const kinds = (code.match(/^export class Kube\w+ extends ApiObject/gm) ?? []).length;
  log(`${path.relative(process.cwd(), file)}: ${kinds} API object classes, Kubernetes v${version}`);
})().catch((e) => {
  console.error(`import-k8s: ${e.stack ?? e}`);
  process.exit(1);
});
