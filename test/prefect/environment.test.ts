import { CREDENTIAL_NAME, REDIS_DOCKET_DB, prefectClientEnvironment, prefectEnvironment, resolveExtraEnv } from '../../charts';
import { MINIMAL, envMap, expectConfigError, one, prefectContainers, synth } from '../util';

const POOL = { size: 5, maxOverflow: 10, timeoutSeconds: 30, recycleSeconds: 3600 };
const DB = {
  host: 'db',
  port: 5432,
  database: 'prefect',
  userSecret: { name: 'db', key: 'user' },
  passwordSecret: { name: 'db', key: 'password' },
  endpoint: {} as any,
};
const REDIS = { host: 'redis', port: 6379, tls: false, passwordSecret: { name: 'redis', key: 'password' }, endpoint: {} as any };
const RETENTION = {
  eventsDays: 7,
  heartbeatEventsDays: 1,
  flowRunsEnabled: true,
  flowRunsDays: 90,
  vacuumIntervalSeconds: 3600,
  vacuumBatchSize: 200,
  redisTrimEverySeconds: 60,
  redisTrimIdleThresholdSeconds: 300,
};
const env = (o: object = {}) => envMap({ env: prefectEnvironment({ database: DB, pool: POOL, logLevel: 'INFO', ...o }) });

describe('Prefect settings → environment, as synthesized', () => {
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
});

describe('prefectEnvironment', () => {
  test('a process without Redis (the migrate Job) gets no messaging, Docket or trimming settings', () => {
    const e = env({ retention: RETENTION });
    expect(Object.keys(e).filter((k) => /REDIS|DOCKET|MESSAGING_BROKER|LEASE_STORAGE/.test(k))).toEqual([]);
    expect(e.PREFECT_SERVER_EVENTS_RETENTION_PERIOD).toBe('P7D');
  });

  test('Redis over TLS is rediss://; without a password the Docket URL carries no credentials', () => {
    const tls = env({ redis: { ...REDIS, tls: true } });
    expect(tls.PREFECT_REDIS_MESSAGING_SSL).toBe('true');
    expect(tls.PREFECT_SERVER_DOCKET_URL).toBe(`rediss://:$(PREFECT_REDIS_MESSAGING_PASSWORD)@redis:6379/${REDIS_DOCKET_DB}`);
    const open = env({ redis: { ...REDIS, passwordSecret: undefined } });
    expect(open.PREFECT_SERVER_DOCKET_URL).toBe('redis://redis:6379/1');
    expect(open).not.toHaveProperty('PREFECT_REDIS_MESSAGING_PASSWORD');
    // Messaging and Docket use separate logical databases.
    expect(open.PREFECT_REDIS_MESSAGING_DB).not.toBe(String(REDIS_DOCKET_DB));
  });

  test('retention in the units Prefect reads: ISO 8601 for events, seconds for the vacuum; flow runs only when enabled', () => {
    const e = env({ redis: REDIS, retention: RETENTION });
    expect(e).toMatchObject({
      PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'events,flow_runs',
      PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD: String(90 * 86400),
      PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES: JSON.stringify({ 'prefect.flow-run.heartbeat': 86400 }),
      PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_EVERY: '60',
    });
    expect(env({ retention: { ...RETENTION, flowRunsEnabled: false } }).PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED).toBe('events');
  });

  test('the UI settings only for a process that serves the UI; auth for the server and in-pod clients alike', () => {
    expect(Object.keys(env()).filter((k) => k.includes('_UI_'))).toEqual([]);
    expect(env({ uiApiUrl: '/api' })).toMatchObject({ PREFECT_SERVER_UI_API_URL: '/api', PREFECT_SERVER_UI_STATIC_DIRECTORY: '/var/lib/prefect/ui' });
    expect(env({ uiApiUrl: '/p/api', uiServeBase: '/p' }).PREFECT_SERVER_UI_SERVE_BASE).toBe('/p');
    expect(env({ authSecret: { name: 'auth', key: 'a' } })).toMatchObject({
      PREFECT_SERVER_API_AUTH_STRING: 'secret:auth/a',
      PREFECT_API_AUTH_STRING: 'secret:auth/a',
    });
  });

  test('a database part from a Secret wins over a literal; the password is never a literal', () => {
    const e = env({ database: { ...DB, host: undefined, hostSecret: { name: 'cnpg', key: 'host' }, port: undefined } });
    expect(e.PREFECT_SERVER_DATABASE_HOST).toBe('secret:cnpg/host');
    expect(e).not.toHaveProperty('PREFECT_SERVER_DATABASE_PORT');
    expect(e.PREFECT_SERVER_DATABASE_PASSWORD).toBe('secret:db/password');
  });

  test('extra settings come last, so they are the ones Kubernetes keeps', () => {
    const vars = prefectEnvironment({ database: DB, pool: POOL, logLevel: 'INFO', extraEnv: [{ name: 'PREFECT_X', value: '1' }] });
    expect(vars[vars.length - 1]).toEqual({ name: 'PREFECT_X', value: '1' });
  });
});

