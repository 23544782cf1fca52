import { Testing } from 'cdk8s';
import { PrefectStack, checkRestrictedPodSpec, flowRows } from '../../charts';
import { AUTH, MINIMAL, envMap, one, synth, workPoolTemplate as template, workerDeployment as worker } from '../util';

describe('PrefectWorker', () => {
  test('on by default: `prefect worker start --type kubernetes` from the -kubernetes image of the same release', () => {
    const objs = synth();
    const c = worker(objs).spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12-kubernetes');
    expect(c.args.slice(0, 7)).toEqual(['prefect', 'worker', 'start', '--type', 'kubernetes', '--pool', 'kubernetes']);
    expect(c.args).toEqual(expect.arrayContaining(['--with-healthcheck', '--no-create-pool-if-not-found']));
    expect(c.args.join(' ')).toContain('--install-policy never');
    // The server image follows the same release.
    expect(one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0].image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12');
    const bumped = worker(synth({ ...MINIMAL, prefect: { version: '3.9.2' } })).spec.template.spec.containers[0];
    expect(bumped.image).toBe('docker.io/prefecthq/prefect:3.9.2-python3.12-kubernetes');
    expect(synth({ ...MINIMAL, worker: { enabled: false } }).filter((o) => o.metadata.name === 'prefect-worker')).toEqual([]);
  });

  test('probes on /health (the healthcheck server that fails when polling stops), PSS restricted', () => {
    const spec = worker(synth()).spec.template.spec;
    const c = spec.containers[0];
    expect(envMap(c)).toMatchObject({ PREFECT_WORKER_WEBSERVER_HOST: '0.0.0.0', PREFECT_WORKER_WEBSERVER_PORT: '8080' });
    expect(c.ports).toEqual([{ name: 'health', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of [c.livenessProbe, c.startupProbe, c.readinessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'health' });
    expect(() => checkRestrictedPodSpec('worker pod', spec)).not.toThrow();
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.enableServiceLinks).toBe(false);
  });

  test('the worker reaches the API through the in-cluster Service, with no server secret in its env', () => {
    const env = envMap(worker(synth()).spec.template.spec.containers[0]);
    expect(env.PREFECT_API_URL).toBe('http://prefect-api.prefect.svc:4200/api');
    expect(env.PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES).toBe('prefect');
    // Every PREFECT_* setting of the worker goes to the flow runs: no database or Redis settings at all.
    expect(Object.keys(env).filter((k) => /DATABASE|REDIS|DOCKET|SERVER_API_AUTH/.test(k))).toEqual([]);
    expect(env.PREFECT_API_AUTH_STRING).toBeUndefined();
  });

  test('basic auth: the worker reads the Secret, and prefect-kubernetes puts a secretKeyRef (never the value) in Jobs', () => {
    const objs = synth({ ...MINIMAL, prefect: { authSecret: AUTH } });
    const spec = worker(objs).spec.template.spec;
    for (const c of [spec.initContainers[0], spec.containers[0]]) {
      const env = envMap(c);
      expect(env.PREFECT_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
      expect(env.PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_NAME).toBe('prefect-auth');
      expect(env.PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_KEY).toBe('auth-string');
    }
    expect(JSON.stringify(template(objs))).not.toContain('AUTH_STRING');
  });

  test('several workers poll one pool: from two replicas, a PDB keeps all but one', () => {
    expect(synth(MINIMAL).filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'prefect-worker')).toHaveLength(0);
    const pdb = one(synth({ ...MINIMAL, worker: { replicas: 3 } }), 'PodDisruptionBudget', 'prefect-worker');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(pdb.spec.selector.matchLabels).toEqual(one(synth(MINIMAL), 'Deployment', 'prefect-worker').spec.selector.matchLabels);
  });

  test('network flows: worker → API and Kubernetes API, flow runs → API (and out on 443 in the stack namespace)', () => {
    const stack = new PrefectStack(Testing.app(), 'test', { ...MINIMAL, worker: { jobNamespaces: ['prefect', 'flows'], kubernetesApiCidrs: ['10.0.0.1/32'] } });
    const rows = flowRows(stack.flows).map((r) => `${r.from} | ${r.to} | ${r.ports}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        '`worker` | `api` | 4200/TCP',
        '`worker` | 10.0.0.1/32 | 443/TCP, 6443/TCP',
        '`flow-run` | `api` | 4200/TCP',
        '`flow-run` | 0.0.0.0/0, ::/0 | 443/TCP',
        'namespace `flows`, pods `app.kubernetes.io/component=flow-run,app.kubernetes.io/instance=prefect` | `api` | 4200/TCP',
      ]),
    );
    // Nothing else reaches the worker.
    expect(rows.filter((r) => / \| `worker` \| /.test(r))).toEqual([]);
  });
});
