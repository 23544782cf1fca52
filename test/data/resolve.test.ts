import {
  ImageCatalog,
  ObjectNames,
  REDIS_MAXMEMORY_FLOOR,
  SUPERUSER_RESERVED,
  postgresMaxConnections,
  resolveDataTier,
  resolveNetworkPolicies,
} from '../../charts';
import { MINIMAL, expectConfigError, synth } from '../util';

const creds = { accessKeyIdSecret: { name: 's3', key: 'id' }, secretAccessKeySecret: { name: 's3', key: 'secret' } };
const CTX = {
  names: new ObjectNames('prefect'),
  images: new ImageCatalog(undefined, '3.9.1'),
  scheduling: {},
  peers: resolveNetworkPolicies().peers,
  connectionBudget: {},
};
const tier = (database: object = {}, redis: object = {}) => resolveDataTier(database, redis, CTX);

describe('resolveDataTier: bad input, naming the key', () => {
  test('inCluster and external both given', () => {
    expectConfigError(() => synth({ database: { inCluster: {}, external: MINIMAL.database!.external } }), 'database', /both inCluster and external/);
    expectConfigError(() => synth({ redis: { inCluster: {}, external: MINIMAL.redis!.external } }), 'redis', /both inCluster and external/);
  });

  test('database: two modes at once', () => {
    expectConfigError(() => synth({ database: { inCluster: {}, cloudNativePG: {} } }), 'database', /both inCluster and cloudNativePG/);
    expectConfigError(() => synth({ database: { cloudNativePG: {}, external: MINIMAL.database!.external } }), 'database', /both cloudNativePG and external/);
  });

  test('database.cloudNativePG: bad input is a synth-time error naming the key', () => {
    const cnpg = (cloudNativePG: any) => () => synth({ database: { cloudNativePG } });
    expectConfigError(cnpg({ instances: 0 }), 'database.cloudNativePG.instances');
    expectConfigError(cnpg({ instances: 2.5 }), 'database.cloudNativePG.instances');
    expectConfigError(cnpg({ spread: 'sometimes' }), 'database.cloudNativePG.spread', /required.*preferred/);
    expectConfigError(cnpg({ owner: 'postgres' }), 'database.cloudNativePG.owner', /not postgres/);
    expectConfigError(cnpg({ owner: 'pg_prefect' }), 'database.cloudNativePG.owner');
    expectConfigError(cnpg({ database: 'Prefect-DB' }), 'database.cloudNativePG.database');
    expectConfigError(cnpg({ storage: { size: '20GB' } }), 'database.cloudNativePG.storage.size', /did you mean "20Gi"/);
    expectConfigError(cnpg({ maxConnections: 50 }), 'database.cloudNativePG.maxConnections', /below the 106/);
    // what the operator's webhook refuses (fixed and blocked settings), and what the stack derives
    for (const name of ['wal_level', 'port', 'synchronous_standby_names', 'ssl_ciphers', 'recovery_target_time', 'max_connections'])
      expectConfigError(cnpg({ parameters: { [name]: 'x' } }), `database.cloudNativePG.parameters.${name}`, /managed by the stack/);
    expectConfigError(cnpg({ postgresUid: 0 }), 'database.cloudNativePG.postgresUid');
    expectConfigError(cnpg({ backups: { schedule: '0 5-1 * * *' } }), 'database.cloudNativePG.backups.schedule');
  });

  test('database.inCluster: bad input is a synth-time error naming the key', () => {
    const pg = (inCluster: any) => () => synth({ database: { inCluster } });
    expectConfigError(pg({ storage: { size: '20GB' } }), 'database.inCluster.storage.size', /did you mean "20Gi"/);
    expectConfigError(pg({ storage: { size: 'lots' } }), 'database.inCluster.storage.size', /not a Kubernetes quantity/);
    expectConfigError(pg({ storage: { size: '20' } }), 'database.inCluster.storage.size', /less than 1Mi/);
    expectConfigError(pg({ storage: { storageClassName: 'Fast SSD' } }), 'database.inCluster.storage.storageClassName');
    expectConfigError(pg({ resources: { limits: { memory: '2 gigs' } } }), 'database.inCluster.resources.limits.memory');
    expectConfigError(pg({ database: 'Prefect-DB' }), 'database.inCluster.database');
    expectConfigError(pg({ superuser: 'root;drop' }), 'database.inCluster.superuser');
    expectConfigError(pg({ userSecret: { name: 'Bad_Name', key: 'u' } }), 'database.inCluster.userSecret.name');
    expectConfigError(pg({ maxConnections: 50 }), 'database.inCluster.maxConnections', /below the 106/);
    expectConfigError(pg({ parameters: { max_connections: '500' } }), 'database.inCluster.parameters.max_connections', /maxConnections/);
    expectConfigError(pg({ parameters: { 'work mem': '1MB' } }), 'database.inCluster.parameters.work mem');
  });

  test('database.inCluster.backups: bad input is a synth-time error naming the key', () => {
    const b = (backups: any) => () => synth({ database: { inCluster: { backups } } });
    expectConfigError(b({ keep: { daily: 0, weekly: 0, monthly: 0 } }), 'database.inCluster.backups.keep', /every dump would be deleted/);
    expectConfigError(b({ keep: { daily: -1 } }), 'database.inCluster.backups.keep.daily');
    expectConfigError(b({ schedule: 'every night' }), 'database.inCluster.backups.schedule', /not a cron schedule/);
    expectConfigError(b({ schedule: '61 2 * * *' }), 'database.inCluster.backups.schedule');
    expectConfigError(b({ storage: { size: '20 gigabytes' } }), 'database.inCluster.backups.storage.size');
    expectConfigError(b({ timeZone: 'UTC+2 (Berlin)' }), 'database.inCluster.backups.timeZone');
    expectConfigError(b({ timeoutSeconds: 10 }), 'database.inCluster.backups.timeoutSeconds');
    expectConfigError(b({ s3: { bucket: 'Bad_Bucket', ...creds } }), 'database.inCluster.backups.s3.bucket');
    expectConfigError(b({ s3: { bucket: 'ok-bucket', endpoint: 'minio:9000', ...creds } }), 'database.inCluster.backups.s3.endpoint');
    expectConfigError(b({ s3: { bucket: 'ok-bucket', prefix: '/abs', ...creds } }), 'database.inCluster.backups.s3.prefix');
    expectConfigError(b({ s3: { bucket: 'ok-bucket', accessKeyIdSecret: { name: 's3', key: 'id' } } }), 'database.inCluster.backups.s3.secretAccessKeySecret');
  });

  test('redis.inCluster: bad input is a synth-time error naming the key', () => {
    const r = (inCluster: any) => () => synth({ redis: { inCluster } });
    expectConfigError(r({ maxmemory: '32Mi' }), 'redis.inCluster.maxmemory', /below the floor of 64Mi/);
    expectConfigError(r({ maxmemory: '1 GB' }), 'redis.inCluster.maxmemory', /not a Kubernetes quantity/);
    expectConfigError(r({ maxmemory: '900Mi' }), 'redis.inCluster.maxmemory', /above 75% of the memory limit 1Gi/);
    expectConfigError(r({ storage: { size: 'big' } }), 'redis.inCluster.storage.size');
    expectConfigError(r({ passwordSecret: { name: 'r', key: 'bad key' } }), 'redis.inCluster.passwordSecret.key');
  });
});

