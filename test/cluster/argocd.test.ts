// (d) The Argo CD Application example validates against the Application CRD of a real apiserver
// (server-side dry-run, strict field validation, no warning).
import * as fs from 'fs';
import * as path from 'path';
import { applyArgs, ensureNamespace, id, kubectlClean, loadManifests, REPO, toYaml } from './helpers';

const dir = path.resolve(REPO, process.env.CLUSTER_EXAMPLES_DIR || 'examples/argocd');
if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: the Argo CD example is missing (set CLUSTER_EXAMPLES_DIR)`);
const manifests = loadManifests(dir);

test(`${path.relative(REPO, dir)} holds an Argo CD Application`, () => {
  expect(manifests.map((m) => m.obj.kind)).toContain('Application');
});

test.each(manifests.map((m) => [id(m.obj), m] as const))('%s validates (server-side dry-run, strict)', (_, m) => {
  if (m.obj.metadata.namespace) ensureNamespace(m.obj.metadata.namespace);
  const r = kubectlClean(applyArgs(['--dry-run=server', '-o', 'json']), toYaml([m.obj]));
  const stored = JSON.parse(r.stdout);
  // what the apiserver would store is what we sent (no field silently pruned by the CRD schema)
  expect(stored.kind).toBe(m.obj.kind);
  expect(stored.spec).toEqual(m.obj.spec);
});
