import * as k8s from '../../imports/k8s';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { fail } from '../common/validate';
import { DatabaseConnection, RedisConnection } from './connections';

/** Redis logical databases: messaging in 0, Docket's background-task coordination in 1 (separate keyspaces). */
export const REDIS_MESSAGING_DB = 0;
export const REDIS_DOCKET_DB = 1;

/** SQLAlchemy pool settings of each Prefect process (Prefect's defaults; see PrefectSettingsProps). */
export interface DatabasePool {
  readonly size: number;
  readonly maxOverflow: number;
  readonly timeoutSeconds: number;
  readonly recycleSeconds: number;
}

/** Everything the settings module needs to describe one Prefect process. */
export interface PrefectEnvironmentOptions {
  readonly database: DatabaseConnection;
  /** Absent for processes that only talk to the database (the migrate Job). */
  readonly redis?: RedisConnection;
  readonly pool: DatabasePool;
  readonly logLevel: string;
  /** Basic auth string `user:pass` for the server (and in-pod clients). */
  readonly authSecret?: SecretKeyRef;
  /** Where the browser finds the API, e.g. `https://prefect.example.com/api` or `/api`; absent: no UI. */
  readonly uiApiUrl?: string;
  /** Where the UI is served below the host, e.g. `/` or `/prefect`. */
  readonly uiServeBase?: string;
  /** Database and Redis growth settings (retention, vacuum, stream trimming); absent for the migrate Job. */
  readonly retention?: RetentionSettings;
  /** Extra PREFECT_* settings from the user (literals and Secret keys), applied last. */
  readonly extraEnv?: k8s.EnvVar[];
}

/** Names that hold credentials (PREFECT_API_KEY, …_PASSWORD, …_TOKEN): never as a literal, which would land in dist/. */
export const CREDENTIAL_NAME = /(^|_)(KEY|SECRET|PASSWORD|PASSWD|TOKEN|AUTH_STRING|CREDENTIALS?)$/;

/**
 * Checks a section's extra Prefect settings — literals (`extraEnv`) and Secret keys (`extraSecretEnv`) — and
 * returns them as environment variables: PREFECT_* names, none the stack manages (`managed`), no credential as a
 * literal, no name twice.
 */
