import { PrefectStackProps, resolveStack } from '../charts';
import { EDGE_URL, MINIMAL, expectConfigError, synth, withEdge } from './util';

const resolve = (p: PrefectStackProps = {}) => resolveStack({ ...MINIMAL, ...p });

describe('resolveStack: bad input, naming the key', () => {
  test.each([
    [{ commonLabels: { 'prefect-stack.io/tier': 'x' } }, 'commonLabels.prefect-stack.io/tier', /stack sets itself/],
    [{ commonAnnotations: { 'x': 5 as any } }, 'commonAnnotations.x', /string/],
    [{ platform: 'k3s' as any }, 'platform', /openshift/],
  ])('%j → %s', (props, field, pattern) => {
    expectConfigError(() => synth({ ...MINIMAL, ...props }), field, pattern);
  });

  test('a system namespace is refused while createNamespace would relabel it', () => {
    for (const namespace of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      expectConfigError(() => resolve({ namespace }), 'namespace', /system namespace.*createNamespace: false/);
    // Deploying into one without touching it is the operator's choice.
    expect(resolve({ namespace: 'default', createNamespace: false }).context.namespace).toBe('default');
  });

  test('namespace and instance name are DNS labels; the instance name leaves room for the longest object name', () => {
    expectConfigError(() => resolve({ namespace: 'Prefect' }), 'namespace');
    expectConfigError(() => resolve({ name: 'my_prefect' }), 'name');
    expectConfigError(() => resolve({ name: 'p'.repeat(40) }), 'name');
  });
});

describe('resolveStack: the whole configuration, resolved once', () => {
  test('defaults: namespace and instance "prefect", plain Kubernetes, a namespace of its own, no monitoring', () => {
    const s = resolve();
    expect(s.context).toMatchObject({ instance: 'prefect', namespace: 'prefect', platform: 'kubernetes', commonLabels: {}, commonAnnotations: {} });
    expect(s.createNamespace).toBe(true);
    expect(s.monitoring).toBeUndefined();
    expect(s.worker).toBeDefined();
  });

  test("the edge's proxies are expected where the front door runs: ingress-nginx, or the Gateway's namespace", () => {
    expect(resolve().network.peers.edge).toBeUndefined();
    const ns = (p: PrefectStackProps) => resolveStack(p).network.peers.edge!.namespaceLabels;
    expect(ns(withEdge({}))).toEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    expect(ns(withEdge({ type: 'gateway-api', gateway: { name: 'public', namespace: 'gateways' } }))).toEqual({ 'kubernetes.io/metadata.name': 'gateways' });
    expect(ns({ ...withEdge({ type: 'gateway-api', gateway: { name: 'public' } }), namespace: 'team-a' })).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
  });

  test('cross-tier values are derived here: the connection budget follows the API replicas, the monitors the URL scheme', () => {
    const small = resolve({ database: {}, api: { replicas: 1 } }).data.postgres!.maxConnections;
    const large = resolve({ database: {}, api: { replicas: 1, autoscaling: { maxReplicas: 10 } } }).data.postgres!.maxConnections;
    expect(large).toBeGreaterThan(small);
    const grafanaRoot = (externalUrl: string) =>
      resolveStack({
        ...withEdge({}, externalUrl),
        monitoring: {
          prefectBasicAuthSecret: { name: 'ok' },
          bundled: { prometheus: { enabled: true }, grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' }, expose: { path: '/grafana' } } },
        },
      }).monitoring!.grafana!.rootUrl;
    expect(grafanaRoot('http://prefect.example.com')).toBe('http://prefect.example.com/grafana/');
    expect(grafanaRoot(EDGE_URL)).toBe('https://prefect.example.com/grafana/');
  });
});
