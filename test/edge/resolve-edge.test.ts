import { checkEdgeHost, checkGatewayRef, checkPathPrefix, checkSourceRanges, namespaceOfGateway, resolveEdge } from '../../charts';
import { MINIMAL, EDGE_URL as URL_, expectConfigError, synth, withEdge } from '../util';

const url = (u: string) => new URL(u);

describe('resolveEdge: bad input, naming the key', () => {
  test('a host that is not a DNS name', () => {
    expectConfigError(() => synth(withEdge({}, 'https://10.1.2.3')), 'prefect.externalUrl', /IP address/);
    expectConfigError(() => synth(withEdge({}, 'https://prefect.example.com:8443')), 'prefect.externalUrl', /port/);
  });

  test('a TLS secret without a host', () => {
    expectConfigError(() => synth({ ...MINIMAL, edge: { tls: { secretName: 'prefect-tls' } } }), 'edge.tls', /without a host/);
    expectConfigError(() => synth(withEdge({ tls: { secretName: 'prefect-tls' } }, 'http://prefect.example.com')), 'edge.tls', /http/);
    expectConfigError(() => synth(withEdge({ tls: {} })), 'edge.tls', /neither/);
    expectConfigError(() => synth(withEdge({ tls: { certManager: { issuer: 'a', clusterIssuer: 'b' } } })), 'edge.tls.certManager', /exactly one/);
  });

  test('an ingress class and a gateway both chosen', () => {
    expectConfigError(() => synth(withEdge({ ingressNginx: { className: 'nginx' }, gateway: { name: 'public' } })), 'edge.gateway', /choose one front door/);
    expectConfigError(
      () => synth(withEdge({ type: 'gateway-api', ingressNginx: { className: 'nginx' }, gateway: { name: 'public' } })),
      'edge.ingressNginx',
      /choose one front door/,
    );
    expectConfigError(() => synth(withEdge({ type: 'gateway-api' })), 'edge.gateway', /missing/);
    expectConfigError(() => synth(withEdge({ type: 'gateway-api', gateway: { name: 'g' }, tls: { secretName: 'x' } })), 'edge.tls', /Gateway listener/);
  });

  test('an allow-list entry that is not a CIDR', () => {
    expectConfigError(() => synth(withEdge({ ingressNginx: { allowSourceRanges: ['10.0.0.1'] } })), 'edge.ingressNginx.allowSourceRanges[0]', /CIDR/);
  });

  test('other edge mistakes', () => {
    expectConfigError(() => synth({ ...MINIMAL, edge: { type: 'ingress-nginx' } }), 'prefect.externalUrl', /missing/);
    expectConfigError(() => synth(withEdge({ ingressNginx: { loadBalance: 'least_conn' as any } })), 'edge.ingressNginx.loadBalance', /least_conn/);
    expectConfigError(() => synth(withEdge({ ingressNginx: { maxBodySize: '16MB' } })), 'edge.ingressNginx.maxBodySize');
    expectConfigError(() => synth(withEdge({ timeoutSeconds: 5 })), 'edge.timeoutSeconds');
  });

  test('an unknown type, a front-door section for the other type, credentials or /api in the URL', () => {
    expectConfigError(() => resolveEdge({ type: 'traefik' as any }, url(URL_), true), 'edge.type', /ingress-nginx, gateway-api or none/);
    expectConfigError(() => resolveEdge({ type: 'none', ingressNginx: {} }), 'edge.ingressNginx', /edge.type is none/);
    expectConfigError(() => resolveEdge({ type: 'none', gateway: { name: 'g' } }), 'edge.gateway', /edge.type is none/);
    expectConfigError(() => resolveEdge({}, url('https://user:pw@prefect.example.com'), true), 'prefect.externalUrl', /credentials/);
    expectConfigError(() => resolveEdge({}, url('https://prefect.example.com/api'), true), 'prefect.externalUrl', /contains \/api/);
    expectConfigError(() => resolveEdge({}, url('https://prefect.example.com/x/api/y'), true), 'prefect.externalUrl', /contains \/api/);
    expectConfigError(() => resolveEdge({}, url('https://prefect.example.com/a%20b'), true), 'prefect.externalUrl', /path prefix/);
  });

  test('an edge without any authentication is refused, pointing at the auth of its own front door', () => {
    expectConfigError(() => resolveEdge({}, url(URL_)), 'edge', /edge.ingressNginx.basicAuthSecret/);
    expectConfigError(() => resolveEdge({ type: 'gateway-api', gateway: { name: 'g' } }, url(URL_)), 'edge', /edge.gateway.authFilter/);
    // Prefect's own auth, auth at the edge, or an explicit confirmation: accepted.
    expect(resolveEdge({}, url(URL_), true).type).toBe('ingress-nginx');
    expect(resolveEdge({ ingressNginx: { basicAuthSecret: 'htpasswd' } }, url(URL_)).ingressNginx.basicAuthSecret).toBe('htpasswd');
    expect(resolveEdge({ allowUnauthenticated: true }, url(URL_)).host).toBe('prefect.example.com');
  });
});

