import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { PrefectStack, PrefectStackProps, loadConfig } from '../../charts';
import { flowRows, renderFlowTable, namespaceNamed } from '../../charts';
import { AUTH, MINIMAL, Obj, synth } from '../util';
import { Endpoint, PolicyEvaluator, derivedRows, stackPods } from './policy-eval';

const REPO = path.join(__dirname, '..', '..');
const WITH_UIS: PrefectStackProps = {
  ...MINIMAL,
  prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH },
  admin: {
    pgadmin: { email: 'admin@example.com', passwordSecret: { name: 'pgadmin', key: 'password' }, expose: { host: 'pgadmin.example.com' } },
    redisUi: { httpAuth: { user: 'admin', passwordSecret: { name: 'redis-ui', key: 'password' } }, expose: { host: 'redis-ui.example.com' } },
  },
  networkPolicies: { workersFrom: [{ namespaceLabels: namespaceNamed('prefect-workers') }] },
};

const tcp = (port: number) => ({ port, protocol: 'TCP' as const });
const policiesOf = (objs: Obj[]) => objs.filter((o) => o.kind === 'NetworkPolicy');

/** A stack whose Postgres and Redis run in the namespace, with admin UIs and backups copied to S3. */
function inClusterData() {
  const stack = new PrefectStack(Testing.app(), 'test', {
    namespace: 'test',
    prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH },
    admin: WITH_UIS.admin,
    database: {
      inCluster: {
        backups: {
          s3: {
            bucket: 'backups',
            endpoint: 'https://s3.example.com',
            cidrs: ['198.51.100.0/24'],
            accessKeyIdSecret: { name: 's3', key: 'id' },
            secretAccessKeySecret: { name: 's3', key: 'key' },
          },
        },
      },
    },
  });
  const objs = Testing.synth(stack) as Obj[];
  const policies = policiesOf(objs);
  const nsLabels = namespaceNamed('test');
  const byName = Object.fromEntries(stackPods(objs, nsLabels).map((x) => [x.name, x]));
  const pods = {
    api: byName.api,
    background: byName['background-services'],
    migrate: byName.migrate,
    postgres: byName.postgres,
    redis: byName.redis,
    pgadmin: byName.pgadmin,
    redisUi: byName['redis-ui'],
    backup: byName['postgres-backup'],
  };
  for (const [k, v] of Object.entries(pods)) if (!v) throw new Error(`no pod ${k} in the stack`);
  const outside = (name: string, ns: string, labels: Record<string, string> = {}): Endpoint => ({
    kind: 'pod',
    name,
    labels,
    namespaceLabels: namespaceNamed(ns),
    inStack: false,
  });
  return { flows: stack.flows, objs, policies, ev: new PolicyEvaluator(policies, nsLabels), pods, outside };
}

