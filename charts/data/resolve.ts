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
import { BackupS3Options, CloudNativePgOptions, DatabaseProps, PostgresBackupOptions, PostgresOptions, RedisOptions, RedisServerProps } from './options';
import { ensureExtensionContainer } from './cloudnative-pg';
import { POSTGRES_PORT, POSTGRES_UID, ensureDatabaseContainer, postgresSelector } from './postgres';
import { REDIS_PORT, redisSelector } from './redis';

const POSTGRES_RESOURCES: ResourceDefaults = { requests: { cpu: '250m', memory: '1Gi', ephemeralStorage: '64Mi' }, limits: { cpu: '2', memory: '2Gi' } };
const REDIS_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '768Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const EXPORTER_RESOURCES: ResourceDefaults = { requests: { cpu: '10m', memory: '32Mi', ephemeralStorage: '16Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const BACKUP_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } };
/**
 * Settings CloudNativePG fixes or blocks (its webhook refuses them: pkg/postgres/configuration.go
 * FixedConfigurationParameters, v1.30), and the ones the stack derives.
 */
const CLOUDNATIVE_PG_MANAGED_PARAMETERS = [
  'max_connections',
  'superuser_reserved_connections',
  ...['allow_system_table_mods', 'archive_mode', 'bonjour', 'bonjour_name', 'cluster_name', 'config_file', 'data_directory', 'data_sync_retry'],
  ...['dynamic_shared_memory_type', 'event_source', 'external_pid_file', 'hba_file', 'hot_standby', 'huge_pages', 'ident_file', 'jit_provider'],
  ...['listen_addresses', 'logging_collector', 'port', 'primary_conninfo', 'primary_slot_name', 'restore_command', 'shared_memory_type'],
  ...['unix_socket_directories', 'unix_socket_group', 'unix_socket_permissions', 'wal_level', 'wal_log_hints', 'archive_cleanup_command'],
  ...['archive_command', 'archive_timeout', 'full_page_writes', 'log_destination', 'log_directory', 'log_file_mode', 'log_filename'],
  ...['log_rotation_age', 'log_rotation_size', 'log_truncate_on_rotation', 'promote_trigger_file', 'recovery_end_command'],
  ...['recovery_min_apply_delay', 'restart_after_crash', 'stats_temp_directory', 'synchronous_standby_names', 'syslog_facility'],
  ...['syslog_ident', 'syslog_sequence_numbers', 'syslog_split_messages'],
];
/** CloudNativePG's prefixes of fixed settings (every `recovery_target*`, `ssl*`). */
const CLOUDNATIVE_PG_MANAGED_PREFIXES = ['recovery_target', 'ssl'];
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
  /** The superuser's session through the client Service (backups, restore, the migrate Job's init container). */
  readonly login: SuperuserLogin;
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

/** A superuser session through a client Service. */
export interface SuperuserLogin {
  readonly host: string;
  /** The role's name, or the Secret key holding it (an operator's generated Secret). */
  readonly user: string | SecretKeyRef;
  readonly passwordSecret: SecretKeyRef;
}

/** The server a backup dumps and a restore replaces. */
export interface BackupTarget {
  readonly login: SuperuserLogin;
  readonly database: string;
  /** The Secret key holding the name of the role a restored database is owned by (Prefect's). */
  readonly ownerSecret: SecretKeyRef;
  /** The server's pods (the backup's NetworkPolicy egress). */
  readonly serverSelector: Record<string, string>;
  /** A PostgreSQL image of the server's major version (pg_dump, pg_restore, psql). */
  readonly image: string;
  /** The ConfigMap of the data scripts (charts/data/scripts). */
  readonly scriptsConfigMapName: string;
}

