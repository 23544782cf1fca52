// (b) Every pod template the library emits is admitted, without a warning, as a Pod in a namespace
// that enforces the "restricted" Pod Security Standard (PodSecurity admission of a real apiserver).
import { applyArgs, ensureNamespace, id, kubectlClean, loadManifests, manifestsDir, podTemplates, toYaml } from './helpers';

const NS = 'psa-restricted';
const templates = podTemplates(loadManifests(manifestsDir()));

beforeAll(() => {
  ensureNamespace(NS, {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': 'latest',
    'pod-security.kubernetes.io/audit': 'restricted',
  });
  // The ServiceAccount admission plugin is on: a Pod's service account must exist in its namespace.
  // (No controller-manager runs in this tier, so not even "default" exists yet.)
  const sas = new Set(['default', ...templates.map((t) => t.template.spec.serviceAccountName).filter(Boolean)]);
  kubectlClean(
    applyArgs(),
    toYaml(
      [...sas].map((name) => ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: NS },
      })),
    ),
  );
});

test('the manifests have pod templates', () => {
  expect(templates.length).toBeGreaterThan(0);
});

test.each(templates.map((t) => [id(t.owner), t] as const))('%s: pod is admitted under restricted, no warning', (_, t) => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${t.owner.kind}-${t.owner.metadata.name}`.toLowerCase().slice(0, 63).replace(/-+$/, ''),
      namespace: NS,
      labels: t.template.metadata?.labels,
      annotations: t.template.metadata?.annotations,
    },
    spec: t.template.spec,
  };
  const r = kubectlClean(['create', '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'], toYaml([pod]));
  expect(r.stdout.trim()).toBe(`pod/${pod.metadata.name}`);
});