describe('resolveDataTier: the in-cluster servers', () => {
  test('by default both servers run in the stack and Prefect connects to their Services', () => {
    const t = tier();
    expect(t.database).toMatchObject({ host: 'prefect-postgres', port: 5432, database: 'prefect' });
    expect(t.redis).toMatchObject({ host: 'prefect-redis', port: 6379, tls: false });
    // The endpoints are the servers' own pods, so the NetworkPolicies allow exactly them.
    expect(t.database.endpoint.peer).toEqual({ kind: 'pods', podLabels: t.postgres!.podSelector });
    expect(t.redis.endpoint.peer).toEqual({ kind: 'pods', podLabels: t.redisServer!.podSelector });
    expect(t.migrationInitContainers).toHaveLength(1);
    expect(t.backup!.schedule).toBe('15 2 * * *');
  });

  test('max_connections is derived from the connection budget unless raised; the stack sets its own parameters last', () => {
    const needed = postgresMaxConnections({ superuserReserved: SUPERUSER_RESERVED });
    const p = tier().postgres!;
    expect(p.maxConnections).toBe(needed);
    expect(p.parameters).toMatchObject({ max_connections: String(needed), superuser_reserved_connections: String(SUPERUSER_RESERVED) });
    const raised = tier({ inCluster: { maxConnections: needed + 100, parameters: { work_mem: '8MB' } } }).postgres!;
    expect(raised.parameters).toMatchObject({ max_connections: String(needed + 100), work_mem: '8MB' });
    // shared_buffers is a quarter of the memory limit (2Gi by default).
    expect(p.parameters.shared_buffers).toBe('512MB');
    expect(tier({ inCluster: { resources: { limits: { memory: '4Gi' } } } }).postgres!.parameters.shared_buffers).toBe('1024MB');
  });

  test("Redis' maxmemory between the floor and 75% of its memory limit", () => {
    expect(tier({}, { inCluster: { maxmemory: REDIS_MAXMEMORY_FLOOR } }).redisServer!.maxmemoryBytes).toBe(64 * 2 ** 20);
    expect(tier({}, { inCluster: { maxmemory: '768Mi' } }).redisServer!.maxmemoryBytes).toBe(768 * 2 ** 20);
    expectConfigError(() => tier({}, { inCluster: { maxmemory: '769Mi' } }), 'redis.inCluster.maxmemory', /75%/);
    expect(tier({}, { inCluster: { maxmemory: '1536Mi', resources: { limits: { memory: '2Gi' } } } }).redisServer!.maxmemoryBytes).toBe(1536 * 2 ** 20);
  });

  test('backups: off on request, the restore CronJob optional, keep counts within bounds', () => {
    expect(tier({ inCluster: { backups: { enabled: false } } }).backup).toBeUndefined();
    expect(tier({ inCluster: { backups: { restore: false } } }).backup!.restoreCronJobName).toBeUndefined();
    expect(tier({ inCluster: { backups: { keep: { daily: 0, weekly: 0, monthly: 1 } } } }).backup!.keep).toEqual({ daily: 0, weekly: 0, monthly: 1 });
    expectConfigError(() => tier({ inCluster: { backups: { keep: { daily: 1001 } } } }), 'database.inCluster.backups.keep.daily');
  });

  test('S3: the endpoint decides the egress port (443, 80 for http, or its own); keys come in pairs', () => {
    const s3 = (o: object) => tier({ inCluster: { backups: { s3: { bucket: 'backups', ...o } } } }).backup!.s3!;
    expect(s3({})).toMatchObject({ port: 443, region: 'us-east-1', prefix: '', keys: undefined, cidrs: ['0.0.0.0/0', '::/0'] });
    expect(s3({ endpoint: 'http://minio.storage:9000', ...creds }).port).toBe(9000);
    expect(s3({ endpoint: 'http://minio.storage' }).port).toBe(80);
    expect(s3({ endpoint: 'https://s3.example.com', cidrs: ['203.0.113.0/24'] })).toMatchObject({ port: 443, cidrs: ['203.0.113.0/24'] });
    expect(s3({ ...creds }).keys).toEqual({ accessKeyId: creds.accessKeyIdSecret, secretAccessKey: creds.secretAccessKeySecret });
    expectConfigError(() => s3({ secretAccessKeySecret: creds.secretAccessKeySecret }), 'database.inCluster.backups.s3.accessKeyIdSecret', /is missing/);
    expectConfigError(() => s3({ region: 'US East' }), 'database.inCluster.backups.s3.region');
  });
});

describe('resolveDataTier: external servers', () => {
  test('no in-cluster server, no migrate init container; the endpoints are the configured outside peers', () => {
    const peers = resolveNetworkPolicies({ externalDatabaseCidrs: ['10.9.0.0/16'] }).peers;
    const t = resolveDataTier(MINIMAL.database, MINIMAL.redis, { ...CTX, peers });
    expect(t.postgres).toBeUndefined();
    expect(t.redisServer).toBeUndefined();
    expect(t.backup).toBeUndefined();
    expect(t.migrationInitContainers).toEqual([]);
    expect(t.database.endpoint).toEqual({ peer: { kind: 'cidr', cidrs: ['10.9.0.0/16'], except: [] }, port: 5432 });
    expect(t.redis.endpoint).toEqual({ peer: peers.externalRedis, port: 6379 });
  });

  test("an external database's own port is the endpoint's port", () => {
    const t = resolveDataTier({ external: { ...MINIMAL.database!.external!, port: 6432 } }, MINIMAL.redis, CTX);
    expect(t.database.endpoint.port).toBe(6432);
    expect(t.database.port).toBe(6432);
  });
});