describe('prefectClientEnvironment (the worker)', () => {
  test('where the API is and how to authenticate, and no server, database or Redis setting at all', () => {
    const e = envMap({ env: prefectClientEnvironment({ apiUrl: 'http://prefect-api:4200/api', logLevel: 'INFO', authSecret: { name: 'auth', key: 'a' } }) });
    expect(e).toMatchObject({ PREFECT_API_URL: 'http://prefect-api:4200/api', PREFECT_API_AUTH_STRING: 'secret:auth/a' });
    expect(Object.keys(e).filter((k) => /^PREFECT_(SERVER|REDIS)_/.test(k))).toEqual([]);
    expect(envMap(one(synth(MINIMAL), 'Deployment', 'prefect-worker').spec.template.spec.containers[0])).not.toHaveProperty('PREFECT_SERVER_DATABASE_HOST');
  });
});

describe('resolveExtraEnv', () => {
  const managed = /^PREFECT_SERVER_DATABASE_/;

  test('literals, then Secret keys, as env vars', () => {
    expect(resolveExtraEnv('prefect', { PREFECT_A: '1' }, { PREFECT_API_KEY: { name: 's', key: 'k' } }, managed)).toEqual([
      { name: 'PREFECT_A', value: '1' },
      { name: 'PREFECT_API_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(resolveExtraEnv('prefect', undefined, undefined, managed)).toEqual([]);
  });

  test('a credential is refused as a literal and pointed to extraSecretEnv', () => {
    for (const name of ['PREFECT_API_KEY', 'PREFECT_X_PASSWORD', 'PREFECT_X_TOKEN', 'PREFECT_API_AUTH_STRING', 'PREFECT_X_CREDENTIALS']) {
      expect(CREDENTIAL_NAME.test(name)).toBe(true);
      expectConfigError(() => resolveExtraEnv('worker', { [name]: 'x' }, {}, managed), `worker.extraEnv.${name}`, /extraSecretEnv/);
    }
    // A name that merely contains KEY is not a credential.
    expect(resolveExtraEnv('worker', { PREFECT_KEYSET_SIZE: '3' }, {}, managed)).toHaveLength(1);
  });

  test('bad names, managed names, non-string values and a name given twice', () => {
    expectConfigError(() => resolveExtraEnv('prefect', { prefect_x: '1' }, {}, managed), 'prefect.extraEnv.prefect_x', /not a Prefect setting/);
    expectConfigError(
      () => resolveExtraEnv('prefect', {}, { PREFECT_SERVER_DATABASE_PASSWORD: { name: 's', key: 'k' } }, managed),
      'prefect.extraSecretEnv.PREFECT_SERVER_DATABASE_PASSWORD',
      /managed/,
    );
    expectConfigError(() => resolveExtraEnv('prefect', { PREFECT_A: 5 as any }, {}, managed), 'prefect.extraEnv.PREFECT_A', /not a string/);
    expectConfigError(
      () => resolveExtraEnv('prefect', { PREFECT_A: '1' }, { PREFECT_A: { name: 's', key: 'k' } }, managed),
      'prefect.extraSecretEnv.PREFECT_A',
      /also in extraEnv/,
    );
    expectConfigError(() => resolveExtraEnv('prefect', {}, { PREFECT_A: { name: 's', key: 'bad key' } }, managed), 'prefect.extraSecretEnv.PREFECT_A.key');
  });
});
