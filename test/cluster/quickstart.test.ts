// The README's quick start, run as written against the real API server: its shell blocks (Secrets, synth, apply)
// in a scratch copy of prefect-stack.yaml, once as shipped and once without the prometheus-operator objects
// (`monitoring.serviceMonitors: false`, the README's step 2 for a cluster without those CRDs). Two deviations, both
// forced by sharing one API server with the other suites: the namespace is renamed (apply.test.ts owns `prefect`,
// and a bare API server has no controller to delete it), and `npm run synth` runs the app the harness already
// built (`node lib/main.js`, what `npm run synth` runs after its build).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { K8sObject, REPO, kubectl, loadManifests } from './helpers';

const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const block = /<!-- quickstart:start -->\n([\s\S]*?)<!-- quickstart:end -->/.exec(readme)?.[1] ?? '';
const shell = [...block.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

const groupOf = (o: K8sObject) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
/** API groups a bare Kubernetes API server serves (no CRD needed). */
const builtIn = (o: K8sObject) => {
  const group = groupOf(o);
  return !group.includes('.') || (group.endsWith('.k8s.io') && group !== 'gateway.networking.k8s.io');
};

test('the README has a quick start with the Secrets, the synth and the apply', () => {
  expect(shell).toMatch(/kubectl -n prefect create secret/);
  expect(shell).toMatch(/^npm run synth$/m);
  expect(shell).toMatch(/^kubectl apply -f dist\/$/m);
});

describe.each([
  ['with the monitoring CRDs', 'quickstart-crds', true],
  ['without the monitoring CRDs (monitoring.serviceMonitors: false)', 'quickstart-bare', false],
])('quick start %s', (_name, ns, serviceMonitors) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${ns}-`));
  const config = parseDocument(fs.readFileSync(path.join(REPO, 'prefect-stack.yaml'), 'utf8'));
  config.set('namespace', ns);
  if (!serviceMonitors) config.setIn(['monitoring', 'serviceMonitors'], false);
  fs.writeFileSync(path.join(dir, 'prefect-stack.yaml'), config.toString());
  const script = shell.replace(/(-n|namespace) prefect\b/g, `$1 ${ns}`);
  const synthesized = () => loadManifests(path.join(dir, 'dist')).map((m) => m.obj);

  test('runs to the end', () => {
    const r = spawnSync(
      'bash',
      ['-euo', 'pipefail', '-c', `npm() { [ "$*" = "run synth" ] && node ${JSON.stringify(path.join(REPO, 'lib', 'main.js'))}; }\n${script}`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.dirname(process.env.KUBECTL!)}:${process.env.PATH}` },
        timeout: 120_000,
      },
    );
    if (r.status !== 0) throw new Error(`the quick start exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
    expect(r.stdout).toMatch(/created/);
  });

  test('every object it synthesized is stored by the API server', () => {
    const objs = synthesized();
    expect(objs.length).toBeGreaterThan(40);
    expect(objs.every((o) => o.metadata.namespace === undefined || o.metadata.namespace === ns)).toBe(true);
    const resource = (o: K8sObject) => (groupOf(o) ? `${o.kind}.${groupOf(o)}` : o.kind);
    const missing = objs.filter((o) => kubectl(['get', resource(o), o.metadata.name, ...(o.metadata.namespace ? ['-n', ns] : [])]).status !== 0);
    expect(missing.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  test(serviceMonitors ? 'it has the prometheus-operator objects' : 'it needs no CRD: every object is of a built-in API group', () => {
    const crdKinds = synthesized()
      .filter((o) => !builtIn(o))
      .map((o) => o.kind);
    if (serviceMonitors) expect(new Set(crdKinds)).toEqual(new Set(['ServiceMonitor', 'PrometheusRule']));
    else expect(crdKinds).toEqual([]);
  });
});
