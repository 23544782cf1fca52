import * as k8s from '../../imports/k8s';
import { ImageCatalog } from '../common/images';
import { ObjectNames } from '../common/names';
import { ResolvedPod, SchedulingOptions, resolvePod } from '../common/pod-options';
import { ResourceDefaults, resolveResources } from '../common/resources';
import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { claimSpec } from '../common/storage';
import { checkCron, checkInt, checkQuantity, checkTimeZone, checkUrl, fail, quantityValue } from '../common/validate';
import { ANY_ADDRESS, podsPeer } from '../network/flow';
import { OutsidePeers, resolveCidrEgress } from '../network/network-options';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';
import { externalDatabase, externalRedis } from './external';
import { ConnectionBudget, postgresMaxConnections } from './max-connections';
import { BackupS3Options, DatabaseProps, PostgresBackupOptions, PostgresOptions, RedisOptions, RedisServerProps } from './options';
import { POSTGRES_PORT, ensureDatabaseContainer, postgresSelector } from './postgres';
import { REDIS_PORT, redisSelector } from './redis';

const POSTGRES_RESOURCES: ResourceDefaults = { requests: { cpu: '250m', memory: '1Gi', ephemeralStorage: '64Mi' }, limits: { cpu: '2', memory: '2Gi' } };
const REDIS_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '768Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const EXPORTER_RESOURCES: ResourceDefaults = { requests: { cpu: '10m', memory: '32Mi', ephemeralStorage: '16Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const BACKUP_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } };
/** Settings the stack derives; `parameters` may not set them. */
const MANAGED_PARAMETERS = [
  'max_connections',
  'superuser_reserved_connections',
  'data_directory',
  'hba_file',
  'port',
  'listen_addresses',
  'unix_socket_directories',
];
/** `superuser_reserved_connections`, counted inside max_connections. */
export const SUPERUSER_RESERVED = 3;
/** Below this Redis cannot hold Prefect's streams, dedup keys and leases for a few minutes of events. */
export const REDIS_MAXMEMORY_FLOOR = '64Mi';

/** `database.inCluster` with defaults applied: what the PostgreSQL StatefulSet is built from. */
export interface ResolvedPostgres {
  readonly statefulSetName: string;
  /** The client Service (`postgres` and `metrics` ports); the headless one is `<name>-headless`. */
  readonly serviceName: string;
  readonly scriptsConfigMapName: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  readonly image: string;
  readonly database: string;
  readonly superuser: string;
  readonly superuserPasswordSecret: SecretKeyRef;
  readonly userSecret: SecretKeyRef;
  readonly passwordSecret: SecretKeyRef;
  readonly claim: k8s.PersistentVolumeClaimSpec;
  /** Size of the data claim in bytes, for the database-size alert. */
  readonly storageBytes: number;
  readonly resources: k8s.ResourceRequirements;
  readonly exporterResources: k8s.ResourceRequirements;
  readonly maxConnections: number;
  /** Server settings, `postgres -c name=value`, the stack's after the user's. */
  readonly parameters: Record<string, string>;
  readonly pod: ResolvedPod;
}

/** `database.inCluster.backups` with defaults applied. */
export interface ResolvedBackup {
  readonly cronJobName: string;
  /** The restore CronJob; absent with `restore: false`. */
  readonly restoreCronJobName?: string;
  readonly claimName: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  readonly schedule: string;
  readonly timeZone: string;
  readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number };
  readonly timeoutSeconds: number;
  readonly restoreTimeoutSeconds: number;
  readonly resources: k8s.ResourceRequirements;
  readonly claim: k8s.PersistentVolumeClaimSpec;
  readonly s3?: ResolvedS3;
  readonly pod: ResolvedPod;
}

/** The backup's object store, checked. */
export interface ResolvedS3 {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region: string;
  /** Static keys; absent: credentials from the environment (the pod's cloud identity). */
  readonly keys?: { readonly accessKeyId: SecretKeyRef; readonly secretAccessKey: SecretKeyRef };
  /** Where the store is and on which port, for the NetworkPolicy egress. */
  readonly cidrs: string[];
  readonly port: number;
}

/** `redis.inCluster` with defaults applied. */
export interface ResolvedRedis {
  readonly statefulSetName: string;
  readonly serviceName: string;
  readonly configMapName: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  readonly image: string;
  readonly passwordSecret: SecretKeyRef;
  readonly claim: k8s.PersistentVolumeClaimSpec;
  readonly maxmemoryBytes: number;
  readonly resources: k8s.ResourceRequirements;
  readonly exporterResources: k8s.ResourceRequirements;
  readonly pod: ResolvedPod;
}