/** `database.<inCluster|cloudNativePG>.backups` with defaults applied. */
export interface ResolvedBackup {
  readonly target: BackupTarget;
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

/** `database.cloudNativePG` with defaults applied: what the CloudNativePG Cluster is built from. */
export interface ResolvedCloudNativePg {
  readonly clusterName: string;
  /** The operator's Service of the primary, `<cluster>-rw`. */
  readonly primaryServiceName: string;
  /** The stack's Service over every instance's metrics port (the ServiceMonitor's target). */
  readonly metricsServiceName: string;
  readonly scriptsConfigMapName: string;
  /** The operator's Secret of Prefect's role (`username`, `password`, …): `<cluster>-app`. */
  readonly appSecretName: string;
  /** The operator's superuser Secret, `<cluster>-superuser`; absent while nothing needs the superuser. */
  readonly superuserSecretName?: string;
  /** Labels of the instances' pods and of the operator's initdb and join Jobs' pods. */
  readonly podSelector: Record<string, string>;
  readonly image: string;
  readonly uid: number;
  readonly instances: number;
  readonly spread: 'required' | 'preferred';
  readonly database: string;
  readonly owner: string;
  readonly storageSize: string;
  readonly storageClassName?: string;
  /** Size of each data claim in bytes. */
  readonly storageBytes: number;
  readonly resources: k8s.ResourceRequirements;
  readonly maxConnections: number;
  readonly parameters: Record<string, string>;
  readonly pod: ResolvedPod;
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
  /** The in-cluster PostgreSQL StatefulSet; absent with `database.external` or `database.cloudNativePG`. */
  readonly postgres?: ResolvedPostgres;
  /** The CloudNativePG Cluster; present with `database.cloudNativePG`. */
  readonly cloudNativePg?: ResolvedCloudNativePg;
  /** The backups of the in-cluster or CloudNativePG server; absent with an external database or `backups.enabled: false`. */
  readonly backup?: ResolvedBackup;
  /** The in-cluster Redis; absent with `redis.external`. */
  readonly redisServer?: ResolvedRedis;
  /** What the migrate Job runs before migrating: ensure the role, database and pg_trgm (in-cluster), or pg_trgm (CloudNativePG). */
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

/**
 * `max_connections` (derived from the Prefect tier's connection budget, or given and checked against it) and the
 * server settings: the stack's (shared_buffers from the memory limit, scram, slow-query log) under the user's.
 */
function serverParameters(
  field: string,
  o: { readonly maxConnections?: number; readonly parameters?: { [name: string]: string } },
  resources: k8s.ResourceRequirements,
  ctx: DataTierContext,
  managed: readonly string[],
): { maxConnections: number; parameters: Record<string, string> } {
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
    if (managed.includes(name))
      fail(`${field}.parameters.${name}`, 'is managed by the stack', name === 'max_connections' ? `set ${field}.maxConnections instead` : 'remove it');
    if (typeof value !== 'string' || /[\n\r]/.test(value))
      fail(`${field}.parameters.${name}`, `${JSON.stringify(value)} is not a one-line string`, 'quote the value');
    parameters[name] = value;
  }
  parameters.max_connections = String(maxConnections);
  parameters.superuser_reserved_connections = String(SUPERUSER_RESERVED);
  return { maxConnections, parameters };
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
  const { maxConnections, parameters } = serverParameters(field, o, resources, ctx, MANAGED_PARAMETERS);
  const storageSize = o.storage?.size ?? '20Gi';
  const serviceName = ctx.names.of('Service', 'postgres');
  const superuserPasswordSecret = checkSecretKeyRef(
    `${field}.superuserPasswordSecret`,
    o.superuserPasswordSecret ?? { name: secret, key: 'postgres-password' },
  );
  return {
    statefulSetName: ctx.names.of('StatefulSet', 'postgres'),
    serviceName,
    scriptsConfigMapName: ctx.names.of('ConfigMap', 'postgres-scripts'),
    serviceAccountName: ctx.names.of('ServiceAccount', 'postgres'),
    podSelector: postgresSelector(ctx.names.instance),
    image: ctx.images.ref('postgres'),
    database,
    superuser,
    superuserPasswordSecret,
    login: { host: serviceName, user: superuser, passwordSecret: superuserPasswordSecret },
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

function resolveCloudNativePg(o: CloudNativePgOptions, ctx: DataTierContext, superuser: boolean): ResolvedCloudNativePg {
  const field = 'database.cloudNativePG';
  const database = o.database ?? 'prefect';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    fail(`${field}.database`, `"${database}" is not a plain database name`, "use lower-case letters, digits and '_' (at most 63, not starting with a digit)");
  }
  const owner = o.owner ?? 'prefect';
  // The operator refuses the names it reserves for itself.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(owner) || ['postgres', 'streaming_replica'].includes(owner) || owner.startsWith('pg_'))
    fail(
      `${field}.owner`,
      `"${owner}" is not a role name Prefect can own its database by`,
      "use lower-case letters, digits and '_', not postgres, streaming_replica or pg_*",
    );
  const spread = o.spread ?? 'required';
  if (spread !== 'required' && spread !== 'preferred')
    fail(`${field}.spread`, `"${spread}" is not a spread`, 'use required (each instance on its own node) or preferred');
  const resources = resolveResources(`${field}.resources`, o.resources, POSTGRES_RESOURCES);
  const managed = [
    ...CLOUDNATIVE_PG_MANAGED_PARAMETERS,
    ...Object.keys(o.parameters ?? {}).filter((n) => CLOUDNATIVE_PG_MANAGED_PREFIXES.some((p) => n.startsWith(p))),
  ];
  const { maxConnections, parameters } = serverParameters(field, o, resources, ctx, managed);
  const claim = claimSpec(`${field}.storage`, o.storage, '20Gi');
  const storageSize = String(claim.resources!.requests!.storage.value);
  const clusterName = ctx.names.of('Cluster', 'postgres');
  return {
    clusterName,
    primaryServiceName: ctx.names.of('Service', 'postgres-rw'),
    metricsServiceName: ctx.names.of('Service', 'postgres-metrics'),
    scriptsConfigMapName: ctx.names.of('ConfigMap', 'postgres-scripts'),
    appSecretName: `${clusterName}-app`,
    superuserSecretName: superuser ? `${clusterName}-superuser` : undefined,
    // What the operator (v1.30, pkg/specs/pods.go and jobs.go) puts on the instances and on its initdb and join
    // Jobs' pods. Not the stack's own labels: the operator keeps app.kubernetes.io/* to its values.
    podSelector: { 'cnpg.io/cluster': clusterName, 'app.kubernetes.io/component': 'database' },
    image: ctx.images.ref('postgres'),
    uid: checkInt(`${field}.postgresUid`, o.postgresUid ?? POSTGRES_UID, 1, 2 ** 31 - 1),
    instances: checkInt(`${field}.instances`, o.instances ?? 3, 1, 10),
    spread,
    database,
    owner,
    storageSize,
    storageClassName: claim.storageClassName,
    storageBytes: quantityValue(storageSize),
    resources,
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

function resolveBackup(field: string, o: PostgresBackupOptions, ctx: DataTierContext, target: BackupTarget): ResolvedBackup {
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
    target,
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
  const modes = (['inCluster', 'cloudNativePG', 'external'] as const).filter((k) => database[k] !== undefined);
  if (modes.length > 1) {
    fail(
      'database',
      `has both ${modes.join(' and ')}`,
      'keep one: inCluster runs PostgreSQL in the stack, cloudNativePG has the CloudNativePG operator run it with failover, external points at a server outside it',
    );
  }
  if (redis.inCluster && redis.external) {
    fail('redis', 'has both inCluster and external', 'keep one: inCluster runs Redis in the stack, external points at a server outside it');
  }
  let db: DatabaseConnection;
  let postgres: ResolvedPostgres | undefined;
  let backup: ResolvedBackup | undefined;
  let cloudNativePg: ResolvedCloudNativePg | undefined;
  if (database.cloudNativePG) {
    const { backups, ...options } = database.cloudNativePG;
    const backupsOn = backups?.enabled ?? true;
    cloudNativePg = resolveCloudNativePg(options, ctx, backupsOn);
    const app = (key: string): SecretKeyRef => ({ name: cloudNativePg!.appSecretName, key });
    db = {
      host: cloudNativePg.primaryServiceName,
      port: POSTGRES_PORT,
      database: cloudNativePg.database,
      userSecret: app('username'),
      passwordSecret: app('password'),
      // Every instance: the primary moves on a failover.
      endpoint: { peer: podsPeer(cloudNativePg.podSelector), port: POSTGRES_PORT },
    };
    if (backupsOn) {
      const su = (key: string): SecretKeyRef => ({ name: cloudNativePg!.superuserSecretName!, key });
      backup = resolveBackup('database.cloudNativePG.backups', backups ?? {}, ctx, {
        login: { host: cloudNativePg.primaryServiceName, user: su('username'), passwordSecret: su('password') },
        database: cloudNativePg.database,
        ownerSecret: app('username'),
        serverSelector: cloudNativePg.podSelector,
        image: cloudNativePg.image,
        scriptsConfigMapName: cloudNativePg.scriptsConfigMapName,
      });
    }
  } else if (database.external) {
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
    if (backups?.enabled ?? true) {
      backup = resolveBackup('database.inCluster.backups', backups ?? {}, ctx, {
        login: postgres.login,
        database: postgres.database,
        ownerSecret: postgres.userSecret,
        serverSelector: postgres.podSelector,
        image: postgres.image,
        scriptsConfigMapName: postgres.scriptsConfigMapName,
      });
    }
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
    cloudNativePg,
    backup,
    redisServer,
    migrationInitContainers: postgres ? [ensureDatabaseContainer(postgres)] : cloudNativePg ? [ensureExtensionContainer(cloudNativePg, db)] : [],
  };
}