export function resolveExtraEnv(
  field: string,
  literal: { [name: string]: string } = {},
  secret: { [name: string]: SecretKeyRef } = {},
  managed: RegExp,
): k8s.EnvVar[] {
  const check = (key: string, name: string) => {
    if (!/^PREFECT_[A-Z0-9_]+$/.test(name))
      fail(`${field}.${key}.${name}`, 'is not a Prefect setting', "use the PREFECT_… name from Prefect's settings reference");
    if (managed.test(name)) fail(`${field}.${key}.${name}`, 'is managed by the stack', 'set it through its own key instead');
  };
  for (const [name, v] of Object.entries(literal)) {
    check('extraEnv', name);
    if (typeof v !== 'string') fail(`${field}.extraEnv.${name}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
    if (CREDENTIAL_NAME.test(name))
      fail(
        `${field}.extraEnv.${name}`,
        'looks like a credential, and a literal would be written into dist/',
        `put it in a Secret and name its key in ${field}.extraSecretEnv.${name}: { name, key }`,
      );
  }
  for (const [name, ref] of Object.entries(secret)) {
    check('extraSecretEnv', name);
    checkSecretKeyRef(`${field}.extraSecretEnv.${name}`, ref);
    if (name in literal) fail(`${field}.extraSecretEnv.${name}`, 'is also in extraEnv', 'keep one of the two');
  }
  return [...Object.entries(literal).map(([name, v]) => value(name, v)), ...Object.entries(secret).map(([name, ref]) => secretEnv(name, ref))];
}

/** What keeps PostgreSQL and Redis from growing without bound (see `prefect.retention`). */
export interface RetentionSettings {
  /** Events (and their resources) older than this are deleted by the vacuum service. */
  readonly eventsDays: number;
  /** Flow-run heartbeat events are deleted sooner: they only matter while a run is live. */
  readonly heartbeatEventsDays: number;
  /** Whether the vacuum service deletes old terminal top-level flow runs with their logs and artifacts. */
  readonly flowRunsEnabled: boolean;
  /** Age (by end time) after which a terminal flow run is deleted. */
  readonly flowRunsDays: number;
  /** How often the vacuum service runs. */
  readonly vacuumIntervalSeconds: number;
  /** Rows deleted per transaction. */
  readonly vacuumBatchSize: number;
  /** How often each Redis stream consumer trims delivered entries (prefect-redis). */
  readonly redisTrimEverySeconds: number;
  /** A consumer group idle this long no longer holds back trimming (a crashed pod's group). */
  readonly redisTrimIdleThresholdSeconds: number;
}

/** Writable paths of a Prefect container under a read-only root filesystem. */
export const PREFECT_PATHS = {
  home: '/home/prefect',
  tmp: '/tmp',
  /** The UI copies itself here at start (PREFECT_SERVER_UI_STATIC_DIRECTORY). */
  uiStatic: '/var/lib/prefect/ui',
  scripts: '/opt/prefect-stack',
} as const;

function value(name: string, v: string | number | boolean): k8s.EnvVar {
  return { name, value: String(v) };
}

/**
 * The one mapping from the stack's settings to Prefect's environment variables (names from Prefect's settings
 * reference). Order matters: variables referenced as `$(VAR)` come before their use.
 */
export function prefectEnvironment(o: PrefectEnvironmentOptions): k8s.EnvVar[] {
  const env: k8s.EnvVar[] = [
    value('HOME', PREFECT_PATHS.home),
    value('PREFECT_HOME', `${PREFECT_PATHS.home}/.prefect`),
    value('PREFECT_LOGGING_LEVEL', o.logLevel),
    // Migrations are the migrate Job's alone: several pods migrating at once race (prefect-helm #522).
    value('PREFECT_SERVER_DATABASE_MIGRATE_ON_START', false),
    ...databaseEnvironment(o.database),
    value('PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE', o.pool.size),
    value('PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW', o.pool.maxOverflow),
    value('PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT', o.pool.timeoutSeconds),
    value('PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_RECYCLE', o.pool.recycleSeconds),
    ...(o.redis ? redisEnvironment(o.redis) : []),
    ...(o.retention ? retentionEnvironment(o.retention, o.redis !== undefined) : []),
    value('PREFECT_SERVER_METRICS_ENABLED', true),
    value('PREFECT_SERVER_ANALYTICS_ENABLED', false),
    ...(o.uiApiUrl ? [value('PREFECT_SERVER_UI_STATIC_DIRECTORY', PREFECT_PATHS.uiStatic), value('PREFECT_SERVER_UI_API_URL', o.uiApiUrl)] : []),
    ...(o.uiServeBase ? [value('PREFECT_SERVER_UI_SERVE_BASE', o.uiServeBase)] : []),
    ...(o.authSecret
      ? [
          secretEnv('PREFECT_SERVER_API_AUTH_STRING', o.authSecret),
          // In-pod clients (probes' scripts, `prefect` CLI in a debug shell) authenticate too.
          secretEnv('PREFECT_API_AUTH_STRING', o.authSecret),
        ]
      : []),
  ];
  env.push(...(o.extraEnv ?? []));
  return env;
}

function databaseEnvironment(db: DatabaseConnection): k8s.EnvVar[] {
  if (db.urlSecret) return [secretEnv('PREFECT_SERVER_DATABASE_CONNECTION_URL', db.urlSecret)];
  // Prefect's per-part settings: Prefect builds the URL itself (SQLAlchemy's URL, which escapes every part), so a
  // password with @ / % needs no encoding here (test/prefect/db-credentials.test.ts proves it on a real server).
  // Each part is a literal or a key of a Secret (an operator's `<cluster>-app` Secret holds them all).
  const part = (name: string, literal: string | number | undefined, secret: SecretKeyRef | undefined): k8s.EnvVar[] =>
    secret ? [secretEnv(name, secret)] : literal === undefined ? [] : [value(name, literal)];
  return [
    value('PREFECT_SERVER_DATABASE_DRIVER', 'postgresql+asyncpg'),
    ...part('PREFECT_SERVER_DATABASE_HOST', db.host, db.hostSecret),
    ...part('PREFECT_SERVER_DATABASE_PORT', db.port, db.portSecret),
    ...part('PREFECT_SERVER_DATABASE_NAME', db.database, db.databaseSecret),
    ...part('PREFECT_SERVER_DATABASE_USER', db.user, db.userSecret),
    ...part('PREFECT_SERVER_DATABASE_PASSWORD', undefined, db.passwordSecret),
  ];
}

/** Seconds in a day: Prefect's vacuum settings take seconds. */
const DAY = 86400;

function retentionEnvironment(r: RetentionSettings, redis: boolean): k8s.EnvVar[] {
  return [
    // A plain timedelta in Prefect: ISO 8601 (a bare number of seconds is rejected), unlike the vacuum's seconds.
    value('PREFECT_SERVER_EVENTS_RETENTION_PERIOD', `P${r.eventsDays}D`),
    // 'events' is Prefect's default; 'flow_runs' adds old flow runs (and, implied, orphaned logs and artifacts).
    value('PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED', r.flowRunsEnabled ? 'events,flow_runs' : 'events'),
    value('PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD', r.flowRunsDays * DAY),
    value('PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS', r.vacuumIntervalSeconds),
    value('PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE', r.vacuumBatchSize),
    value('PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES', JSON.stringify({ 'prefect.flow-run.heartbeat': r.heartbeatEventsDays * DAY })),
    ...(redis
      ? [
          value('PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_EVERY', r.redisTrimEverySeconds),
          value('PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_IDLE_THRESHOLD', r.redisTrimIdleThresholdSeconds),
        ]
      : []),
  ];
}

/** What a Prefect client process (a worker) needs: where the API is and how to authenticate. */
export interface PrefectClientEnvironmentOptions {
  /** The API URL, e.g. `http://prefect-api.prefect.svc:4200/api`. */
  readonly apiUrl: string;
  readonly logLevel: string;
  /** The client's basic auth string `user:pass` (PREFECT_API_AUTH_STRING). */
  readonly authSecret?: SecretKeyRef;
  /** Further PREFECT_* settings, applied last. */
  readonly extraEnv?: k8s.EnvVar[];
}

/**
 * The environment of a Prefect client (a worker): no server, database or Redis settings at all, because a worker
 * hands every PREFECT_* setting it has to the flow-run pods it starts.
 */
export function prefectClientEnvironment(o: PrefectClientEnvironmentOptions): k8s.EnvVar[] {
  const env: k8s.EnvVar[] = [
    value('HOME', PREFECT_PATHS.home),
    value('PREFECT_HOME', `${PREFECT_PATHS.home}/.prefect`),
    value('PREFECT_LOGGING_LEVEL', o.logLevel),
    value('PREFECT_API_URL', o.apiUrl),
    ...(o.authSecret ? [secretEnv('PREFECT_API_AUTH_STRING', o.authSecret)] : []),
    ...(o.extraEnv ?? []),
  ];
  return env;
}

/**
 * How long a Redis call may wait on a socket in Sentinel mode. A frozen primary (a node lost, a partition) keeps
 * connections open and silent: without a timeout Prefect waits on it for good instead of asking the Sentinels again
 * (PrefectHQ/prefect #22478; measured in test/prefect/redis-sentinel.real.test.ts).
 */
export const REDIS_SENTINEL_SOCKET_TIMEOUT_SECONDS = 5;

function redisEnvironment(r: RedisConnection): k8s.EnvVar[] {
  const auth = r.passwordSecret ? ':$(PREFECT_REDIS_MESSAGING_PASSWORD)@' : '';
  const brokers = [
    // The four settings that make several API replicas share events, ordering and leases (NOTES.md).
    value('PREFECT_SERVER_EVENTS_MESSAGING_BROKER', 'prefect_redis.messaging'),
    value('PREFECT_SERVER_EVENTS_MESSAGING_CACHE', 'prefect_redis.messaging'),
    value('PREFECT_SERVER_EVENTS_CAUSAL_ORDERING', 'prefect_redis.ordering'),
    value('PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE', 'prefect_redis.lease_storage'),
  ];
  const password = r.passwordSecret ? [secretEnv('PREFECT_REDIS_MESSAGING_PASSWORD', r.passwordSecret)] : [];
  if (r.sentinel) {
    const s = r.sentinel;
    // redis+sentinel://[:password@]s1:26379,s2:26379/<master>/<db>[?sentinel_password=…] (prefect-redis 0.3.0, Docket):
    // Kubernetes expands the $(VAR) references from the Secret-backed variables above; no value is in the manifest.
    const members = s.members.map((m) => `${m.host}:${m.port}`).join(',');
    const query = s.passwordSecret ? '?sentinel_password=$(REDIS_SENTINEL_PASSWORD)' : '';
    const url = (db: number) => `redis+sentinel://${auth}${members}/${s.masterName}/${db}${query}`;
    return [
      ...brokers,
      ...password,
      ...(s.passwordSecret ? [secretEnv('REDIS_SENTINEL_PASSWORD', s.passwordSecret)] : []),
      value('PREFECT_REDIS_MESSAGING_URL', url(REDIS_MESSAGING_DB)),
      value('PREFECT_REDIS_MESSAGING_SOCKET_TIMEOUT', REDIS_SENTINEL_SOCKET_TIMEOUT_SECONDS),
      value('PREFECT_REDIS_MESSAGING_SOCKET_CONNECT_TIMEOUT', REDIS_SENTINEL_SOCKET_TIMEOUT_SECONDS),
      value('PREFECT_SERVER_DOCKET_URL', url(REDIS_DOCKET_DB)),
    ];
  }
  return [
    ...brokers,
    value('PREFECT_REDIS_MESSAGING_HOST', r.host!),
    value('PREFECT_REDIS_MESSAGING_PORT', r.port),
    value('PREFECT_REDIS_MESSAGING_DB', REDIS_MESSAGING_DB),
    value('PREFECT_REDIS_MESSAGING_SSL', Boolean(r.tls)),
    ...password,
    // Docket (background-task coordination) needs one shared Redis; the default memory:// is per process.
    // Kubernetes expands $(PREFECT_REDIS_MESSAGING_PASSWORD) from the variable above: the value stays in the Secret.
    value('PREFECT_SERVER_DOCKET_URL', `${r.tls ? 'rediss' : 'redis'}://${auth}${r.host}:${r.port}/${REDIS_DOCKET_DB}`),
  ];
}
