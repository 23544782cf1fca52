import { Testing } from 'cdk8s';
import { PrefectStack, PrefectStackProps } from '../charts';
import { MINIMAL, PGADMIN, expectConfigError, one, synth } from './util';

const stack = (p: PrefectStackProps = MINIMAL) => new PrefectStack(Testing.app(), 'test', p);
const kinds = (p: PrefectStackProps) => new Set(synth(p).map((o) => o.kind));

describe('PrefectStack', () => {
  test('a bad configuration throws before any object is built', () => {
    const app = Testing.app();
    expectConfigError(() => new PrefectStack(app, 'bad', { ...MINIMAL, api: { replicas: 0 } }), 'api.replicas');
    expect(app.node.children).toEqual([]);
  });

  test('its own namespace, labelled Pod Security "restricted", unless createNamespace: false', () => {
    const ns = one(synth(MINIMAL), 'Namespace');
    expect(ns.metadata.name).toBe('prefect');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(kinds({ ...MINIMAL, createNamespace: false }).has('Namespace')).toBe(false);
  });

  test('optional tiers appear only when configured: worker, admin UIs, monitoring, NetworkPolicies', () => {
    const s = stack();
    expect(s.worker).toBeDefined();
    expect([s.pgadmin, s.redisUi, s.monitoring]).toEqual([undefined, undefined, undefined]);
    expect(stack({ ...MINIMAL, worker: { enabled: false } }).worker).toBeUndefined();
    const full = stack({ ...MINIMAL, admin: { pgadmin: PGADMIN, redisUi: {} }, monitoring: {} });
    expect([full.pgadmin, full.redisUi, full.monitoring].every(Boolean)).toBe(true);
    expect(kinds(MINIMAL).has('NetworkPolicy')).toBe(true);
    expect(kinds({ ...MINIMAL, networkPolicies: { enabled: false } }).has('NetworkPolicy')).toBe(false);
  });

  test("its flows are the stack context's: the list the NetworkPolicies and the flow table are built from", () => {
    const s = stack();
    expect(s.flows.length).toBeGreaterThan(3);
    expect(s.flows[0].why).toBe('name resolution');
  });

  test('commonAnnotations reach every object, and never replace an annotation the object sets itself', () => {
    const objs = synth({ ...MINIMAL, commonAnnotations: { 'team.example.com/owner': 'data', 'argocd.argoproj.io/sync-wave': '99' } });
    for (const o of objs) expect([o.kind, o.metadata.name, o.metadata.annotations?.['team.example.com/owner']]).toEqual([o.kind, o.metadata.name, 'data']);
    // The migrate Job orders itself with its own sync wave; the common value does not override it.
    const waves = objs.map((o) => o.metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(waves).toContain('99');
    const own = one(synth(MINIMAL), 'Job').metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect(own).toBeDefined();
    expect(one(objs, 'Job').metadata.annotations!['argocd.argoproj.io/sync-wave']).toBe(own);
  });

  test('commonLabels reach every object, the namespace included', () => {
    for (const o of synth({ ...MINIMAL, commonLabels: { 'cost-center': 'c42' } }))
      expect([o.kind, o.metadata.labels?.['cost-center']]).toEqual([o.kind, 'c42']);
  });
});
