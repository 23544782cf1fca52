import { k8s } from 'cdk8s-plus-34';
import { SecretKeyRef } from '../common/secrets';
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
  /** Extra PREFECT_* settings from the user, applied last. */
  readonly extraEnv?: Record<string, string>;
}

/** Writable paths of a Prefect container under a read-only root filesystem. */
export const PREFECT_PATHS = {
  home: '/home/prefect',
  tmp: '/tmp',
  /** The UI copies itself here at start (PREFECT_SERVER_UI_STATIC_DIRECTORY). */
  uiStatic: '/var/lib/prefect/ui',
  scripts: '/opt/prefect-stack',
} as const;

function fromSecret(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

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
    value('PREFECT_SERVER_METRICS_ENABLED', true),
    value('PREFECT_SERVER_ANALYTICS_ENABLED', false),
    ...(o.uiApiUrl ? [
      value('PREFECT_SERVER_UI_STATIC_DIRECTORY', PREFECT_PATHS.uiStatic),
      value('PREFECT_SERVER_UI_API_URL', o.uiApiUrl),
    ] : []),
    ...(o.uiServeBase ? [value('PREFECT_SERVER_UI_SERVE_BASE', o.uiServeBase)] : []),
    ...(o.authSecret ? [
      fromSecret('PREFECT_SERVER_API_AUTH_STRING', o.authSecret),
      // In-pod clients (probes' scripts, `prefect` CLI in a debug shell) authenticate too.
      fromSecret('PREFECT_API_AUTH_STRING', o.authSecret),
    ] : []),
  ];
  for (const [name, v] of Object.entries(o.extraEnv ?? {})) env.push(value(name, v));
  return env;
}

function databaseEnvironment(db: DatabaseConnection): k8s.EnvVar[] {
  if (db.urlSecret) return [fromSecret('PREFECT_SERVER_DATABASE_CONNECTION_URL', db.urlSecret)];
  // Prefect's per-part settings: it builds the URL itself, so a password needs no URL-encoding here.
  return [
    value('PREFECT_SERVER_DATABASE_DRIVER', 'postgresql+asyncpg'),
    value('PREFECT_SERVER_DATABASE_HOST', db.host!),
    value('PREFECT_SERVER_DATABASE_PORT', db.port!),
    value('PREFECT_SERVER_DATABASE_NAME', db.database!),
    fromSecret('PREFECT_SERVER_DATABASE_USER', db.userSecret!),
    fromSecret('PREFECT_SERVER_DATABASE_PASSWORD', db.passwordSecret!),
  ];
}

function redisEnvironment(r: RedisConnection): k8s.EnvVar[] {
  const auth = r.passwordSecret ? ':$(PREFECT_REDIS_MESSAGING_PASSWORD)@' : '';
  return [
    // The four settings that make several API replicas share events, ordering and leases (NOTES.md).
    value('PREFECT_SERVER_EVENTS_MESSAGING_BROKER', 'prefect_redis.messaging'),
    value('PREFECT_SERVER_EVENTS_MESSAGING_CACHE', 'prefect_redis.messaging'),
    value('PREFECT_SERVER_EVENTS_CAUSAL_ORDERING', 'prefect_redis.ordering'),
    value('PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE', 'prefect_redis.lease_storage'),
    value('PREFECT_REDIS_MESSAGING_HOST', r.host),
    value('PREFECT_REDIS_MESSAGING_PORT', r.port),
    value('PREFECT_REDIS_MESSAGING_DB', REDIS_MESSAGING_DB),
    value('PREFECT_REDIS_MESSAGING_SSL', Boolean(r.tls)),
    ...(r.passwordSecret ? [fromSecret('PREFECT_REDIS_MESSAGING_PASSWORD', r.passwordSecret)] : []),
    // Docket (background-task coordination) needs one shared Redis; the default memory:// is per process.
    // Kubernetes expands $(PREFECT_REDIS_MESSAGING_PASSWORD) from the variable above: the value stays in the Secret.
    value('PREFECT_SERVER_DOCKET_URL', `${r.tls ? 'rediss' : 'redis'}://${auth}${r.host}:${r.port}/${REDIS_DOCKET_DB}`),
  ];
}
