import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { EDGE_URL, MINIMAL, PGADMIN, containers, envMap, expectConfigError, one, synth, withEdge } from '../util';

const URL_ = EDGE_URL;
const NG = 'nginx.ingress.kubernetes.io';

/** The HTTPRoute schema from the Gateway API CRD (v1.6.1) in ../shared/crds. */
function httpRouteValidator() {
  const crdFile = path.join(__dirname, '..', '..', '..', 'shared', 'crds', 'gateway.networking.k8s.io_httproutes.yaml');
  const crd = parseAllDocuments(fs.readFileSync(crdFile, 'utf8'))
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'CustomResourceDefinition');
  const v1 = crd.spec.versions.find((v: any) => v.name === 'v1');
  return new Ajv({ strict: false, allErrors: true, logger: false }).compile(v1.schema.openAPIV3Schema);
}

describe('StackEdge: Ingress-NGINX', () => {
  test('one Ingress on the externalUrl host: websocket timeouts, body size, ewma, class nginx', () => {
    const ing = one(synth(withEdge({})), 'Ingress', 'prefect-prefect');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.metadata.annotations).toMatchObject({
      [`${NG}/proxy-read-timeout`]: '3600',
      [`${NG}/proxy-send-timeout`]: '3600',
      [`${NG}/proxy-body-size`]: '16m',
      [`${NG}/load-balance`]: 'ewma',
    });
    expect(ing.spec.rules).toEqual([
      {
        host: 'prefect.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'prefect-api', port: { number: 4200 } } } }] },
      },
    ]);
    expect(ing.spec.tls).toBeUndefined();
    expect(ing.metadata.annotations![`${NG}/auth-type`]).toBeUndefined();
  });

  test('no externalUrl and no edge type: no front door', () => {
    const objs = synth(MINIMAL);
    expect(objs.filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')).toHaveLength(0);
  });

  test('a path prefix: the UI at the prefix, the API rewritten to /api, and the UI settings follow', () => {
    const objs = synth(withEdge({}, 'https://example.com/prefect'));
    expect(one(objs, 'Ingress', 'prefect-prefect').spec.rules[0].http.paths[0]).toMatchObject({ path: '/prefect', pathType: 'Prefix' });
    const api = one(objs, 'Ingress', 'prefect-prefect-api');
    expect(api.spec.rules[0].http.paths[0]).toMatchObject({ path: '/prefect/api(/|$)(.*)', pathType: 'ImplementationSpecific' });
    expect(api.metadata.annotations).toMatchObject({ [`${NG}/use-regex`]: 'true', [`${NG}/rewrite-target`]: '/api/$2' });
    const env = envMap(containers(one(objs, 'Deployment', 'prefect-api').spec.template).find((c) => c.name === 'api'));
    expect(env.PREFECT_SERVER_UI_API_URL).toBe('https://example.com/prefect/api');
    expect(env.PREFECT_SERVER_UI_SERVE_BASE).toBe('/prefect');
  });

  test('TLS from an existing Secret, basic auth and an allow-list', () => {
    const ing = one(
      synth(
        withEdge({
          tls: { secretName: 'prefect-tls' },
          ingressNginx: { className: 'public', basicAuthSecret: 'prefect-htpasswd', allowSourceRanges: ['10.0.0.0/8', '192.0.2.0/24'] },
        }),
      ),
      'Ingress',
      'prefect-prefect',
    );
    expect(ing.spec.ingressClassName).toBe('public');
    expect(ing.spec.tls).toEqual([{ hosts: ['prefect.example.com'], secretName: 'prefect-tls' }]);
    expect(ing.metadata.annotations).toMatchObject({
      [`${NG}/auth-type`]: 'basic',
      [`${NG}/auth-secret`]: 'prefect-htpasswd',
      [`${NG}/whitelist-source-range`]: '10.0.0.0/8,192.0.2.0/24',
    });
  });

  test('cert-manager: the issuer annotation once per host, one Secret per host', () => {
    const objs = synth(
      withEdge({ tls: { certManager: { clusterIssuer: 'letsencrypt' } } }, 'https://prefect.example.com/p', {
        admin: {
          pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com' } },
          redisUi: { httpAuth: { user: 'u', passwordSecret: { name: 's', key: 'k' } }, expose: { path: '/redis' } },
        },
      }),
    );
    const ings = objs.filter((o) => o.kind === 'Ingress');
    const annotated = ings.filter((i) => i.metadata.annotations!['cert-manager.io/cluster-issuer'] === 'letsencrypt').map((i) => i.metadata.name);
    expect(annotated.sort()).toEqual(['prefect-pgadmin', 'prefect-prefect']);
    const secretOf = Object.fromEntries(ings.map((i) => [i.metadata.name, i.spec.tls[0].secretName]));
    expect(secretOf).toEqual({
      'prefect-prefect': 'prefect-prefect-tls',
      'prefect-prefect-api': 'prefect-prefect-tls',
      'prefect-pgadmin': 'prefect-pgadmin-tls',
      'prefect-redis-ui': 'prefect-prefect-tls',
    });
  });
});

