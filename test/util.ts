import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { PrefectStack, PrefectStackProps, loadConfig } from '../charts';

/** A Kubernetes object as synthesized (plain JSON). */
export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

/** Prefect's basic auth, as the shipped configuration names it: an edge without auth is refused. */
export const AUTH = { name: 'prefect-auth', key: 'auth-string' };

/** The smallest valid configuration: external database and Redis. */
export const MINIMAL: PrefectStackProps = {
  database: { external: { host: 'db.example.com', userSecret: { name: 'db', key: 'user' }, passwordSecret: { name: 'db', key: 'password' } } },
  redis: { external: { host: 'redis.example.com', passwordSecret: { name: 'redis', key: 'password' } } },
};

/** The Prefect URL of the edge tests. */
export const EDGE_URL = 'https://prefect.example.com';

/** MINIMAL behind an edge at `externalUrl`, with Prefect's basic auth (an edge without auth is refused). */
export function withEdge(edge: PrefectStackProps['edge'], externalUrl = EDGE_URL, extra: Partial<PrefectStackProps> = {}): PrefectStackProps {
  return { ...MINIMAL, prefect: { externalUrl, authSecret: AUTH }, edge, ...extra };
}

/** The smallest valid `admin.pgadmin`. */
export const PGADMIN = { email: 'admin@example.com', passwordSecret: { name: 'pgadmin', key: 'password' } };

/** An external database given as parts from one Secret (CloudNativePG's `<cluster>-app` Secret). */
export const DB_PARTS_SECRET = 'prefect-db-app';
export const DB_PARTS: PrefectStackProps = {
  ...MINIMAL,
  database: {
    external: {
      hostSecret: { name: DB_PARTS_SECRET, key: 'host' },
      portSecret: { name: DB_PARTS_SECRET, key: 'port' },
      databaseSecret: { name: DB_PARTS_SECRET, key: 'dbname' },
      userSecret: { name: DB_PARTS_SECRET, key: 'username' },
      passwordSecret: { name: DB_PARTS_SECRET, key: 'password' },
    },
  },
};

/** The worker's Deployment. */
export function workerDeployment(objs: Obj[]): Obj {
  return one(objs, 'Deployment', 'prefect-worker');
}

/** The work pool's base job template the worker syncs (from its ConfigMap), parsed. */
export function workPoolTemplate(objs: Obj[]): any {
  return JSON.parse(one(objs, 'ConfigMap', 'prefect-worker').data['base-job-template.json']);
}

/** Every container of the Prefect server's pods (API, services, migrate Job, their init containers). */
export function prefectContainers(objs: Obj[] = synth()): any[] {
  return podTemplates(objs)
    .filter(({ template }) => template.metadata.labels['app.kubernetes.io/name'] === 'prefect')
    .flatMap(({ template }) => containers(template));
}

/** Every object of a kind. */
export function ofKind(objs: Obj[], kind: string): Obj[] {
  return objs.filter((o) => o.kind === kind);
}

/** A stack (in-cluster data by default) with the given `monitoring:` section, synthesized. */
export function withMonitoring(m: NonNullable<PrefectStackProps['monitoring']>, extra: PrefectStackProps = {}): Obj[] {
  return synth({ ...extra, monitoring: m });
}

/** Synthesizes a stack in memory. */
export function synth(props: PrefectStackProps = MINIMAL): Obj[] {
  return Testing.synth(new PrefectStack(Testing.app(), 'test', props)) as Obj[];
}