describe('StackNetworkPolicies', () => {
  test('default deny of ingress and egress for every pod, and every policy states both directions', () => {
    const policies = policiesOf(synth(WITH_UIS));
    const deny = policies.find((p) => p.metadata.name === 'prefect-default-deny')!;
    // No rules at all: both directions denied. Empty rule lists are omitted (the API server drops them, and
    // re-applying a policy that lists them would report a change every time).
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const p of policies) {
      expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      for (const rules of [p.spec.ingress, p.spec.egress]) expect(rules === undefined || rules.length > 0).toBe(true);
    }
  });

  test('the table rendered from the flow list is the table the synthesized policies allow', () => {
    for (const props of [WITH_UIS, MINIMAL, { ...MINIMAL, networkPolicies: { internetEgress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'] } } }]) {
      const stack = new PrefectStack(Testing.app(), 'test', props);
      const objs = Testing.synth(stack) as Obj[];
      const fromFlows = flowRows(stack.flows).map(({ from, to, ports }) => ({ from, to, ports }));
      expect(derivedRows(objs, 'prefect')).toEqual(fromFlows);
    }
  });

  test('in-cluster data tier: every listed flow is allowed and the derived table matches', () => {
    const { flows, objs } = inClusterData();
    expect(derivedRows(objs, 'test')).toEqual(flowRows(flows).map(({ from, to, ports }) => ({ from, to, ports })));
  });

  test('forbidden flows are allowed by no policy', () => {
    const { ev, pods, outside } = inClusterData();
    const edge = outside('ingress controller', 'ingress-nginx');
    const prometheus = outside('prometheus', 'monitoring');
    const forbidden: Array<[Endpoint, Endpoint, number]> = [
      [pods.redisUi, pods.postgres, 5432],
      [pods.pgadmin, pods.redis, 6379],
      [pods.pgadmin, pods.api, 4200],
      [pods.redisUi, pods.api, 4200],
      [pods.migrate, pods.redis, 6379],
      [pods.backup, pods.redis, 6379],
      [pods.api, pods.pgadmin, 8080],
      [edge, pods.postgres, 5432],
      [edge, pods.redis, 6379],
      [prometheus, pods.postgres, 5432],
      [prometheus, pods.redis, 6379],
      [outside('other app', 'default'), pods.api, 4200],
      [pods.postgres, pods.redis, 6379],
      [pods.redis, pods.postgres, 5432],
    ];
    for (const [from, to, port] of forbidden) {
      expect([from.name, to.name, port, ev.allowed(from, to, tcp(port))]).toEqual([from.name, to.name, port, false]);
    }
    // Internet egress is off by default.
    const internet: Endpoint = { kind: 'cidr', name: 'internet', cidrs: ['0.0.0.0/0'] };
    expect(ev.allowed(pods.api, internet, tcp(443))).toBe(false);
    expect(ev.allowed(pods.background, internet, tcp(443))).toBe(false);
    // And the allowed ones are allowed (the evaluator is not trivially "false").
    expect(ev.allowed(pods.pgadmin, pods.postgres, tcp(5432))).toBe(true);
    expect(ev.allowed(pods.redisUi, pods.redis, tcp(6379))).toBe(true);
    expect(ev.allowed(edge, pods.api, tcp(4200))).toBe(true);
    expect(ev.allowed(prometheus, pods.postgres, tcp(9187))).toBe(true);
    expect(ev.allowed(pods.backup, { kind: 'cidr', name: 'store', cidrs: ['198.51.100.0/24'] }, tcp(443))).toBe(true);
    expect(ev.allowed(pods.redis, outside('dns', 'kube-system', { 'k8s-app': 'kube-dns' }), { port: 53, protocol: 'UDP' })).toBe(true);
  });

  test('forbidden flows, in the example configuration (prefect-stack.yaml) as synthesized', () => {
    const objs = Testing.synth(new PrefectStack(Testing.app(), 'example', loadConfig(path.join(REPO, 'prefect-stack.yaml')))) as Obj[];
    const ns = namespaceNamed('prefect');
    const ev = new PolicyEvaluator(policiesOf(objs), ns);
    const pods = Object.fromEntries(stackPods(objs, ns).map((p) => [p.name, p]));
    for (const name of ['api', 'postgres', 'redis', 'pgadmin', 'redis-ui']) expect(pods[name]).toBeDefined();
    const edge: Endpoint = { kind: 'pod', name: 'edge', labels: {}, namespaceLabels: namespaceNamed('ingress-nginx'), inStack: false };
    const forbidden: Array<[Endpoint, Endpoint, number]> = [
      [pods['redis-ui'], pods.postgres, 5432],
      [pods.pgadmin, pods.redis, 6379],
      [pods.pgadmin, pods.api, 4200],
      [pods['redis-ui'], pods.api, 4200],
      [edge, pods.postgres, 5432],
      [edge, pods.redis, 6379],
      [pods.migrate, pods.redis, 6379],
    ];
    for (const [from, to, port] of forbidden) expect([from.name, to.name, ev.allowed(from, to, tcp(port))]).toEqual([from.name, to.name, false]);
    expect(ev.allowed(pods.pgadmin, pods.postgres, tcp(5432))).toBe(true);
    expect(ev.allowed(edge, pods['redis-ui'], tcp(8081))).toBe(true);
  });

  test('workers and Internet egress are opt-in and reach only what they are for', () => {
    const stack = new PrefectStack(Testing.app(), 'test', {
      ...WITH_UIS,
      networkPolicies: { ...WITH_UIS.networkPolicies, internetEgress: { cidrs: ['0.0.0.0/0'] } },
    });
    const objs = Testing.synth(stack) as Obj[];
    const ev = new PolicyEvaluator(policiesOf(objs), namespaceNamed('prefect'));
    const pods = Object.fromEntries(stackPods(objs, namespaceNamed('prefect')).map((p) => [p.name, p]));
    const internet: Endpoint = { kind: 'cidr', name: 'internet', cidrs: ['0.0.0.0/0'] };
    expect(ev.allowed(pods.api, internet, tcp(443))).toBe(true);
    expect(ev.allowed(pods['background-services'], internet, tcp(443))).toBe(true);
    expect(ev.allowed(pods.pgadmin, internet, tcp(443))).toBe(false);
    expect(ev.allowed(pods['redis-ui'], internet, tcp(443))).toBe(false);
    expect(ev.allowed(pods.migrate, internet, tcp(443))).toBe(false);
    const worker: Endpoint = { kind: 'pod', name: 'worker', labels: {}, namespaceLabels: namespaceNamed('prefect-workers'), inStack: false };
    expect(ev.allowed(worker, pods.api, tcp(4200))).toBe(true);
    expect(ev.allowed(worker, pods.pgadmin, tcp(8080))).toBe(false);
  });

  test('networkPolicies.enabled: false emits none', () => {
    expect(policiesOf(synth({ ...MINIMAL, networkPolicies: { enabled: false } }))).toHaveLength(0);
  });

  test('the edge namespace follows the front door', () => {
    const gw = synth({
      ...MINIMAL,
      prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH },
      edge: { type: 'gateway-api', gateway: { name: 'public', namespace: 'gateways' } },
    });
    const api = policiesOf(gw).find((p) => p.metadata.name === 'prefect-allow-api')!;
    expect(api.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } } }]);
    const none = policiesOf(synth(MINIMAL)).find((p) => p.metadata.name === 'prefect-allow-api')!;
    expect(JSON.stringify(none.spec.ingress)).not.toContain('ingress-nginx');
  });

  test('DNS egress goes to the port the DNS pods listen on (networkPolicies.dnsPorts), 53 by default', () => {
    const dnsRule = (objs: Obj[]) => policiesOf(objs).find((p) => p.metadata.name === 'prefect-allow-all-pods')!.spec.egress[0];
    expect(dnsRule(synth(MINIMAL)).ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    // A NetworkPolicy sees the pod's port after the Service's DNAT: OpenShift's DNS pods listen on 5353.
    const objs = synth({ ...MINIMAL, networkPolicies: { dnsPorts: [5353] } });
    expect(dnsRule(objs).ports).toEqual([
      { port: 5353, protocol: 'UDP' },
      { port: 5353, protocol: 'TCP' },
    ]);
    const ev = new PolicyEvaluator(policiesOf(objs), namespaceNamed('prefect'));
    const api = stackPods(objs, namespaceNamed('prefect')).find((p) => p.name === 'api')!;
    const dns: Endpoint = { kind: 'pod', name: 'dns', labels: { 'k8s-app': 'kube-dns' }, namespaceLabels: namespaceNamed('kube-system'), inStack: false };
    expect(ev.allowed(api, dns, { port: 5353, protocol: 'UDP' })).toBe(true);
    expect(ev.allowed(api, dns, { port: 53, protocol: 'UDP' })).toBe(false);
  });

  test("the flow table of docs/architecture.md is the one the example configuration's policies allow", () => {
    const text = fs.readFileSync(path.join(REPO, 'docs', 'architecture.md'), 'utf8');
    const m = /<!-- flows:start -->([\s\S]*?)<!-- flows:end -->/.exec(text);
    const stack = new PrefectStack(Testing.app(), 'docs', loadConfig(path.join(REPO, 'prefect-stack.yaml')));
    const objs = Testing.synth(stack) as Obj[];
    const generated = renderFlowTable(stack.flows);
    const derived = derivedRows(objs, stack.namespace!).map((r) => `${r.from} | ${r.to} | ${r.ports}`);
    expect(flowRows(stack.flows).map((r) => `${r.from} | ${r.to} | ${r.ports}`)).toEqual(derived);
    if (!m) throw new Error(`docs/architecture.md has no <!-- flows:start --> / <!-- flows:end --> markers; the table is:\n${generated}`);
    const rows = m[1]
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('|') && !/^\|\s*(From|---)/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    for (const r of rows) expect(r[3]).toBeTruthy(); // every flow says why
    const documented = rows.map((r) => `${r[0]} | ${r[1]} | ${r[2]}`);
    if (JSON.stringify(documented) !== JSON.stringify(derived)) {
      throw new Error(`docs/architecture.md's flow table differs from the synthesized policies; replace it with:\n${generated}`);
    }
  });
});
