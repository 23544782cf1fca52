import { PREFECT_MEMORY_FLOOR, PrefectStackProps, checkMemoryFloor, resolveResources, resolveStack } from '../../charts';
import { EDGE_URL, MINIMAL, expectConfigError, synth, withEdge } from '../util';

const prefect = (p: PrefectStackProps = {}) => resolveStack({ ...MINIMAL, ...p }).prefect;

describe('resolvePrefectTier: bad input, naming the key', () => {
  test.each([
    [
      { api: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }] } },
      'api.topologySpreadConstraints[0]',
      /api.spread/,
    ],
    [{ api: { zoneSpread: 'always' as any } }, 'api.zoneSpread', /preferred or required/],
  ])('%j → %s', (props, field, pattern) => {
    expectConfigError(() => synth({ ...MINIMAL, ...props }), field, pattern);
  });

  test('replicas, autoscaling bounds and the migration timeout', () => {
    expectConfigError(() => prefect({ api: { replicas: 0 } }), 'api.replicas');
    expectConfigError(() => prefect({ api: { autoscaling: { minReplicas: 5, maxReplicas: 3 } } }), 'api.autoscaling.minReplicas', /above maxReplicas 3/);
    expectConfigError(
      () => prefect({ api: { autoscaling: { maxReplicas: 6, targetCpuUtilizationPercent: 5 } } }),
      'api.autoscaling.targetCpuUtilizationPercent',
    );
    expectConfigError(() => prefect({ api: { spread: 'sometimes' as any } }), 'api.spread', /preferred or required/);
    expectConfigError(() => prefect({ migrations: { timeoutSeconds: 30 } }), 'migrations.timeoutSeconds');
    // A zone spread of the user's own, on a key the stack does not spread over, is kept.
    const rack = { maxSkew: 1, topologyKey: 'example.com/rack', whenUnsatisfiable: 'ScheduleAnyway' as const };
    expect(prefect({ api: { topologySpreadConstraints: [rack] } }).api.pod.topologySpreadConstraints).toEqual([rack]);
  });

  test('a memory limit below what the process uses idle is refused, for the API and the background services', () => {
    expectConfigError(
      () => prefect({ api: { resources: { limits: { memory: '128Mi' }, requests: { memory: '128Mi' } } } }),
      'api.resources.limits.memory',
      /give at least 192Mi/,
    );
    expectConfigError(
      () => prefect({ backgroundServices: { resources: { limits: { memory: '160Mi' }, requests: { memory: '160Mi' } } } }),
      'backgroundServices.resources.limits.memory',
      /175 MiB/,
    );
    expect(prefect({ api: { resources: { limits: { memory: '192Mi' }, requests: { memory: '192Mi' } } } }).api.resources.limits!.memory.value).toBe('192Mi');
  });
});

describe('checkMemoryFloor', () => {
  test('the floor itself passes, anything below it fails naming limits.memory', () => {
    const [idle, floor] = PREFECT_MEMORY_FLOOR.api;
    const at = (memory: string) =>
      resolveResources(
        'x',
        { limits: { memory }, requests: { memory: '64Mi' } },
        { requests: { cpu: '1', memory: '64Mi', ephemeralStorage: '1Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      );
    expect(() => checkMemoryFloor('x', at(floor), idle, floor, 'it')).not.toThrow();
    expect(() => checkMemoryFloor('x', at('1Gi'), idle, floor, 'it')).not.toThrow();
    expectConfigError(() => checkMemoryFloor('x', at('191Mi'), idle, floor, 'it'), 'x.limits.memory', /OOM-killed/);
  });
});

describe('resolvePrefectTier', () => {
  test('fixed replicas by default: min and max are the replica count, no autoscaler', () => {
    const api = prefect().api;
    expect(api.autoscaling).toBeUndefined();
    expect([api.minReplicas, api.maxReplicas]).toEqual([api.replicas, api.replicas]);
    expect(api.replicas).toBe(3);
    expect([api.spread, api.zoneSpread]).toEqual(['preferred', 'preferred']);
  });

  test('with an autoscaler the bounds are its own (min 2 and 70% CPU by default)', () => {
    const api = prefect({ api: { replicas: 4, autoscaling: { maxReplicas: 8 } } }).api;
    expect(api.autoscaling).toEqual({ minReplicas: 2, maxReplicas: 8, targetCpuUtilizationPercent: 70 });
    expect([api.minReplicas, api.maxReplicas]).toEqual([2, 8]);
  });

  test("the API's routes follow the edge; its endpoint is the API pods on 4200", () => {
    expect(prefect().api.routes).toEqual([]);
    const api = resolveStack(withEdge({}, `${EDGE_URL}/prefect`)).prefect.api;
    expect(api.routes.map((r) => r.path)).toEqual(['/prefect', '/prefect/api']);
    expect(api.endpoint).toEqual({ peer: { kind: 'pods', podLabels: api.podSelector }, port: 4200 });
    // The three components select disjoint pods.
    const t = prefect();
    const components = [t.api.podSelector, t.backgroundServices.podSelector, t.migrations.podSelector].map((s) => s['app.kubernetes.io/component']);
    expect(new Set(components).size).toBe(3);
  });
});
