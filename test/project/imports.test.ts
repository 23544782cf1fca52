import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '../..');
const openapi = path.join(root, 'test/schema/kubernetes-openapi.json');

/** Runs scripts/import-k8s.js into a scratch folder and returns the generated k8s.ts. */
function generate(source = openapi): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'import-k8s-'));
  execFileSync(process.execPath, [path.join(root, 'scripts/import-k8s.js'), out, path.relative(root, source)], { cwd: root, stdio: 'pipe' });
  return fs.readFileSync(path.join(out, 'k8s.ts'), 'utf8');
}

describe('imports/k8s.ts', () => {
  const fresh = generate();

  test('is what scripts/import-k8s.js generates from test/schema/kubernetes-openapi.json (npm run import:k8s)', () => {
    // Byte-for-byte: a stale file means the OpenAPI (a Kubernetes bump) or cdk8s-cli changed without a re-import.
    expect(fs.readFileSync(path.join(root, 'imports/k8s.ts'), 'utf8') === fresh).toBe(true);
  });

  test('names the Kubernetes version it was generated from', () => {
    const { kubernetesVersion } = JSON.parse(fs.readFileSync(openapi, 'utf8'));
    expect(fresh.split('\n')[0]).toContain(`Kubernetes ${kubernetesVersion}`);
  });

  test('every reference was resolved: no property typed any where the schema has a type', () => {
    // The v3 `allOf: [{ $ref }]` wrappers must become plain refs, or json2jsii types them `any`.
    expect(fresh).toMatch(/readonly metadata\?: ObjectMeta;/);
    expect(fresh).toMatch(/readonly template: PodTemplateSpec;/);
  });

  test('a changed schema gives a different file (the freshness check can fail)', () => {
    const schema = JSON.parse(fs.readFileSync(openapi, 'utf8'));
    delete schema.components.schemas['io.k8s.api.core.v1.Container'].properties.workingDir;
    const changed = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
    fs.writeFileSync(changed, JSON.stringify(schema));
    const other = generate(changed);
    expect(other === fresh).toBe(false);
    expect(fresh).toContain('@schema io.k8s.api.core.v1.Container#workingDir');
    expect(other).not.toContain('@schema io.k8s.api.core.v1.Container#workingDir');
    expect(other).toContain('@schema io.k8s.api.core.v1.EphemeralContainer#workingDir');
  });
});
