import { RESERVED_LABEL_PREFIXES, resolvePod, resolveScheduling } from '../../charts';
import { MINIMAL, expectConfigError, synth } from '../util';

const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' };
const dedicated = { key: 'dedicated', operator: 'Equal' as const, value: 'prefect', effect: 'NoSchedule' as const };

describe('pod knobs: bad input is refused at synth, naming the key', () => {
  test.each([
    [{ scheduling: { tolerations: [{ key: 'x', operator: 'Is' as any }] } }, 'scheduling.tolerations[0].operator', /toleration operator/],
    [{ scheduling: { tolerations: [{ key: 'x', effect: 'NoRun' as any }] } }, 'scheduling.tolerations[0].effect', /taint effect/],
    [{ scheduling: { tolerations: [{ operator: 'Equal' as const, value: 'x' }] } }, 'scheduling.tolerations[0].operator', /Exists when key is empty/],
    [{ scheduling: { tolerations: [{ key: 'x', operator: 'Exists' as const, value: 'y' }] } }, 'scheduling.tolerations[0].value', /Exists/],
    [
      { scheduling: { tolerations: [{ key: 'x', effect: 'NoSchedule' as const, tolerationSeconds: 30 }] } },
      'scheduling.tolerations[0].tolerationSeconds',
      /NoExecute/,
    ],
    [{ scheduling: { nodeSelector: { 'bad key!': 'x' } } }, 'scheduling.nodeSelector.bad key!', /label key/],
    [{ scheduling: { priorityClassName: 'High_Priority' } }, 'scheduling.priorityClassName', /object name/],
    [
      { scheduling: { topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] } },
      'scheduling.topologySpreadConstraints[0].maxSkew',
      /whole number/,
    ],
    [
      { scheduling: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }] } },
      'scheduling.topologySpreadConstraints[0].minDomains',
      /DoNotSchedule/,
    ],
    [{ api: { podLabels: { 'app.kubernetes.io/component': 'x' } } }, 'api.podLabels.app.kubernetes.io/component', /stack sets itself/],
    [{ api: { podAnnotations: { 'a/b/c': 'x' } } }, 'api.podAnnotations.a/b/c', /annotation key/],
    [{ worker: { jobs: { podLabels: { 'x': 'not a value!' } } } }, 'worker.jobs.podLabels.x', /label value/],
    [{ redis: { inCluster: { serviceAccount: { annotations: { '-bad': 'x' } } } } }, 'redis.inCluster.serviceAccount.annotations.-bad', /annotation key/],
  ])('%j → %s', (props, field, pattern) => {
    expectConfigError(() => synth({ ...MINIMAL, ...props }), field, pattern);
  });
});