describe('StackEdge: Gateway API', () => {
  const gw = { type: 'gateway-api' as const, gateway: { name: 'public', namespace: 'gateways', sectionName: 'https' } };

  test('an HTTPRoute per route: parentRef, hostnames, timeouts, prefix rewrite; valid against the v1.6.1 CRD schema', () => {
    const objs = synth(withEdge(gw, 'https://example.com/prefect', { admin: { pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com' } } } }));
    expect(objs.filter((o) => o.kind === 'Ingress')).toHaveLength(0);
    const routes = objs.filter((o) => o.kind === 'HTTPRoute');
    expect(routes.map((r) => r.metadata.name).sort()).toEqual(['prefect-pgadmin', 'prefect-prefect', 'prefect-prefect-api']);
    const validate = httpRouteValidator();
    for (const r of routes) {
      expect([r.metadata.name, validate(r), validate.errors ?? []]).toEqual([r.metadata.name, true, []]);
      expect(r.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'https' }]);
      expect(r.spec.rules[0].timeouts).toEqual({ request: '3600s', backendRequest: '3600s' });
    }
    const api = one(objs, 'HTTPRoute', 'prefect-prefect-api');
    expect(api.spec.hostnames).toEqual(['example.com']);
    expect(api.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/prefect/api' } }]);
    expect(api.spec.rules[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/api' } } }]);
    expect(api.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'prefect-api', port: 4200 }]);
  });

  test('auth through an implementation-specific filter', () => {
    const objs = synth(
      withEdge({ ...gw, gateway: { ...gw.gateway, authFilter: { group: 'traefik.io', kind: 'Middleware', name: 'prefect-auth' } } }, URL_, {
        admin: {
          redisUi: { kind: 'redisinsight', expose: { host: 'redis.example.com', authFilter: { group: 'traefik.io', kind: 'Middleware', name: 'admin-auth' } } },
        },
      }),
    );
    expect(one(objs, 'HTTPRoute', 'prefect-prefect').spec.rules[0].filters).toEqual([
      { type: 'ExtensionRef', extensionRef: { group: 'traefik.io', kind: 'Middleware', name: 'prefect-auth' } },
    ]);
    expect(one(objs, 'HTTPRoute', 'prefect-redis-ui').spec.rules[0].filters).toEqual([
      { type: 'ExtensionRef', extensionRef: { group: 'traefik.io', kind: 'Middleware', name: 'admin-auth' } },
    ]);
  });
});

describe('StackEdge: bad input', () => {
  test('two admin UIs on the same host and path', () => {
    expectConfigError(
      () =>
        synth(
          withEdge({}, URL_, {
            admin: {
              pgadmin: { ...PGADMIN, expose: { host: 'admin.example.com' } },
              redisUi: { httpAuth: { user: 'u', passwordSecret: { name: 's', key: 'k' } }, expose: { host: 'admin.example.com' } },
            },
          }),
        ),
      'admin.redisUi.expose',
      /which admin\.pgadmin\.expose serves too/,
    );
  });
});