describe('resolveEdge: defaults follow prefect.externalUrl', () => {
  test('no URL: no front door, nothing to serve', () => {
    expect(resolveEdge()).toMatchObject({ type: 'none', host: undefined, basePath: '', tls: undefined, gateway: undefined });
  });

  test('a URL: Ingress-NGINX on its host, the path without a trailing slash, the documented defaults', () => {
    const e = resolveEdge({}, url('https://prefect.example.com/tools/prefect/'), true);
    expect(e).toMatchObject({ type: 'ingress-nginx', host: 'prefect.example.com', basePath: '/tools/prefect', timeoutSeconds: 3600 });
    expect(e.ingressNginx).toEqual({
      className: 'nginx',
      loadBalance: 'ewma',
      maxBodySize: '16m',
      basicAuthSecret: undefined,
      allowSourceRanges: [],
      annotations: {},
    });
    expect(resolveEdge({}, url('https://prefect.example.com/'), true).basePath).toBe('');
  });

  test('TLS: an existing Secret, or a cert-manager issuer annotation of the right kind', () => {
    expect(resolveEdge({ tls: { secretName: 'prefect-tls' } }, url(URL_), true).tls).toEqual({ secretName: 'prefect-tls', issuerAnnotation: undefined });
    expect(resolveEdge({ tls: { certManager: { issuer: 'le' } } }, url(URL_), true).tls!.issuerAnnotation).toEqual(['cert-manager.io/issuer', 'le']);
    expect(resolveEdge({ tls: { certManager: { clusterIssuer: 'le' } } }, url(URL_), true).tls!.issuerAnnotation).toEqual([
      'cert-manager.io/cluster-issuer',
      'le',
    ]);
    expectConfigError(() => resolveEdge({ tls: { secretName: 's', certManager: { issuer: 'le' } } }, url(URL_), true), 'edge.tls', /not both/);
  });

  test("the Gateway's namespace is where its proxies run, else the stack's", () => {
    const gw = resolveEdge({ type: 'gateway-api', gateway: { name: 'public', namespace: 'gateways' } }, url(URL_), true);
    expect(namespaceOfGateway(gw, 'prefect')).toBe('gateways');
    expect(namespaceOfGateway(resolveEdge({ type: 'gateway-api', gateway: { name: 'public' } }, url(URL_), true), 'prefect')).toBe('prefect');
  });
});

describe('edge value checks', () => {
  test('checkEdgeHost: a DNS name, not an IP address', () => {
    expect(checkEdgeHost('h', 'prefect.example.com')).toBe('prefect.example.com');
    expectConfigError(() => checkEdgeHost('h', '192.168.1.10'), 'h', /IP address/);
  });

  test('checkPathPrefix: a leading slash, no trailing slash, no regex characters', () => {
    for (const p of ['/', '/pgadmin', '/a/b', '/x.y_z~-']) expect(checkPathPrefix('p', p)).toBe(p);
    for (const p of ['', 'pgadmin', '/pgadmin/', '/a//b', '/a.*', '/a b']) expectConfigError(() => checkPathPrefix('x.path', p), 'x.path', /path prefix/);
  });

  test('checkGatewayRef: a kind, an API group (empty for the core group) and an object name', () => {
    expect(checkGatewayRef('f', { group: '', kind: 'Service', name: 'x' })).toEqual({ group: '', kind: 'Service', name: 'x' });
    expectConfigError(() => checkGatewayRef('f', { group: 'traefik.io', kind: 'middleware', name: 'x' }), 'f.kind');
    expectConfigError(() => checkGatewayRef('f', { kind: 'Middleware', name: 'x' } as any), 'f.group', /missing/);
    expectConfigError(() => checkGatewayRef('f', { group: 'traefik.io', kind: 'Middleware', name: 'Bad_Name' }), 'f.name');
  });

  test('checkSourceRanges: absent allows any address, an empty list is a mistake', () => {
    expect(checkSourceRanges('r', undefined)).toEqual([]);
    expect(checkSourceRanges('r', ['10.0.0.0/8', '2001:db8::/32'])).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expectConfigError(() => checkSourceRanges('r', []), 'r', /empty/);
  });
});
