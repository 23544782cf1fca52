import { PrefectStackProps, cidrPeer, externalDatabase, externalRedis } from '../../charts';
import { DB_PARTS, MINIMAL, envMap, expectConfigError, literalCredentials, one, podTemplates, synth } from '../util';

describe('externalDatabase: bad input, naming the key', () => {
  const ext = (external: object) => () => synth({ ...MINIMAL, database: { external } });
  test('both a URL Secret and part Secrets', () => {
    expectConfigError(
      ext({ urlSecret: { name: 'u', key: 'url' }, ...DB_PARTS.database!.external }),
      'database.external',
      /both urlSecret and hostSecret, portSecret, databaseSecret, userSecret, passwordSecret/,
    );
    expectConfigError(ext({ urlSecret: { name: 'u', key: 'url' }, user: 'x' }), 'database.external', /both urlSecret and user/);
  });
  test('a part given twice, or missing', () => {
    expectConfigError(
      ext({ host: 'db', hostSecret: { name: 'a', key: 'host' }, user: 'u', passwordSecret: { name: 'a', key: 'p' } }),
      'database.external.host',
      /given twice/,
    );
    expectConfigError(
      ext({ host: 'db', user: 'u', userSecret: { name: 'a', key: 'u' }, passwordSecret: { name: 'a', key: 'p' } }),
      'database.external.user',
      /given twice/,
    );
    expectConfigError(ext({ hostSecret: { name: 'a', key: 'host' }, userSecret: { name: 'a', key: 'u' } }), 'database.external.passwordSecret', /missing/);
    expectConfigError(ext({ user: 'u', passwordSecret: { name: 'a', key: 'p' } }), 'database.external.host', /missing/);
    expectConfigError(ext({ host: 'db', passwordSecret: { name: 'a', key: 'p' } }), 'database.external.userSecret', /missing/);
    expectConfigError(
      ext({ hostSecret: { name: 'Bad_Name', key: 'host' }, user: 'u', passwordSecret: { name: 'a', key: 'p' } }),
      'database.external.hostSecret.name',
    );
    expectConfigError(ext({ host: 'db', user: 'a@b', passwordSecret: { name: 'a', key: 'p' } }), 'database.external.user', /not a user name/);
  });
});

describe('externalDatabase and externalRedis: bad input from the tier', () => {
  test('a missing host, or a URL where a host belongs', () => {
    // An external PostgreSQL without a host (and no URL Secret), or a URL where a host belongs.
    const { host: _host, ...noHost } = MINIMAL.database!.external!;
    expectConfigError(() => synth({ database: { external: noHost } }), 'database.external.host', /is missing/);
    expectConfigError(() => synth({ database: { external: { ...noHost, host: 'postgresql://user@:5432/prefect' } } }), 'database.external.host', /is not a/);
    expectConfigError(() => synth({ redis: { external: { host: 'redis://:6379' } } }), 'redis.external.host');
  });
});

describe('externalDatabase', () => {
  const pw = { name: 'db', key: 'password' };

  test('a whole URL Secret is the only setting then', () => {
    expect(externalDatabase({ urlSecret: { name: 'db', key: 'url' } })).toEqual({ urlSecret: { name: 'db', key: 'url' } });
  });

  test("literal parts: PostgreSQL's port 5432 and Prefect's database name by default", () => {
    const d = externalDatabase({ host: 'db.example.com', user: 'prefect', passwordSecret: pw });
    expect(d).toMatchObject({ host: 'db.example.com', port: 5432, database: 'prefect', user: 'prefect', passwordSecret: pw });
    // A short in-cluster Service name is a host too.
    expect(externalDatabase({ host: 'postgres', user: 'u', passwordSecret: pw }).host).toBe('postgres');
  });

  test('a part from a Secret replaces its default: no literal port or database is written beside it', () => {
    const d = externalDatabase(DB_PARTS.database!.external!);
    expect(d.port).toBeUndefined();
    expect(d.database).toBeUndefined();
    expect(d.host).toBeUndefined();
    expect(d).toMatchObject({ hostSecret: { key: 'host' }, portSecret: { key: 'port' }, databaseSecret: { key: 'dbname' }, userSecret: { key: 'username' } });
  });

  test('every literal part is checked under its key', () => {
    const base = { host: 'db.example.com', user: 'u', passwordSecret: pw };
    expectConfigError(() => externalDatabase({ ...base, port: 0 }), 'database.external.port');
    expectConfigError(() => externalDatabase({ ...base, port: 65536 }), 'database.external.port');
    for (const database of ['', 'has space', 'a/b', 'x'.repeat(64)])
      expectConfigError(() => externalDatabase({ ...base, database }), 'database.external.database', /not a database name/);
    expectConfigError(() => externalDatabase({ ...base, user: 'x'.repeat(64) }), 'database.external.user', /not a user name/);
    expectConfigError(
      () => externalDatabase({ ...base, database: 'prefect', databaseSecret: { name: 'a', key: 'b' } }),
      'database.external.database',
      /given twice/,
    );
    expectConfigError(() => externalDatabase({ ...base, port: 5432, portSecret: { name: 'a', key: 'b' } }), 'database.external.port', /given twice/);
  });
});

