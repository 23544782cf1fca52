// Shared helpers for the cluster tier: run the real kubectl against the real kube-apiserver
// that test/cluster/run.sh started (KUBECONFIG + KUBECTL come from its env file).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { PRIORITY_CLASSES } from '../config-space/arbitraries';
import { STACK_SCHEDULING } from '../matrix';

export const REPO = path.resolve(__dirname, '..', '..');
export const FIELD_MANAGER = 'cdk8s-prefect-stack';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: any;
  [k: string]: unknown;
}

export interface Manifest {
  file: string; // path relative to the repo
  obj: K8sObject;
}

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the tier with "bash test/cluster/run.sh" (it starts the apiserver)`);
  }
  return v;
}

/** Run kubectl; never throws on a non-zero exit (callers assert on the result). */
export function kubectl(args: string[], input?: string): KubectlResult {
  const r = spawnSync(requireEnv('KUBECTL'), args, {
    input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: requireEnv('KUBECONFIG') },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl that must succeed with nothing on stderr (so no "Warning:" either). */
export function kubectlClean(args: string[], input?: string): KubectlResult {
  const r = kubectl(args, input);
  const what = `kubectl ${args.join(' ')}`;
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  if (/warning/i.test(r.stderr)) throw new Error(`${what} printed a warning:\n${r.stderr}`);
  if (r.stderr.trim() !== '') throw new Error(`${what} printed on stderr:\n${r.stderr}`);
  return r;
}

/** Server-side apply, strict field validation. */
export function applyArgs(extra: string[] = []): string[] {
  return ['apply', '--server-side', '--validate=strict', `--field-manager=${FIELD_MANAGER}`, ...extra, '-f', '-'];
}

export function toYaml(objs: unknown[]): string {
  // JSON is YAML; one document per object keeps kubectl's messages precise
  return objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

export function loadManifests(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const f of yamlFiles(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS();
      if (obj == null) continue;
      if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new Error(`${f}: document without apiVersion/kind/metadata.name: ${JSON.stringify(obj).slice(0, 200)}`);
      }
      out.push({ file: path.relative(REPO, f), obj });
    }
  }
  return out;
}

/** The manifests under test: CLUSTER_MANIFESTS_DIR (run.sh sets it; default dist/). */
export function manifestsDir(): string {
  return path.resolve(REPO, process.env.CLUSTER_MANIFESTS_DIR || 'dist');
}

export function id(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;
}

/** Make sure namespaces exist (server-side apply of a bare Namespace, optionally labelled). */
export function ensureNamespace(name: string, labels: Record<string, string> = {}): void {
  kubectlClean(applyArgs(), toYaml([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }]));
}

/**
 * Every PriorityClass the tests' configurations name (the Priority admission plugin refuses pods naming an unknown
 * one): the generated ones' and the knob matrix's. One definition for every suite: a PriorityClass's value may not
 * change once created, and the suites share one API server.
 */
export function ensurePriorityClasses(): void {
  const names = new Set([...PRIORITY_CLASSES, STACK_SCHEDULING.priorityClassName!]);
  kubectlClean(applyArgs(), toYaml([...names].map((name) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000 }))));
}

/** Namespaces that the objects live in but that the manifests do not define themselves. */
export function missingNamespaces(ms: Manifest[]): string[] {
  const defined = new Set(ms.filter((m) => m.obj.kind === 'Namespace').map((m) => m.obj.metadata.name));
  const used = new Set(ms.map((m) => m.obj.metadata.namespace).filter((n): n is string => !!n));
  return [...used].filter((n) => !defined.has(n)).sort();
}

export interface PodTemplate {
  owner: K8sObject;
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: any };
}

/** Every pod template: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob (jobTemplate). */
export function podTemplates(ms: Manifest[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const { obj } of ms) {
    if (obj.kind === 'StatefulSet') {
      // the StatefulSet controller adds one PVC volume per volumeClaimTemplate to each pod
      const claims = (obj.spec.volumeClaimTemplates ?? []).map((c: { metadata: { name: string } }) => ({
        name: c.metadata.name,
        persistentVolumeClaim: { claimName: `${c.metadata.name}-${obj.metadata.name}-0` },
      }));
      const spec = { ...obj.spec.template.spec, volumes: [...(obj.spec.template.spec.volumes ?? []), ...claims] };
      out.push({ owner: obj, template: { ...obj.spec.template, spec } });
    } else if (['Deployment', 'DaemonSet', 'ReplicaSet', 'Job'].includes(obj.kind)) {
      out.push({ owner: obj, template: obj.spec.template });
    } else if (obj.kind === 'CronJob') {
      out.push({ owner: obj, template: obj.spec.jobTemplate.spec.template });
    } else if (obj.kind === 'Pod') {
      out.push({ owner: obj, template: { metadata: obj.metadata as any, spec: obj.spec } });
    }
  }
  return out;
}

/** The dist/ directory holds a synthesized stack? (The lead's library writes it.) */
export function hasManifests(dir: string): boolean {
  return fs.existsSync(dir) && yamlFiles(dir).length > 0;
}
