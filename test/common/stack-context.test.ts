import { Testing } from 'cdk8s';
import { PrefectStack, StackContext, namespaceNamed, podsPeer } from '../../charts';
import { MINIMAL } from '../util';

test('constructs outside a PrefectStack say so', () => {
  expect(() => StackContext.of(Testing.chart())).toThrow(/not inside a PrefectStack/);
  expect(StackContext.of(new PrefectStack(Testing.app(), 's', MINIMAL)).instance).toBe('prefect');
});

describe('StackContext registries', () => {
  const stack = () => StackContext.of(new PrefectStack(Testing.app(), 's', { ...MINIMAL, worker: { enabled: false } }));
  const pods = podsPeer({ 'app.kubernetes.io/component': 'x' });

  test('the nearest enclosing stack is found from any construct below it', () => {
    const chart = new PrefectStack(Testing.app(), 's', MINIMAL);
    const inner = chart.node.findAll().find((c) => c.node.scopes.length > 3)!;
    expect(StackContext.of(inner)).toBe(StackContext.of(chart));
  });

  test('every pod may resolve names from the first flow on; a repeated flow is kept once, TCP is the default protocol', () => {
    const ctx = stack();
    const before = ctx.flows.length;
    expect(ctx.flows[0]).toMatchObject({ from: { kind: 'all' }, why: 'name resolution' });
    ctx.allow(pods, pods, [8080], 'test');
    ctx.allow(pods, pods, [{ port: 8080, protocol: 'TCP' }], 'test');
    expect(ctx.flows.length).toBe(before + 1);
    expect(ctx.flows[ctx.flows.length - 1].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    // A different reason is a different row of the flow table.
    ctx.allow(pods, pods, [8080], 'other');
    expect(ctx.flows.length).toBe(before + 2);
  });

  test('a scrape target lets the cluster Prometheus reach its pods on its port', () => {
    const ctx = stack();
    ctx.scrape({ name: 't', service: 's-t', podSelector: { 'app.kubernetes.io/component': 'x' }, portNumber: 9100, why: 'metrics of x' } as any);
    expect(ctx.flows[ctx.flows.length - 1]).toEqual({
      from: { kind: 'namespace', namespaceLabels: namespaceNamed('monitoring'), podLabels: undefined },
      to: { kind: 'pods', podLabels: { 'app.kubernetes.io/component': 'x' } },
      ports: [{ port: 9100, protocol: 'TCP' }],
      why: 'metrics of x',
    });
  });

  test('a route adds a flow from the edge only when there is an edge', () => {
    const ctx = stack();
    const route = { podSelector: { 'app.kubernetes.io/component': 'x' }, servicePort: 8080, why: 'x at the edge' } as any;
    const before = ctx.flows.length;
    expect(ctx.peers.edge).toBeUndefined();
    ctx.expose(route);
    expect(ctx.routes).toContain(route);
    expect(ctx.flows.length).toBe(before);
  });
});