describe('externalRedis', () => {
  const peer = cidrPeer(['10.0.0.0/8']);
  test("Redis' port 6379 and no TLS by default; a password only when given; the endpoint is the server's port", () => {
    expect(externalRedis({ host: 'redis.example.com' }, peer)).toEqual({
      host: 'redis.example.com',
      port: 6379,
      passwordSecret: undefined,
      tls: false,
      endpoint: { peer, port: 6379 },
      sentinel: undefined,
    });
    expect(externalRedis({ host: 'redis', port: 6380, tls: true, passwordSecret: { name: 'r', key: 'p' } }, peer)).toMatchObject({
      host: 'redis',
      port: 6380,
      passwordSecret: { name: 'r', key: 'p' },
      tls: true,
      endpoint: { peer, port: 6380 },
    });
  });

  test('a Sentinel group: members with their ports, no host, one endpoint per distinct Sentinel port', () => {
    const r = externalRedis({ sentinel: { hosts: ['s0', 's1:26380', 's2:26379'] } }, peer);
    expect(r.host).toBeUndefined();
    expect(r.sentinel).toEqual({
      members: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
      passwordSecret: undefined,
      endpoints: [
        { peer, port: 26379 },
        { peer, port: 26380 },
      ],
    });
  });

  test('bad input names the key', () => {
    expectConfigError(() => externalRedis({} as any, peer), 'redis.external.host', /is missing/);
    expectConfigError(() => externalRedis({ host: 'redis', port: 0 }, peer), 'redis.external.port');
    expectConfigError(() => externalRedis({ host: 'redis', passwordSecret: { name: 'r', key: 'a b' } }, peer), 'redis.external.passwordSecret.key');
  });
});

/** The stack with Redis as an external Sentinel group. */
function sentinelStack(sentinel: object, extra: object = {}): ReturnType<typeof synth> {
  return synth({ ...MINIMAL, redis: { external: { sentinel, ...extra } } } as PrefectStackProps);
}

const SENTINELS = ['sentinel-0.redis-ha', 'sentinel-1.redis-ha:26380', '10.0.0.7:26379'];
const PW = { name: 'redis-ha', key: 'password' };
const SPW = { name: 'redis-ha', key: 'sentinel-password' };

