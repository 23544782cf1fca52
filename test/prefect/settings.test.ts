import { AUTH, MINIMAL, containers, envMap, expectConfigError, one, podTemplates, synth } from '../util';

const prefectContainers = (objs = synth()) =>
  podTemplates(objs)
    .filter(({ template }) => template.metadata.labels['app.kubernetes.io/name'] === 'prefect')
    .flatMap(({ template }) => containers(template));

describe('Prefect settings → environment', () => {
  test('every Prefect container leaves migrations to the migrate Job', () => {
    const all = prefectContainers();
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const c of all) expect(envMap(c).PREFECT_SERVER_DATABASE_MIGRATE_ON_START).toBe('false');
  });

  test('API and services share events, ordering, leases and Docket through Redis', () => {
    const objs = synth();
    for (const name of ['prefect-api', 'prefect-background-services']) {
      const env = envMap(one(objs, 'Deployment', name).spec.template.spec.containers[0]);
      expect(env).toMatchObject({
        PREFECT_SERVER_EVENTS_MESSAGING_BROKER: 'prefect_redis.messaging',
        PREFECT_SERVER_EVENTS_MESSAGING_CACHE: 'prefect_redis.messaging',
        PREFECT_SERVER_EVENTS_CAUSAL_ORDERING: 'prefect_redis.ordering',
        PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE: 'prefect_redis.lease_storage',
        PREFECT_REDIS_MESSAGING_HOST: 'redis.example.com',
        PREFECT_REDIS_MESSAGING_PORT: '6379',
        PREFECT_REDIS_MESSAGING_PASSWORD: 'secret:redis/password',
        PREFECT_SERVER_DOCKET_URL: 'redis://:$(PREFECT_REDIS_MESSAGING_PASSWORD)@redis.example.com:6379/1',
        PREFECT_SERVER_METRICS_ENABLED: 'true',
      });
    }
  });

  test('$(VAR) references come after the variable they expand (Kubernetes expands only earlier ones)', () => {
    for (const c of prefectContainers()) {
      const names: string[] = c.env.map((e: any) => e.name);
      c.env.forEach((e: any, i: number) => {
        for (const [, ref] of String(e.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
          expect(names.indexOf(ref)).toBeGreaterThanOrEqual(0);
          expect(names.indexOf(ref)).toBeLessThan(i);
        }
      });
    }
  });

  test('database parts come from Secrets; a URL Secret replaces them', () => {
    const env = envMap(prefectContainers()[0]);
    expect(env).toMatchObject({
      PREFECT_SERVER_DATABASE_DRIVER: 'postgresql+asyncpg',
      PREFECT_SERVER_DATABASE_HOST: 'db.example.com',
      PREFECT_SERVER_DATABASE_PORT: '5432',
      PREFECT_SERVER_DATABASE_USER: 'secret:db/user',
      PREFECT_SERVER_DATABASE_PASSWORD: 'secret:db/password',
    });
    const url = envMap(prefectContainers(synth({ ...MINIMAL, database: { external: { urlSecret: { name: 'db-url', key: 'url' } } } }))[0]);
    expect(url.PREFECT_SERVER_DATABASE_CONNECTION_URL).toBe('secret:db-url/url');
    expect(url.PREFECT_SERVER_DATABASE_HOST).toBeUndefined();
  });

  test('the pool settings reach every process', () => {
    const env = envMap(prefectContainers(synth({ ...MINIMAL, prefect: { databasePool: { size: 8, maxOverflow: 2 } } }))[0]);
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE).toBe('8');
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW).toBe('2');
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT).toBe('30');
  });

  test('the UI finds the API at the external URL, with its path prefix', () => {
    const apiEnv = (prefect: object) =>
      envMap(one(synth({ ...MINIMAL, prefect: { ...prefect, authSecret: AUTH } }), 'Deployment', 'prefect-api').spec.template.spec.containers[0]);
    expect(apiEnv({ externalUrl: 'https://prefect.example.com' }).PREFECT_SERVER_UI_API_URL).toBe('https://prefect.example.com/api');
    expect(apiEnv({ externalUrl: 'https://prefect.example.com' }).PREFECT_SERVER_UI_SERVE_BASE).toBeUndefined();
    const prefixed = apiEnv({ externalUrl: 'https://ops.example.com/prefect/' });
    expect(prefixed.PREFECT_SERVER_UI_API_URL).toBe('https://ops.example.com/prefect/api');
    expect(prefixed.PREFECT_SERVER_UI_SERVE_BASE).toBe('/prefect');
    expect(apiEnv({}).PREFECT_SERVER_UI_API_URL).toBe('/api');
  });

  test('basic auth comes from a Secret, for the server and in-pod clients', () => {
    const env = envMap(
      one(synth({ ...MINIMAL, prefect: { authSecret: { name: 'prefect-auth', key: 'auth-string' } } }), 'Deployment', 'prefect-api').spec.template.spec
        .containers[0],
    );
    expect(env.PREFECT_SERVER_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
    expect(env.PREFECT_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
  });

  test('extra settings are passed through, managed ones refused', () => {
    const env = envMap(prefectContainers(synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_API_KEEPALIVE_TIMEOUT: '75' } } }))[0]);
    expect(env.PREFECT_SERVER_API_KEEPALIVE_TIMEOUT).toBe('75');
    // Retention has its own keys (prefect.retention).
    expectConfigError(
      () => synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_EVENTS_RETENTION_PERIOD: 'P3D' } } }),
      'prefect.extraEnv.PREFECT_SERVER_EVENTS_RETENTION_PERIOD',
      /managed by the stack/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_DATABASE_HOST: 'x' } } }),
      'prefect.extraEnv.PREFECT_SERVER_DATABASE_HOST',
      /managed by the stack/,
    );
    expectConfigError(() => synth({ ...MINIMAL, prefect: { extraEnv: { HTTP_PROXY: 'x' } } }), 'prefect.extraEnv.HTTP_PROXY', /not a Prefect setting/);
  });

  test('OpenShift: null ids let the platform assign them', () => {
    const spec = one(synth({ ...MINIMAL, prefect: { runAsUser: null, runAsGroup: null } }), 'Deployment', 'prefect-api').spec.template.spec;
    expect(spec.securityContext.runAsUser).toBeUndefined();
    expect(spec.securityContext.fsGroup).toBeUndefined();
    expect(spec.securityContext.runAsNonRoot).toBe(true);
  });
});
