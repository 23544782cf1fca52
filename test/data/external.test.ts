import { MINIMAL, envMap, expectConfigError, literalCredentials, one, podTemplates, synth } from '../util';
import { PrefectStackProps } from '../../charts';

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