/** The data tier resolved: the handles the Prefect tier takes, and the in-cluster servers when there are. */
export interface ResolvedDataTier {
  readonly database: DatabaseConnection;
  readonly redis: RedisConnection;
  /** The in-cluster PostgreSQL; absent with `database.external`. */
  readonly postgres?: ResolvedPostgres;
  /** Its backups; absent with an external database or `backups.enabled: false`. */
  readonly backup?: ResolvedBackup;
  /** The in-cluster Redis; absent with `redis.external`. */
  readonly redisServer?: ResolvedRedis;
  /** What the migrate Job runs before migrating: ensure the role, database and pg_trgm (in-cluster only). */
  readonly migrationInitContainers: k8s.Container[];
}

/** What the data tier is resolved with. */
export interface DataTierContext {
  readonly names: ObjectNames;
  readonly images: ImageCatalog;
  readonly scheduling: SchedulingOptions;
  readonly peers: OutsidePeers;
  /** What the Prefect tier can open, for `max_connections`. */
  readonly connectionBudget: Partial<ConnectionBudget>;
}

function resolvePostgres(o: PostgresOptions, ctx: DataTierContext): ResolvedPostgres {
  const field = 'database.inCluster';
  const database = o.database ?? 'prefect';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    fail(`${field}.database`, `"${database}" is not a plain database name`, "use lower-case letters, digits and '_' (at most 63, not starting with a digit)");
  }
  const superuser = o.superuser ?? 'postgres';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(superuser))
    fail(`${field}.superuser`, `"${superuser}" is not a plain role name`, "use lower-case letters, digits and '_'");
  const secret = ctx.names.of('Secret', 'postgres');
  const resources = resolveResources(`${field}.resources`, o.resources, POSTGRES_RESOURCES);
  const needed = postgresMaxConnections({ ...ctx.connectionBudget, superuserReserved: SUPERUSER_RESERVED });
  const maxConnections = o.maxConnections === undefined ? needed : checkInt(`${field}.maxConnections`, o.maxConnections, 10, 10000);
  if (maxConnections < needed) {
    fail(
      `${field}.maxConnections`,
      `${maxConnections} is below the ${needed} the Prefect tier can open (docs/architecture.md "Sizing max_connections")`,
      `raise it to at least ${needed}, lower prefect.databasePool, or leave it unset to derive it`,
    );
  }
  const memoryLimit = quantityValue(String(resources.limits!.memory.value));
  const parameters: Record<string, string> = {
    // A quarter of the memory limit, PostgreSQL's usual advice; the rest is work_mem and the page cache.
    shared_buffers: `${Math.max(16, Math.floor(memoryLimit / 4 / 2 ** 20))}MB`,
    password_encryption: 'scram-sha-256',
    log_min_duration_statement: '2s',
  };
  for (const [name, value] of Object.entries(o.parameters ?? {})) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(name))
      fail(`${field}.parameters.${name}`, 'is not a PostgreSQL setting name', 'use the name from postgresql.conf, e.g. work_mem');
    if (MANAGED_PARAMETERS.includes(name))
      fail(`${field}.parameters.${name}`, 'is managed by the stack', name === 'max_connections' ? `set ${field}.maxConnections instead` : 'remove it');
    if (typeof value !== 'string' || /[\n\r]/.test(value))
      fail(`${field}.parameters.${name}`, `${JSON.stringify(value)} is not a one-line string`, 'quote the value');
    parameters[name] = value;
  }
  parameters.max_connections = String(maxConnections);
  parameters.superuser_reserved_connections = String(SUPERUSER_RESERVED);
  const storageSize = o.storage?.size ?? '20Gi';
  return {
    statefulSetName: ctx.names.of('StatefulSet', 'postgres'),
    serviceName: ctx.names.of('Service', 'postgres'),
    scriptsConfigMapName: ctx.names.of('ConfigMap', 'postgres-scripts'),
    serviceAccountName: ctx.names.of('ServiceAccount', 'postgres'),
    podSelector: postgresSelector(ctx.names.instance),
    image: ctx.images.ref('postgres'),
    database,
    superuser,
    superuserPasswordSecret: checkSecretKeyRef(`${field}.superuserPasswordSecret`, o.superuserPasswordSecret ?? { name: secret, key: 'postgres-password' }),
    userSecret: checkSecretKeyRef(`${field}.userSecret`, o.userSecret ?? { name: secret, key: 'username' }),
    passwordSecret: checkSecretKeyRef(`${field}.passwordSecret`, o.passwordSecret ?? { name: secret, key: 'password' }),
    claim: claimSpec(`${field}.storage`, o.storage, storageSize),
    storageBytes: quantityValue(storageSize),
    resources,
    exporterResources: resolveResources(`${field}.exporterResources`, o.exporterResources, EXPORTER_RESOURCES),
    maxConnections,
    parameters,
    pod: resolvePod(field, ctx.scheduling, o),
  };
}

