import { externalDatabase, externalRedis } from '../../charts';
import { DB_PARTS, MINIMAL, expectConfigError, synth } from '../util';

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
  test("Redis' port 6379 and no TLS by default; a password only when given", () => {
    expect(externalRedis({ host: 'redis.example.com' })).toEqual({ host: 'redis.example.com', port: 6379, passwordSecret: undefined, tls: false });
    expect(externalRedis({ host: 'redis', port: 6380, tls: true, passwordSecret: { name: 'r', key: 'p' } })).toEqual({
      host: 'redis',
      port: 6380,
      passwordSecret: { name: 'r', key: 'p' },
      tls: true,
    });
  });

  test('bad input names the key', () => {
    expectConfigError(() => externalRedis({} as any), 'redis.external.host', /is missing/);
    expectConfigError(() => externalRedis({ host: 'redis', port: 0 }), 'redis.external.port');
    expectConfigError(() => externalRedis({ host: 'redis', passwordSecret: { name: 'r', key: 'a b' } }), 'redis.external.passwordSecret.key');
  });
});
