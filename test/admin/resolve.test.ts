import { ObjectNames, PGADMIN_PORT, REDIS_COMMANDER_PORT, REDIS_INSIGHT_PORT, resolveAdmin, resolveEdge } from '../../charts';
import { AUTH as PREFECT_AUTH, MINIMAL, PGADMIN, expectConfigError, synth } from '../util';

const AUTH = { user: 'admin', passwordSecret: { name: 'redis-ui', key: 'password' } };
const withPgAdmin = (pgadmin: any = {}, extra: object = {}) => ({ ...MINIMAL, admin: { pgadmin: { ...PGADMIN, ...pgadmin } }, ...extra });
const withUi = (redisUi: any = {}, extra: object = {}) => ({ ...MINIMAL, admin: { redisUi }, ...extra });

const DB = { host: 'db.example.com', port: 6432, database: 'prefect_prod', endpoint: {} as any };
const CTX = {
  names: new ObjectNames('prefect'),
  scheduling: {},
  edge: resolveEdge({}, new URL('https://prefect.example.com'), true),
  database: DB,
  redis: { host: 'redis', port: 6379, tls: false, endpoint: {} as any },
};

describe('resolveAdmin: bad input, naming the key', () => {
  test('admin.pgadmin: bad input', () => {
    expectConfigError(() => synth(withPgAdmin({ email: 'admin' })), 'admin.pgadmin.email', /e-mail/);
    expectConfigError(() => synth(withPgAdmin({ passwordSecret: { name: 'Bad_Name', key: 'x' } })), 'admin.pgadmin.passwordSecret.name');
    expectConfigError(() => synth(withPgAdmin({ storage: '1GB' })), 'admin.pgadmin.storage', /1Gi/);
    expectConfigError(() => synth(withPgAdmin({ server: { port: 0 } })), 'admin.pgadmin.server.port');
    expectConfigError(
      () => synth({ ...MINIMAL, database: { external: { urlSecret: { name: 'db', key: 'url' } } }, admin: { pgadmin: PGADMIN } }),
      'admin.pgadmin.server.host',
      /missing/,
    );
    expectConfigError(() => synth(withPgAdmin({ resources: { requests: { memory: '2Gi' } } })), 'admin.pgadmin.resources.requests.memory', /above the limit/);
  });

  test('admin.redisUi: bad input', () => {
    expectConfigError(() => synth(withUi({ kind: 'ardm' })), 'admin.redisUi.kind', /redis-commander or redisinsight/);
    expectConfigError(() => synth(withUi({ kind: 'redisinsight', httpAuth: AUTH })), 'admin.redisUi.httpAuth', /no login/);
    expectConfigError(() => synth(withUi({ httpAuth: { user: 'a:b', passwordSecret: AUTH.passwordSecret } })), 'admin.redisUi.httpAuth.user');
    expectConfigError(
      () =>
        synth(
          withUi(
            { kind: 'redisinsight', expose: { path: '/redis', basicAuthSecret: 'x' } },
            { prefect: { externalUrl: 'https://prefect.example.com', authSecret: PREFECT_AUTH } },
          ),
        ),
      'admin.redisUi.expose.path',
      /own host/,
    );
  });

  test('redis-commander settings on RedisInsight', () => {
    expectConfigError(() => resolveAdmin({ redisUi: { kind: 'redisinsight', readOnly: true } }, CTX), 'admin.redisUi.readOnly', /redis-commander setting/);
  });
});

describe('resolveAdmin', () => {
  test('each UI only when its section is there', () => {
    expect(resolveAdmin({}, CTX)).toEqual({ pgadmin: undefined, redisUi: undefined });
  });

  test("pgAdmin registers the stack's database: its host, port and name, unless the server section says otherwise", () => {
    const pg = resolveAdmin({ pgadmin: PGADMIN }, CTX).pgadmin!;
    expect(pg.server).toEqual({ host: 'db.example.com', port: 6432, maintenanceDb: 'prefect_prod', username: 'prefect', sslMode: 'prefer' });
    expect(pg).toMatchObject({ name: 'prefect-pgadmin', port: PGADMIN_PORT, claimName: 'prefect-pgadmin-data', storage: '1Gi', route: undefined, path: '' });
    const own = resolveAdmin(
      { pgadmin: { ...PGADMIN, server: { host: 'replica.example.com', port: 5433, username: 'admin', sslMode: 'require' } } },
      CTX,
    ).pgadmin!;
    expect(own.server).toMatchObject({ host: 'replica.example.com', port: 5433, username: 'admin', sslMode: 'require' });
  });

  test('redis-commander by default; RedisInsight on its own port and resources; readOnly off unless asked', () => {
    const rc = resolveAdmin({ redisUi: {} }, CTX).redisUi!;
    expect(rc).toMatchObject({ kind: 'redis-commander', port: REDIS_COMMANDER_PORT, readOnly: false, httpAuth: undefined });
    const ri = resolveAdmin({ redisUi: { kind: 'redisinsight' } }, CTX).redisUi!;
    expect(ri).toMatchObject({ kind: 'redisinsight', port: REDIS_INSIGHT_PORT });
    expect(ri.resources.limits!.memory.value).not.toBe(rc.resources.limits!.memory.value);
  });

  test('exposed: a route on the edge, and the path prefix the UI is served under ("" at the root of its host)', () => {
    const atRoot = resolveAdmin({ pgadmin: { ...PGADMIN, expose: { host: 'pgadmin.example.com', path: '/' } } }, CTX).pgadmin!;
    expect(atRoot.route).toMatchObject({ id: 'pgadmin', host: 'pgadmin.example.com', path: '/', servicePort: PGADMIN_PORT });
    expect(atRoot.path).toBe('');
    const below = resolveAdmin({ pgadmin: { ...PGADMIN, expose: { path: '/pgadmin' } } }, CTX).pgadmin!;
    expect(below.route!.host).toBe('prefect.example.com');
    expect(below.path).toBe('/pgadmin');
    // redis-commander's own login counts as auth at the edge; without it an exposed UI needs edge auth.
    expect(resolveAdmin({ redisUi: { httpAuth: AUTH, expose: { host: 'redis.example.com' } } }, CTX).redisUi!.route!.host).toBe('redis.example.com');
    expectConfigError(() => resolveAdmin({ redisUi: { expose: { host: 'redis.example.com' } } }, CTX), 'admin.redisUi.expose', /without authentication/);
  });
});