describe("resolvePod: a component's own keys over the stack-wide scheduling", () => {
  test('with nothing given: no scheduling constraints, no extra metadata, an empty spread list', () => {
    expect(resolvePod('api', {})).toEqual({
      nodeSelector: undefined,
      tolerations: undefined,
      affinity: undefined,
      topologySpreadConstraints: [],
      priorityClassName: undefined,
      annotations: {},
      labels: {},
      serviceAccountAnnotations: {},
    });
  });

  test('stack-wide values reach the component; its own key replaces the stack-wide one whole (lists are not merged)', () => {
    const stack = resolveScheduling('scheduling', {
      nodeSelector: { pool: 'general' },
      tolerations: [dedicated],
      topologySpreadConstraints: [zone],
      priorityClassName: 'standard',
    });
    expect(resolvePod('api', stack)).toMatchObject({ nodeSelector: { pool: 'general' }, tolerations: [dedicated], topologySpreadConstraints: [zone] });
    const own = { key: 'gpu', operator: 'Exists' as const };
    const pod = resolvePod('api', stack, { nodeSelector: { pool: 'api' }, tolerations: [own], priorityClassName: 'critical' });
    expect(pod.nodeSelector).toEqual({ pool: 'api' });
    expect(pod.tolerations).toEqual([own]);
    expect(pod.priorityClassName).toBe('critical');
    // Keys the component does not set still come from the stack.
    expect(pod.topologySpreadConstraints).toEqual([zone]);
  });

  test("pod labels, pod annotations and ServiceAccount annotations are the component's own", () => {
    const pod = resolvePod(
      'worker',
      {},
      {
        podLabels: { team: 'data' },
        podAnnotations: { 'sidecar.istio.io/inject': 'false' },
        serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
      },
    );
    expect(pod.labels).toEqual({ team: 'data' });
    expect(pod.annotations).toEqual({ 'sidecar.istio.io/inject': 'false' });
    expect(pod.serviceAccountAnnotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' });
  });

  test("every label prefix the stack sets itself is refused in podLabels, under the component's key", () => {
    for (const prefix of RESERVED_LABEL_PREFIXES)
      expectConfigError(
        () => resolvePod('redis.inCluster', {}, { podLabels: { [`${prefix}x`]: 'y' } }),
        `redis.inCluster.podLabels.${prefix}x`,
        /stack sets itself/,
      );
  });
});

describe('tolerations as the API server validates them', () => {
  const tolerate = (t: object) => () => resolveScheduling('scheduling', { tolerations: [t as any] });

  test('accepted: an empty key with Exists (every taint), Exists without value, NoExecute with tolerationSeconds', () => {
    for (const t of [
      { operator: 'Exists' },
      { key: 'example.com/pool', operator: 'Exists' },
      { key: 'x', effect: 'NoExecute', tolerationSeconds: 0 },
      dedicated,
    ])
      expect(tolerate(t)()).toEqual({ tolerations: [t] } as any);
  });

  test('refused, each naming the toleration and its key', () => {
    expectConfigError(tolerate({ key: 'bad key' }), 'scheduling.tolerations[0].key', /taint key/);
    expectConfigError(tolerate({ key: 'x', value: '-starts-with-dash' }), 'scheduling.tolerations[0].value', /taint value/);
    expectConfigError(tolerate({ key: 'x', value: 'v'.repeat(64) }), 'scheduling.tolerations[0].value', /at most 63/);
    expectConfigError(tolerate({ key: 'x', effect: 'NoExecute', tolerationSeconds: -1 }), 'scheduling.tolerations[0].tolerationSeconds');
    expectConfigError(() => resolveScheduling('scheduling', { tolerations: { key: 'x' } as any }), 'scheduling.tolerations', /not a list/);
  });
});

describe('topology spread constraints and affinity', () => {
  const spread =
    (...c: object[]) =>
    () =>
      resolveScheduling('api', { topologySpreadConstraints: c as any });

  test('the same topology key twice with the same whenUnsatisfiable is refused (the API server refuses duplicates)', () => {
    expectConfigError(spread(zone, { ...zone, maxSkew: 2 }), 'api.topologySpreadConstraints[1]', /repeats topologyKey topology.kubernetes.io\/zone/);
    // The same key with the other whenUnsatisfiable is a different constraint.
    expect(spread(zone, { ...zone, whenUnsatisfiable: 'ScheduleAnyway' })().topologySpreadConstraints).toHaveLength(2);
  });

  test('a constraint needs a node label key and a known whenUnsatisfiable; minDomains at least 1', () => {
    expectConfigError(spread({ ...zone, topologyKey: 'not a key' }), 'api.topologySpreadConstraints[0].topologyKey', /node label key/);
    expectConfigError(spread({ ...zone, whenUnsatisfiable: 'Never' }), 'api.topologySpreadConstraints[0].whenUnsatisfiable', /DoNotSchedule or ScheduleAnyway/);
    expectConfigError(spread({ ...zone, minDomains: 0 }), 'api.topologySpreadConstraints[0].minDomains');
    expect(spread({ ...zone, minDomains: 3 })().topologySpreadConstraints).toEqual([{ ...zone, minDomains: 3 }]);
  });

  test('affinity must be an object as in a pod spec', () => {
    for (const affinity of [[], 'zone-a', null])
      expectConfigError(() => resolveScheduling('scheduling', { affinity: affinity as any }), 'scheduling.affinity', /affinity object/);
  });
});
