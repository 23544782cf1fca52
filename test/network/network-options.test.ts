import { ANY_ADDRESS, namespaceNamed, resolveCidrEgress, resolveNetworkPolicies } from '../../charts';
import { MINIMAL, expectConfigError, synth } from '../util';

describe('resolveNetworkPolicies: bad input, naming the key', () => {
  test('bad input from the configuration', () => {
    expectConfigError(() => synth({ ...MINIMAL, networkPolicies: { dnsPorts: [] } }), 'networkPolicies.dnsPorts', /empty/);
    expectConfigError(() => synth({ ...MINIMAL, networkPolicies: { dnsPorts: [70000] } }), 'networkPolicies.dnsPorts[0]');
    expectConfigError(
      () => synth({ ...MINIMAL, networkPolicies: { internetEgress: { cidrs: ['10.0.0.0'] } } }),
      'networkPolicies.internetEgress.cidrs[0]',
      /CIDR/,
    );
    expectConfigError(() => synth({ ...MINIMAL, networkPolicies: { internetEgress: { cidrs: [] } } }), 'networkPolicies.internetEgress.cidrs', /empty/);
    expectConfigError(
      () => synth({ ...MINIMAL, networkPolicies: { externalDatabaseCidrs: ['db.example.com'] } }),
      'networkPolicies.externalDatabaseCidrs[0]',
      /CIDR/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, networkPolicies: { prometheusFrom: { namespaceLabels: {} } } }),
      'networkPolicies.prometheusFrom.namespaceLabels',
      /labels/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, networkPolicies: { workersFrom: [{ namespaceLabels: { 'bad key!': 'x' } }] } }),
      'networkPolicies.workersFrom[0].namespaceLabels',
      /label key/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, networkPolicies: { internetEgress: { cidrs: ['0.0.0.0/0'], ports: [0] } } }),
      'networkPolicies.internetEgress.ports[0]',
    );
  });

  test('selectors and egress blocks given in the wrong shape', () => {
    expectConfigError(() => resolveNetworkPolicies({ dns: 'kube-dns' as any }), 'networkPolicies.dns', /is missing/);
    expectConfigError(() => resolveNetworkPolicies({ edgeFrom: { podLabels: { app: 'x' } } as any }), 'networkPolicies.edgeFrom.namespaceLabels', /no labels/);
    expectConfigError(
      () => resolveNetworkPolicies({ internetEgress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0'] } }),
      'networkPolicies.internetEgress.except[0]',
      /CIDR/,
    );
    expectConfigError(() => resolveNetworkPolicies({ externalRedisCidrs: [] }), 'networkPolicies.externalRedisCidrs', /empty/);
  });
});

describe('resolveNetworkPolicies: the defaults', () => {
  const { enabled, peers } = resolveNetworkPolicies();

  test('on, DNS as kube-dns pods in kube-system on 53 over UDP and TCP, Prometheus in monitoring', () => {
    expect(enabled).toBe(true);
    expect(peers.dns.peer).toEqual({ kind: 'namespace', namespaceLabels: namespaceNamed('kube-system'), podLabels: { 'k8s-app': 'kube-dns' } });
    expect(peers.dns.ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(peers.prometheus).toEqual({ kind: 'namespace', namespaceLabels: namespaceNamed('monitoring'), podLabels: undefined });
  });

  test('no edge, no workers and no Internet unless configured; external servers anywhere on their port', () => {
    expect(peers.edge).toBeUndefined();
    expect(peers.workers).toEqual([]);
    expect(peers.internet).toBeUndefined();
    expect(peers.externalDatabase).toEqual({ kind: 'cidr', cidrs: ANY_ADDRESS, except: [] });
    expect(peers.externalRedis).toEqual({ kind: 'cidr', cidrs: ANY_ADDRESS, except: [] });
  });

  test("the edge's namespace by default, edgeFrom when given; Internet egress on 443 unless ports are given", () => {
    expect(resolveNetworkPolicies({}, 'ingress-nginx').peers.edge).toEqual({
      kind: 'namespace',
      namespaceLabels: namespaceNamed('ingress-nginx'),
      podLabels: undefined,
    });
    const edgeFrom = { namespaceLabels: { team: 'edge' }, podLabels: { app: 'proxy' } };
    expect(resolveNetworkPolicies({ edgeFrom }, 'ingress-nginx').peers.edge).toEqual({ kind: 'namespace', ...edgeFrom });
    const internet = resolveNetworkPolicies({ internetEgress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'] } }).peers.internet!;
    expect(internet).toEqual({ peer: { kind: 'cidr', cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'] }, ports: [443] });
    expect(resolveNetworkPolicies({ internetEgress: { cidrs: ['0.0.0.0/0'], ports: [80, 443] } }).peers.internet!.ports).toEqual([80, 443]);
    expect(resolveNetworkPolicies({ enabled: false }).enabled).toBe(false);
  });
});

describe('resolveCidrEgress', () => {
  test('default blocks apply only when cidrs is left out; a given list is checked', () => {
    expect(resolveCidrEgress('f', undefined, { cidrs: ANY_ADDRESS, ports: [443] })).toEqual({ cidrs: ANY_ADDRESS, except: [], ports: [443] });
    expect(resolveCidrEgress('f', { cidrs: ['203.0.113.0/24'] }, { cidrs: ANY_ADDRESS, ports: [443] }).cidrs).toEqual(['203.0.113.0/24']);
    expectConfigError(() => resolveCidrEgress('f', { cidrs: [] }, { cidrs: ANY_ADDRESS, ports: [443] }), 'f.cidrs', /empty/);
    // Without default blocks the list is required.
    expectConfigError(() => resolveCidrEgress('f', undefined, { ports: [443] }), 'f.cidrs', /empty/);
    expectConfigError(() => resolveCidrEgress('f', { cidrs: ['0.0.0.0/0'], ports: [] }, { ports: [443] }), 'f.ports', /empty/);
  });
});
