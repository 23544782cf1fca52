// (g) Several environments from one repository (issue 22): the shipped prefect-stack.yaml as the shared base and
// examples/environments/{dev,prod}.yaml as overlays, synthesized by the app (`node lib/main.js --environments`) into
// one folder each, then both applied for real (server-side apply, strict validation, no warning) to one API server,
// side by side in their own namespaces; and each environment's Argo CD Application validates against its CRD.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, applyArgs, ensureNamespace, ensurePriorityClasses, id, kubectl, kubectlClean, loadManifests, toYaml } from './helpers';

const EXAMPLES = path.join(REPO, 'examples/environments');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'environments-'));

beforeAll(() => {
  execFileSync(process.execPath, [path.join(REPO, 'lib/main.js'), '--config', 'prefect-stack.yaml', '--environments', EXAMPLES, '--output', out], {
    cwd: REPO,
    stdio: 'pipe',
  });
  ensurePriorityClasses();
});
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

test('one folder per environment', () => {
  expect(fs.readdirSync(out).sort()).toEqual(['dev', 'prod']);
});

test.each(['dev', 'prod'])('environment %s applies to the API server beside the other, every object stored', (env) => {
  const ms = loadManifests(path.join(out, env));
  const namespaced = ms.filter((m) => m.obj.metadata.namespace);
  expect(new Set(namespaced.map((m) => m.obj.metadata.namespace))).toEqual(new Set([`prefect-${env}`]));
  // The Namespace first (it carries the PSS labels), then the rest; CRD-backed kinds only where their CRDs are.
  const crds = kubectl(['get', 'crd', '-o', 'name']).stdout;
  const applicable = ms.filter((m) => !m.obj.apiVersion.includes('monitoring.coreos.com') || crds.includes('monitoring.coreos.com'));
  kubectlClean(applyArgs(), toYaml(applicable.filter((m) => m.obj.kind === 'Namespace').map((m) => m.obj)));
  kubectlClean(applyArgs(), toYaml(applicable.filter((m) => m.obj.kind !== 'Namespace').map((m) => m.obj)));
  for (const m of namespaced.slice(0, 5).concat(namespaced.slice(-5))) {
    const got = kubectl(['get', m.obj.kind.toLowerCase(), '-n', m.obj.metadata.namespace!, m.obj.metadata.name, '-o', 'name']);
    expect([id(m.obj), got.status]).toEqual([id(m.obj), 0]);
  }
});

test.each(['dev', 'prod'])("environment %s's Argo CD Application validates (server-side dry-run, strict) and syncs its folder", (env) => {
  const [app] = loadManifests(path.join(EXAMPLES, 'argocd')).filter((m) => m.obj.metadata.name === `prefect-${env}`);
  expect(app.obj.spec.source.path).toBe(`dist/${env}`);
  expect(app.obj.spec.destination.namespace).toBe(`prefect-${env}`);
  ensureNamespace(app.obj.metadata.namespace!);
  const stored = JSON.parse(kubectlClean(applyArgs(['--dry-run=server', '-o', 'json']), toYaml([app.obj])).stdout);
  expect(stored.spec).toEqual(app.obj.spec);
});