function resolveS3(field: string, s3: BackupS3Options): ResolvedS3 {
  if (typeof s3.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) {
    fail(`${field}.bucket`, `"${s3.bucket}" is not an S3 bucket name`, "use 3-63 lower-case letters, digits, '.' and '-'");
  }
  if (s3.prefix !== undefined && !/^([A-Za-z0-9!_.*'()-]+\/)*$/.test(s3.prefix)) {
    fail(`${field}.prefix`, `"${s3.prefix}" is not a key prefix`, 'use path segments ending in "/", e.g. prefect/backups/ (no leading "/")');
  }
  const endpoint = s3.endpoint === undefined ? undefined : checkUrl(`${field}.endpoint`, s3.endpoint, ['https', 'http']);
  if (s3.region !== undefined && !/^[a-z0-9-]{2,32}$/.test(s3.region))
    fail(`${field}.region`, `"${s3.region}" is not a region name`, 'use a name such as us-east-1');
  if (Boolean(s3.accessKeyIdSecret) !== Boolean(s3.secretAccessKeySecret)) {
    fail(
      `${field}.${s3.accessKeyIdSecret ? 'secretAccessKeySecret' : 'accessKeyIdSecret'}`,
      'is missing',
      "give both static keys, or neither (credentials then come from the pod's cloud identity)",
    );
  }
  const port = endpoint ? Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)) : 443;
  return {
    bucket: s3.bucket,
    prefix: s3.prefix ?? '',
    endpoint: s3.endpoint,
    region: s3.region ?? 'us-east-1',
    keys: s3.accessKeyIdSecret && {
      accessKeyId: checkSecretKeyRef(`${field}.accessKeyIdSecret`, s3.accessKeyIdSecret),
      secretAccessKey: checkSecretKeyRef(`${field}.secretAccessKeySecret`, s3.secretAccessKeySecret!),
    },
    cidrs: resolveCidrEgress(field, { cidrs: s3.cidrs as string[] }, { cidrs: ANY_ADDRESS, ports: [port] }).cidrs,
    port,
  };
}

function resolveBackup(o: PostgresBackupOptions, ctx: DataTierContext): ResolvedBackup {
  const field = 'database.inCluster.backups';
  const schedule = checkCron(`${field}.schedule`, o.schedule ?? '15 2 * * *');
  const timeZone = checkTimeZone(`${field}.timeZone`, o.timeZone ?? 'Etc/UTC');
  const keep = {
    daily: checkInt(`${field}.keep.daily`, o.keep?.daily ?? 7, 0, 1000),
    weekly: checkInt(`${field}.keep.weekly`, o.keep?.weekly ?? 4, 0, 1000),
    monthly: checkInt(`${field}.keep.monthly`, o.keep?.monthly ?? 6, 0, 1000),
  };
  if (keep.daily + keep.weekly + keep.monthly === 0) {
    fail(`${field}.keep`, 'keeps 0 daily, 0 weekly and 0 monthly dumps, so every dump would be deleted', 'keep at least one (or set backups.enabled: false)');
  }
  return {
    cronJobName: ctx.names.of('CronJob', 'postgres-backup'),
    restoreCronJobName: (o.restore ?? true) ? ctx.names.of('CronJob', 'postgres-restore') : undefined,
    claimName: ctx.names.of('PersistentVolumeClaim', 'postgres-backups'),
    serviceAccountName: ctx.names.of('ServiceAccount', 'postgres-backup'),
    podSelector: postgresSelector(ctx.names.instance, 'postgres-backup'),
    schedule,
    timeZone,
    keep,
    timeoutSeconds: checkInt(`${field}.timeoutSeconds`, o.timeoutSeconds ?? 3600, 60, 86400),
    restoreTimeoutSeconds: checkInt(`${field}.restoreTimeoutSeconds`, o.restoreTimeoutSeconds ?? 7200, 60, 7 * 86400),
    resources: resolveResources(`${field}.resources`, o.resources, BACKUP_RESOURCES),
    claim: claimSpec(`${field}.storage`, o.storage, '20Gi'),
    s3: o.s3 && resolveS3(`${field}.s3`, o.s3),
    pod: resolvePod(field, ctx.scheduling, o),
  };
}

