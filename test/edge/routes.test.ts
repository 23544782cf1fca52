import { PrefectStackProps, adminRoute, prefectRoutes, resolveEdge } from '../../charts';
import { EDGE_URL as URL_, MINIMAL, PGADMIN, expectConfigError, one, synth, withEdge } from '../util';

const NG = 'nginx.ingress.kubernetes.io';
const BACKEND = { id: 'ui', serviceName: 'prefect-ui', servicePort: 8080, podSelector: { 'app.kubernetes.io/component': 'ui' }, labels: {}, why: 'a UI' };
const ownLogin = { ...BACKEND, ownAuth: true, pathSupported: true };
const edgeAt = (u: string, o: PrefectStackProps['edge'] = {}) => resolveEdge(o, new URL(u), true);

describe('adminRoute: bad input, naming the key', () => {
  test('a host that is not a DNS name', () => {
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { pgadmin: { ...PGADMIN, expose: { host: 'pg_admin.example.com' } } } })),
      'admin.pgadmin.expose.host',
      /DNS host name/,
    );
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { pgadmin: { ...PGADMIN, expose: { host: 'localhost' } } } })),
      'admin.pgadmin.expose.host',
      /DNS host name/,
    );
  });

  test('an allow-list entry that is not a CIDR', () => {
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com', allowSourceRanges: ['office'] } } } })),
      'admin.pgadmin.expose.allowSourceRanges[0]',
      /CIDR/,
    );
  });

  test('admin UIs exposed without auth unless explicitly confirmed', () => {
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { redisUi: { expose: { host: 'redis.example.com' } } } })),
      'admin.redisUi.expose',
      /without authentication.*allowUnauthenticated/,
    );
    expectConfigError(
      () =>
        synth(
          withEdge({ type: 'gateway-api', gateway: { name: 'g' } }, URL_, {
            admin: { redisUi: { kind: 'redisinsight', expose: { host: 'redis.example.com' } } },
          }),
        ),
      'admin.redisUi.expose',
      /authFilter/,
    );
    // Confirmed, or with auth at the edge or in the UI: accepted.
    for (const redisUi of [
      { expose: { host: 'redis.example.com', allowUnauthenticated: true } },
      { expose: { host: 'redis.example.com', basicAuthSecret: 'admin-htpasswd' } },
      { httpAuth: { user: 'admin', passwordSecret: { name: 'redis-ui', key: 'password' } }, expose: { host: 'redis.example.com' } },
    ]) {
      expect(one(synth(withEdge({}, URL_, { admin: { redisUi } })), 'Ingress', 'prefect-redis-ui').spec.rules[0].host).toBe('redis.example.com');
    }
    const basic = one(
      synth(withEdge({}, URL_, { admin: { redisUi: { kind: 'redisinsight', expose: { host: 'redis.example.com', basicAuthSecret: 'admin-htpasswd' } } } })),
      'Ingress',
      'prefect-redis-ui',
    );
    expect(basic.metadata.annotations).toMatchObject({ [`${NG}/auth-type`]: 'basic', [`${NG}/auth-secret`]: 'admin-htpasswd' });
  });

  test('other exposure mistakes', () => {
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { pgadmin: { ...PGADMIN, expose: {} } } })),
      'admin.pgadmin.expose',
      /take over the Prefect host/,
    );
    expectConfigError(
      () => synth(withEdge({}, 'https://example.com/prefect', { admin: { pgadmin: { ...PGADMIN, expose: { path: '/prefect/api/x' } } } })),
      'admin.pgadmin.expose.path',
      /collides/,
    );
    expectConfigError(
      () => synth(withEdge({}, URL_, { admin: { pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com', path: 'pgadmin/' } } } })),
      'admin.pgadmin.expose.path',
      /path prefix/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, admin: { pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com' } } } }),
      'admin.pgadmin.expose',
      /edge.type is none/,
    );
    expectConfigError(
      () =>
        synth(
          withEdge({ type: 'gateway-api', gateway: { name: 'g' } }, URL_, {
            admin: { pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com', basicAuthSecret: 'x' } } },
          }),
        ),
      'admin.pgadmin.expose.basicAuthSecret',
      /no standard basic auth/,
    );
  });

  test('settings of the other front door are refused, each naming the key (Gateway API has no source ranges or per-route TLS; NGINX no filters)', () => {
    const gw = edgeAt(URL_, { type: 'gateway-api', gateway: { name: 'g' } });
    const host = 'ui.example.com';
    expectConfigError(
      () => adminRoute('admin.x', gw, { host, allowSourceRanges: ['10.0.0.0/8'] }, ownLogin),
      'admin.x.expose.allowSourceRanges',
      /gateway-api/,
    );
    expectConfigError(() => adminRoute('admin.x', gw, { host, tlsSecretName: 'ui-tls' }, ownLogin), 'admin.x.expose.tlsSecretName', /Gateway listener/);
    const filter = { group: 'traefik.io', kind: 'Middleware', name: 'auth' };
    expectConfigError(() => adminRoute('admin.x', edgeAt(URL_), { host, authFilter: filter }, ownLogin), 'admin.x.expose.authFilter', /basicAuthSecret/);
    expect(adminRoute('admin.x', gw, { host, authFilter: filter }, { ...ownLogin, ownAuth: false }).authFilter).toEqual(filter);
  });

  test('a UI that cannot live below a path gets none, even on its own host', () => {
    expectConfigError(
      () => adminRoute('admin.x', edgeAt(URL_), { host: 'ui.example.com', path: '/ui' }, { ...ownLogin, pathSupported: false }),
      'admin.x.expose.path',
      /own host/,
    );
  });
});

describe('adminRoute: where an exposed UI is served', () => {
  test('its own host at the root by default, the route named after the key that made it', () => {
    const r = adminRoute('admin.x', edgeAt(URL_), { host: 'ui.example.com' }, ownLogin);
    expect(r).toMatchObject({ id: 'ui', host: 'ui.example.com', path: '/', serviceName: 'prefect-ui', servicePort: 8080, field: 'admin.x.expose' });
    expect(r.allowSourceRanges).toEqual([]);
  });

  test("on the Prefect host below a prefix of its own; only the UI's and the API's paths are taken", () => {
    const edge = edgeAt('https://prefect.example.com/prefect');
    expect(adminRoute('admin.x', edge, { path: '/pgadmin' }, ownLogin)).toMatchObject({ host: 'prefect.example.com', path: '/pgadmin' });
    // A sibling of the UI's prefix that merely starts with the same letters is not Prefect's.
    expect(adminRoute('admin.x', edge, { path: '/prefect-admin' }, ownLogin).path).toBe('/prefect-admin');
    for (const path of ['/prefect', '/prefect/api', '/prefect/api/admin'])
      expectConfigError(() => adminRoute('admin.x', edge, { path }, ownLogin), 'admin.x.expose.path', /collides/);
  });
});

describe('prefectRoutes', () => {
  const api = { ...BACKEND, id: 'api', serviceName: 'prefect-api', servicePort: 4200 };

  test('no edge: no route', () => {
    expect(prefectRoutes(resolveEdge(), api)).toEqual([]);
  });

  test('at the root of the host: one route for everything', () => {
    const routes = prefectRoutes(edgeAt(URL_), api);
    expect(routes.map((r) => [r.id, r.host, r.path, r.rewriteTo])).toEqual([['prefect', 'prefect.example.com', '/', undefined]]);
  });

  test("below a prefix: the UI at the prefix, the API at <prefix>/api rewritten to /api (the server's API root)", () => {
    const routes = prefectRoutes(edgeAt('https://prefect.example.com/tools/prefect'), api);
    expect(routes.map((r) => [r.id, r.path, r.rewriteTo])).toEqual([
      ['prefect', '/tools/prefect', undefined],
      ['prefect-api', '/tools/prefect/api', '/api'],
    ]);
  });

  test("the edge's auth, allow-list and TLS Secret apply to Prefect's routes", () => {
    const edge = edgeAt(URL_, { tls: { secretName: 'prefect-tls' }, ingressNginx: { basicAuthSecret: 'htpasswd', allowSourceRanges: ['10.0.0.0/8'] } });
    expect(prefectRoutes(edge, api)[0]).toMatchObject({
      basicAuthSecret: 'htpasswd',
      allowSourceRanges: ['10.0.0.0/8'],
      tlsSecretName: 'prefect-tls',
      field: 'prefect.externalUrl',
    });
  });
});