/** The one object of a kind (and name); fails when there is not exactly one. */
export function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${found.map((o) => o.metadata.name).join(', ')}`);
  return found[0];
}

/** Every pod template with the object that owns it. */
export function podTemplates(objs: Obj[]): Array<{ owner: Obj; template: any }> {
  return objs.flatMap((o) => {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) return [{ owner: o, template: o.spec.template }];
    if (o.kind === 'CronJob') return [{ owner: o, template: o.spec.jobTemplate.spec.template }];
    return [];
  });
}

/** All containers (init containers included) of a pod template. */
export function containers(template: any): any[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

const CREDENTIAL_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|AUTH_STRING|CREDENTIALS|_KEY)$/;
// Names of a Secret and a key in it (the worker's settings for flow-run Jobs) are references, not values.
const SECRET_REFERENCE_NAME = /_SECRET_(NAME|KEY)$/;
const ONLY_REFERENCES = /^(\$\([A-Z0-9_]+\))+$/;
const URL_PASSWORD = /[a-z+]+:\/\/[^\s:@/]*:([^\s@]+)@/;

/**
 * Where a secret value could be written into the manifests: every Secret object (the stack only references Secrets
 * by name) and every env var of a pod template that is named like a credential, or holds a URL with a password,
 * whose literal value is anything but `$(VAR)` expansions of Secret-backed vars. Empty when the stack is clean.
 */
export function literalCredentials(objs: Obj[]): string[] {
  const found = objs.filter((o) => o.kind === 'Secret').map((o) => `Secret/${o.metadata.name}`);
  for (const { owner, template } of podTemplates(objs)) {
    for (const c of containers(template)) {
      for (const e of c.env ?? []) {
        if (e.value === undefined) continue;
        const urlPassword = URL_PASSWORD.exec(String(e.value))?.[1];
        const named = CREDENTIAL_NAME.test(e.name) && !SECRET_REFERENCE_NAME.test(e.name) && !ONLY_REFERENCES.test(String(e.value));
        if (named || (urlPassword !== undefined && !ONLY_REFERENCES.test(urlPassword))) found.push(`${owner.kind}/${owner.metadata.name}/${c.name}/${e.name}`);
      }
    }
  }
  return found;
}

/** A container's environment as a map of name → value or `secret:<name>/<key>`. */
export function envMap(container: any): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map((e: any) => [
      e.name,
      e.value ?? (e.valueFrom?.secretKeyRef ? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` : JSON.stringify(e.valueFrom)),
    ]),
  );
}

/** Expects `fn` to throw an error that names `field` and says how to fix it. */
export function expectConfigError(fn: () => unknown, field: string, pattern?: RegExp): void {
  let error: Error | undefined;
  try {
    fn();
  } catch (e) {
    error = e as Error;
  }
  expect(error).toBeDefined();
  expect(error!.message).toContain(field);
  if (pattern) expect(error!.message).toMatch(pattern);
  recordBadInput(field, error!.message);
}

/**
 * Notes a bad-input case that was refused as it must be, for the run's figure (test/summary-reporter.js counts the
 * distinct key + message pairs). Only when the reporter asked for it: a single test file runs without.
 */
function recordBadInput(field: string, message: string): void {
  const log = process.env.CDK8S_PREFECT_BAD_INPUT_LOG;
  if (log) fs.appendFileSync(log, JSON.stringify({ field, message }) + '\n');
}

/**
 * Expects `fn` to throw `<field>: <what is wrong>; <how to fix it>` exactly in that form (the key first), the fix
 * matching `fix`.
 */
export function expectConfigErrorAt(fn: () => unknown, field: string, fix: RegExp): void {
  expect(fn).toThrow(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: .*; `));
  expect(fn).toThrow(fix);
  expectConfigError(fn, field, fix);
}

/** The configurations every policy is checked on: the shipped file, the examples, and option-heavy variants. */
export function configurations(): Array<[string, PrefectStackProps]> {
  const root = path.join(__dirname, '..');
  const examples = fs.existsSync(path.join(root, 'examples'))
    ? fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.yaml') && !f.startsWith('argocd'))
    : [];
  return [
    ['prefect-stack.yaml', loadConfig(path.join(root, 'prefect-stack.yaml'))],
    ...examples.map((f): [string, PrefectStackProps] => [`examples/${f}`, loadConfig(path.join(root, 'examples', f))]),
    ['minimal external', MINIMAL],
    ['autoscaling + auth', { ...MINIMAL, api: { autoscaling: { maxReplicas: 6 } }, prefect: { authSecret: { name: 'auth', key: 'auth' } } }],
    [
      'cloudNativePG + S3 backups',
      {
        ...MINIMAL,
        images: { pullSecrets: ['regcred'] },
        database: { cloudNativePG: { podLabels: { cost: 'db' }, backups: { s3: { bucket: 'prefect-backups' } } } },
      },
    ],
  ];
}

/** A free TCP port on loopback, for a throwaway server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A container's env as the kubelet gives it: Secret keys resolved from `secrets`, `$(VAR)` expanded in order. */
export function podEnv(container: any, secrets: Record<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env) {
    if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      if (secrets[name]?.[key] === undefined) throw new Error(`test has no value for Secret ${name}/${key}`);
      env[e.name] = secrets[name][key];
    } else {
      env[e.name] = String(e.value).replace(/\$\(([A-Z0-9_]+)\)/g, (m, v) => env[v] ?? m);
    }
  }
  return env;
}