describe('redis.external.sentinel', () => {
  const objs = sentinelStack({ hosts: SENTINELS, masterName: 'prefect', passwordSecret: SPW }, { passwordSecret: PW, port: 6380 });
  const prefect = (name: string) => one(objs, 'Deployment', name).spec.template.spec.containers[0];

  test('the API and the background services reach Redis through the Sentinels only', () => {
    for (const name of ['prefect-api', 'prefect-background-services']) {
      const env = envMap(prefect(name));
      const url = (db: number) =>
        `redis+sentinel://:$(PREFECT_REDIS_MESSAGING_PASSWORD)@sentinel-0.redis-ha:26379,sentinel-1.redis-ha:26380,10.0.0.7:26379/prefect/${db}` +
        '?sentinel_password=$(REDIS_SENTINEL_PASSWORD)';
      expect(env).toMatchObject({
        PREFECT_SERVER_EVENTS_MESSAGING_BROKER: 'prefect_redis.messaging',
        PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE: 'prefect_redis.lease_storage',
        PREFECT_REDIS_MESSAGING_PASSWORD: 'secret:redis-ha/password',
        REDIS_SENTINEL_PASSWORD: 'secret:redis-ha/sentinel-password',
        PREFECT_REDIS_MESSAGING_URL: url(0),
        PREFECT_SERVER_DOCKET_URL: url(1),
        PREFECT_REDIS_MESSAGING_SOCKET_TIMEOUT: '5',
        PREFECT_REDIS_MESSAGING_SOCKET_CONNECT_TIMEOUT: '5',
      });
      // No standalone address: the Sentinels name the primary.
      expect(Object.keys(env).filter((k) => /^PREFECT_REDIS_MESSAGING_(HOST|PORT|DB|SSL)$/.test(k))).toEqual([]);
      // $(VAR) references expand only from variables defined before them.
      const names = prefect(name).env.map((e: any) => e.name);
      for (const ref of ['PREFECT_REDIS_MESSAGING_PASSWORD', 'REDIS_SENTINEL_PASSWORD'])
        expect(names.indexOf(ref)).toBeLessThan(names.indexOf('PREFECT_REDIS_MESSAGING_URL'));
    }
  });

  test('no in-cluster Redis, and no secret value in the manifests', () => {
    expect(objs.filter((o) => o.kind === 'StatefulSet' && /redis/.test(o.metadata.name))).toEqual([]);
    expect(literalCredentials(objs)).toEqual([]);
  });

  test('the NetworkPolicies let the API and the services reach every Sentinel port and the Redis port, nothing more', () => {
    for (const component of ['api', 'background-services']) {
      const np = objs.find((o) => o.kind === 'NetworkPolicy' && o.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === component);
      expect(np).toBeDefined();
      const ports = np!.spec.egress
        .filter((e: any) => e.to?.some((t: any) => t.ipBlock))
        .flatMap((e: any) => e.ports.map((p: any) => p.port))
        .sort((a: number, b: number) => a - b);
      expect(ports).toEqual(expect.arrayContaining([6380, 26379, 26380]));
      expect(ports).not.toContain(6379);
    }
  });

  test('defaults: port 26379 and master "mymaster"; no Sentinel password, no query', () => {
    const env = envMap(one(sentinelStack({ hosts: ['s0'] }), 'Deployment', 'prefect-api').spec.template.spec.containers[0]);
    expect(env.PREFECT_REDIS_MESSAGING_URL).toBe('redis+sentinel://s0:26379/mymaster/0');
    expect(env.PREFECT_SERVER_DOCKET_URL).toBe('redis+sentinel://s0:26379/mymaster/1');
  });

  test('a standalone server keeps its host, port and redis:// Docket URL', () => {
    const env = envMap(
      one(synth({ ...MINIMAL, redis: { external: { host: 'redis.example.com', port: 6380 } } }), 'Deployment', 'prefect-api').spec.template.spec.containers[0],
    );
    expect(env).toMatchObject({
      PREFECT_REDIS_MESSAGING_HOST: 'redis.example.com',
      PREFECT_REDIS_MESSAGING_PORT: '6380',
      PREFECT_SERVER_DOCKET_URL: 'redis://redis.example.com:6380/1',
    });
    expect(env.PREFECT_REDIS_MESSAGING_URL).toBeUndefined();
  });

  describe('bad input', () => {
    test('host and sentinel, or neither', () => {
      expectConfigError(() => sentinelStack({ hosts: ['s0'] }, { host: 'redis' }), 'redis.external', /both host and sentinel/);
      expectConfigError(() => synth({ ...MINIMAL, redis: { external: {} } }), 'redis.external.host', /is missing/);
    });
    test('members that are not host or host:port', () => {
      expectConfigError(() => sentinelStack({ hosts: [] }), 'redis.external.sentinel.hosts', /is empty/);
      for (const bad of ['s0:', 'redis://s0:26379', 'a:b:c'])
        expectConfigError(() => sentinelStack({ hosts: ['ok', bad] }), 'redis.external.sentinel.hosts[1]', /not host or host:port/);
      expectConfigError(() => sentinelStack({ hosts: ['S0'] }), 'redis.external.sentinel.hosts[0]');
      expectConfigError(() => sentinelStack({ hosts: ['s0:0'] }), 'redis.external.sentinel.hosts[0]');
      expectConfigError(() => sentinelStack({ hosts: ['s0:65536'] }), 'redis.external.sentinel.hosts[0]');
    });
    test('a master name that is not one word of the Sentinel protocol', () => {
      for (const bad of ['', 'my master', 'a/b', 'x'.repeat(65)])
        expectConfigError(() => sentinelStack({ hosts: ['s0'], masterName: bad }), 'redis.external.sentinel.masterName');
    });
    test('tls, which redis+sentinel:// URLs cannot carry', () => {
      expectConfigError(() => sentinelStack({ hosts: ['s0'] }, { tls: true }), 'redis.external.tls', /not supported with sentinel/);
    });
    test('the Redis UI, which cannot browse a Sentinel group yet', () => {
      expectConfigError(
        () => synth({ ...MINIMAL, redis: { external: { sentinel: { hosts: ['s0'] } } }, admin: { redisUi: {} } } as PrefectStackProps),
        'admin.redisUi',
        /Sentinel group/,
      );
    });
  });

  test('every pod template still has its env references defined', () => {
    for (const { template } of podTemplates(objs)) {
      for (const c of template.spec.containers) {
        const defined = new Set<string>();
        for (const e of c.env ?? []) {
          for (const ref of String(e.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g))
            expect([c.name, e.name, defined.has(ref[1])]).toEqual([c.name, e.name, true]);
          defined.add(e.name);
        }
      }
    }
  });
});
