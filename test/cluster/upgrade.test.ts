// (c) Upgrade in place: apply the default stack, then a synth with another Prefect version, more API
// replicas and other API resources. The second apply must succeed (no immutable-field error: the
// migrate Job is a new object per release) and the new release's migrate Job must exist.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { applyArgs, K8sObject, kubectlClean, loadManifests, Manifest, missingNamespaces, ensureNamespace, REPO, toYaml } from './helpers';

const NS = 'prefect-upgrade';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-upgrade-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function synth(name: string, config: object): Manifest[] {
  const cfg = path.join(work, `${name}.yaml`);
  const out = path.join(work, name);
  fs.writeFileSync(cfg, stringify(config));
  const r = spawnSync(process.execPath, [path.join(REPO, 'lib', 'main.js'), '--config', cfg, '--output', out], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`synth of ${cfg} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return loadManifests(out);
}

function applyAll(ms: Manifest[]): void {
  for (const ns of missingNamespaces(ms)) ensureNamespace(ns);
  const rank = (m: Manifest) => (m.obj.kind === 'Namespace' ? 0 : 1);
  const objs = ms
    .slice()
    .sort((a, b) => rank(a) - rank(b))
    .map((m) => m.obj);
  const r = kubectlClean(applyArgs(), toYaml(objs));
  expect(r.stdout.trim().split('\n')).toHaveLength(objs.length);
}

const get = (kind: string, name: string): any => JSON.parse(kubectlClean(['get', kind, name, '-n', NS, '-o', 'json']).stdout);

const migrateJobs = (ms: Manifest[]): K8sObject[] =>
  ms.map((m) => m.obj).filter((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');

const apiDeployment = (ms: Manifest[]): K8sObject => {
  const ds = ms.map((m) => m.obj).filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'api');
  expect(ds).toHaveLength(1);
  return ds[0];
};

const base = parse(fs.readFileSync(path.join(REPO, 'prefect-stack.yaml'), 'utf8'));
base.namespace = NS;
const oldVersion: string = base.prefect.version;
const [maj, min, patch] = oldVersion.split('.').map(Number);
const newVersion = `${maj}.${min}.${patch + 1}`;
const newReplicas = (base.api?.replicas ?? 3) + 2;
const newResources = { requests: { cpu: '750m', memory: '768Mi', ephemeralStorage: '128Mi' }, limits: { cpu: '2', memory: '1536Mi', ephemeralStorage: '2Gi' } };
const upgraded = {
  ...base,
  prefect: { ...base.prefect, version: newVersion },
  api: { ...base.api, replicas: newReplicas, resources: newResources },
};

let before: Manifest[];
let after: Manifest[];

test('the default stack (in its own namespace) synthesizes and applies cleanly', () => {
  before = synth('before', base);
  expect(migrateJobs(before)).toHaveLength(1);
  applyAll(before);
});

test(`prefect ${oldVersion} -> next patch, api replicas +2, new api resources: applies cleanly over it`, () => {
  after = synth('after', upgraded);
  applyAll(after); // an immutable-field error (e.g. a reused Job name) fails here
});

test('a migrate Job for the new version exists, distinct from the old one', () => {
  const [oldJob] = migrateJobs(before);
  const [newJob] = migrateJobs(after);
  expect(newJob.metadata.name).not.toBe(oldJob.metadata.name);
  const live = get('job', newJob.metadata.name);
  const images: string[] = live.spec.template.spec.containers.map((c: { image: string }) => c.image);
  expect(images.some((i) => i.includes(`:${newVersion}`))).toBe(true);
  expect(live.metadata.labels['app.kubernetes.io/version']).toBe(newVersion);
  // the old release's Job was left alone (a finished Job is history, not an error)
  expect(get('job', oldJob.metadata.name).metadata.name).toBe(oldJob.metadata.name);
});

test('the API Deployment now has the new replicas, resources and image', () => {
  const d = apiDeployment(after);
  const live = get('deployment', d.metadata.name);
  expect(live.spec.replicas).toBe(newReplicas);
  expect(live.spec.selector).toEqual(apiDeployment(before).spec.selector);
  const api = live.spec.template.spec.containers.find((c: { image: string }) => c.image.includes('prefect'));
  expect(api.image).toContain(`:${newVersion}`);
  expect(api.resources).toEqual({
    requests: { 'cpu': '750m', 'memory': '768Mi', 'ephemeral-storage': '128Mi' },
    limits: { 'cpu': '2', 'memory': '1536Mi', 'ephemeral-storage': '2Gi' },
  });
});
