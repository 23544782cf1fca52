// (e) Negative controls: the apiserver and these helpers DO reject bad manifests, so a green
// tier means something.
import { applyArgs, ensureNamespace, kubectl, kubectlClean, toYaml } from './helpers';

const NS = 'negative-controls';
const RESTRICTED = 'negative-restricted';

beforeAll(() => {
  ensureNamespace(NS);
  ensureNamespace(RESTRICTED, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  kubectlClean(applyArgs(), toYaml([{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: RESTRICTED } }]));
});

const restrictedPod = (name: string, ns: string, securityContext: object) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'busybox:1.37', securityContext }],
  },
});

test('a manifest with an unknown field is rejected by strict validation', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unknown-field', namespace: NS }, data: { a: 'b' }, dataa: { c: 'd' } };
  const r = kubectl(applyArgs(), toYaml([cm]));
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/\.?dataa: field not declared in schema|unknown field "dataa"/);
  // and nothing was stored
  expect(kubectl(['get', 'configmap', 'unknown-field', '-n', NS]).stderr).toMatch(/NotFound/);
});

test('a Deployment with an unknown nested field is rejected too', () => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'typo', namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37', imagePullPolice: 'Always' }] } },
    },
  };
  const r = kubectl(applyArgs(), toYaml([d]));
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/imagePullPolice/);
});

test('a privileged pod in a restricted namespace is rejected by PodSecurity admission', () => {
  const pod = restrictedPod('privileged', RESTRICTED, { privileged: true, allowPrivilegeEscalation: true });
  const r = kubectl(['create', '--dry-run=server', '-f', '-'], toYaml([pod]));
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  expect(r.stderr).toMatch(/privileged \(container "c" must not set securityContext.privileged=true\)/);
});

test('the same pod, made compliant, is admitted (the control above fails for the right reason)', () => {
  const pod = restrictedPod('compliant', RESTRICTED, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  kubectlClean(['create', '--dry-run=server', '-f', '-'], toYaml([pod]));
});

test('a ServiceMonitor with a wrong field type is rejected by the CRD schema', () => {
  const sm = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'wrong-type', namespace: NS },
    spec: { selector: { matchLabels: { a: 'b' } }, endpoints: [{ port: 8080, interval: '30s' }] },
  };
  // server-side apply: the structured-merge typer refuses it
  const r = kubectl(applyArgs(), toYaml([sm]));
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/\.spec\.endpoints\[0\]\.port: expected string, got .*8080/);
  // create: the CRD's OpenAPI schema validation refuses it
  const c = kubectl(['create', '--dry-run=server', '--validate=strict', '-f', '-'], toYaml([sm]));
  expect(c.status).not.toBe(0);
  expect(c.stderr).toMatch(/spec\.endpoints\[0\]\.port: Invalid value: "integer": spec\.endpoints\[0\]\.port in body must be of type string/);
});

test('a warning fails the clean-apply gate (a pod template that only the warn level rejects)', () => {
  // NS has no pod-security labels: cluster defaults are enforce=baseline, warn=restricted, so this
  // Deployment is stored but the apiserver answers with "Warning: would violate PodSecurity".
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'warns', namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } },
    },
  };
  const r = kubectl(applyArgs(['--dry-run=server']), toYaml([d]));
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/Warning: would violate PodSecurity "restricted:latest"/);
  expect(() => kubectlClean(applyArgs(['--dry-run=server']), toYaml([d]))).toThrow(/printed a warning/);
});