function resolveRedis(o: RedisOptions, ctx: DataTierContext): ResolvedRedis {
  const field = 'redis.inCluster';
  const resources = resolveResources(`${field}.resources`, o.resources, REDIS_RESOURCES);
  const maxmemory = checkQuantity(`${field}.maxmemory`, o.maxmemory ?? '512Mi');
  const maxmemoryBytes = Math.floor(quantityValue(maxmemory));
  if (maxmemoryBytes < quantityValue(REDIS_MAXMEMORY_FLOOR)) {
    fail(
      `${field}.maxmemory`,
      `"${maxmemory}" is below the floor of ${REDIS_MAXMEMORY_FLOOR}`,
      `give at least ${REDIS_MAXMEMORY_FLOOR} (Prefect keeps its event streams, dedup keys and leases here)`,
    );
  }
  const limit = String(resources.limits!.memory.value);
  if (maxmemoryBytes > 0.75 * quantityValue(limit)) {
    fail(
      `${field}.maxmemory`,
      `"${maxmemory}" is above 75% of the memory limit ${limit}`,
      `lower it or raise ${field}.resources.limits.memory: an AOF rewrite forks, and the OOM killer would strike before noeviction`,
    );
  }
  return {
    statefulSetName: ctx.names.of('StatefulSet', 'redis'),
    serviceName: ctx.names.of('Service', 'redis'),
    configMapName: ctx.names.of('ConfigMap', 'redis-config'),
    serviceAccountName: ctx.names.of('ServiceAccount', 'redis'),
    podSelector: redisSelector(ctx.names.instance),
    image: ctx.images.ref('redis'),
    passwordSecret: checkSecretKeyRef(`${field}.passwordSecret`, o.passwordSecret ?? { name: ctx.names.of('Secret', 'redis'), key: 'password' }),
    claim: claimSpec(`${field}.storage`, o.storage, '4Gi'),
    maxmemoryBytes,
    resources,
    exporterResources: resolveResources(`${field}.exporterResources`, o.exporterResources, EXPORTER_RESOURCES),
    pod: resolvePod(field, ctx.scheduling, o),
  };
}

/** Applies the defaults of `database:` and `redis:` once, checks every value, and makes the handles. */
export function resolveDataTier(database: DatabaseProps = {}, redis: RedisServerProps = {}, ctx: DataTierContext): ResolvedDataTier {
  if (database.inCluster && database.external) {
    fail('database', 'has both inCluster and external', 'keep one: inCluster runs PostgreSQL in the stack, external points at a server outside it');
  }
  if (redis.inCluster && redis.external) {
    fail('redis', 'has both inCluster and external', 'keep one: inCluster runs Redis in the stack, external points at a server outside it');
  }
  let db: DatabaseConnection;
  let postgres: ResolvedPostgres | undefined;
  let backup: ResolvedBackup | undefined;
  if (database.external) {
    db = { ...externalDatabase(database.external), endpoint: { peer: ctx.peers.externalDatabase, port: database.external.port ?? POSTGRES_PORT } };
  } else {
    const { backups, ...options } = database.inCluster ?? {};
    postgres = resolvePostgres(options, ctx);
    db = {
      host: postgres.serviceName,
      port: POSTGRES_PORT,
      database: postgres.database,
      userSecret: postgres.userSecret,
      passwordSecret: postgres.passwordSecret,
      endpoint: { peer: podsPeer(postgres.podSelector), port: POSTGRES_PORT },
    };
    if (backups?.enabled ?? true) backup = resolveBackup(backups ?? {}, ctx);
  }
  let r: RedisConnection;
  let redisServer: ResolvedRedis | undefined;
  if (redis.external) {
    r = externalRedis(redis.external, ctx.peers.externalRedis);
  } else {
    redisServer = resolveRedis(redis.inCluster ?? {}, ctx);
    r = {
      host: redisServer.serviceName,
      port: REDIS_PORT,
      passwordSecret: redisServer.passwordSecret,
      tls: false,
      endpoint: { peer: podsPeer(redisServer.podSelector), port: REDIS_PORT },
    };
  }
  return {
    database: db,
    redis: r,
    postgres,
    backup,
    redisServer,
    migrationInitContainers: postgres ? [ensureDatabaseContainer(postgres)] : [],
  };
}
