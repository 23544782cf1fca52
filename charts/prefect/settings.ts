import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkInt, checkRelease, checkUrl, fail } from '../common/validate';
import * as k8s from '../../imports/k8s';
import { DatabasePool, RetentionSettings, resolveExtraEnv } from './environment';

/** The Prefect release this library is tested with. */
export const DEFAULT_PREFECT_VERSION = '3.9.1';
/** The oldest minor release of Prefect 3 the stack runs (the previous release of the upgrade test is 3.9.0). */
export const MIN_PREFECT_MINOR = 9;

/** Settings shared by every Prefect process of the stack (the `prefect:` section of the configuration file). */
export interface PrefectSettingsProps {
  /**
   * Exact Prefect release; the image is `prefecthq/prefect:<version>-python3.12`. A change runs a new migrate Job.
   * @default "3.9.1" - the release this library's tests run
   */
  readonly version?: string;
  /**
   * The URL users open, e.g. `https://prefect.example.com`. The UI calls the API at `<externalUrl>/api`.
   * @default - none: the UI calls the API at the relative path `/api` of whatever host serves it
   */
  readonly externalUrl?: string;
  /**
   * Basic auth for the API and UI: a Secret key holding `user:password` (PREFECT_SERVER_API_AUTH_STRING).
   * @default - no auth on the API itself (put auth at the edge)
   */
  readonly authSecret?: SecretKeyRef;
  /**
   * Log level of every Prefect process.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  /**
   * SQLAlchemy pool of each process; Postgres `max_connections` must cover the sum over all processes.
   * @default - Prefect's own: size 5, maxOverflow 10, timeoutSeconds 30, recycleSeconds 3600
   */
  readonly databasePool?: {
    /** @default 5 */
    readonly size?: number;
    /** @default 10 */
    readonly maxOverflow?: number;
    /** @default 30 */
    readonly timeoutSeconds?: number;
    /** @default 3600 */
    readonly recycleSeconds?: number;
  };
  /**
   * What keeps the database and Redis from growing without bound: event retention, the vacuum service (old flow
   * runs with their logs and artifacts) and Redis stream trimming (docs/operations.md "Database and Redis growth").
   * @default - events 7 days, heartbeat events 1 day, flow runs deleted 90 days after they end, vacuum hourly
   */
  readonly retention?: RetentionProps;
  /**
   * Further Prefect settings as environment variables (names from Prefect's settings reference), for what the
   * stack does not model. Keys must start with `PREFECT_` and must not replace a setting the stack manages.
   * @default - none
   */
  readonly extraEnv?: { [name: string]: string };
  /**
   * Further Prefect settings read from Secret keys (`PREFECT_API_KEY: { name, key }`), for credentials: their values
   * stay in the cluster, never in dist/.
   * @default - none
   */
  readonly extraSecretEnv?: { [name: string]: SecretKeyRef };
  /**
   * UID and GID of every Prefect container. Set both to null on OpenShift, whose restricted SCC assigns them.
   * @default - 1001 and 1001 (a non-root user, as in prefect-helm)
   */
  readonly runAsUser?: number | null;
  /** @default 1001 */
  readonly runAsGroup?: number | null;
}

/** The `prefect.retention:` section: how long Prefect keeps what it writes. */
export interface RetentionProps {
  /**
   * Days events (and their resources, the largest tables) are kept (PREFECT_SERVER_EVENTS_RETENTION_PERIOD).
   * @default 7 - Prefect's default: a week of event feed and automation history
   */
  readonly eventsDays?: number;
  /**
   * Days flow-run heartbeat events are kept; capped by eventsDays. They matter only while a run is live.
   * @default 1 - a heartbeat every 30 s per running flow is the bulk of the events table when heartbeats are on
   */
  readonly heartbeatEventsDays?: number;
  /**
   * Delete terminal top-level flow runs, with their logs and artifacts, some days after they end
   * (PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED gains `flow_runs`). Deletion is permanent.
   * @default true - without it the `log` table grows forever
   */
  readonly flowRuns?: boolean;
  /**
   * Days after its end a terminal flow run is deleted (PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD).
   * @default 90 - Prefect's default: a quarter of run history
   */
  readonly flowRunsDays?: number;
  /**
   * Seconds between vacuum passes (PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS).
   * @default 3600 - Prefect's default; each pass deletes in batches, so it keeps up with a busy server
   */
  readonly vacuumIntervalSeconds?: number;
  /**
   * Rows deleted per transaction (PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE).
   * @default 200 - Prefect's default: short transactions that never hold locks for long
   */
  readonly vacuumBatchSize?: number;
  /**
   * Seconds between trims of each Redis stream to the oldest entry an active consumer group still needs
   * (prefect-redis PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_EVERY).
   * @default 60 - prefect-redis's default
   */
  readonly redisTrimEverySeconds?: number;
  /**
   * Seconds after which a consumer group whose consumers are all idle (a crashed pod's) stops holding back
   * trimming (PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_IDLE_THRESHOLD).
   * @default 300 - prefect-redis's default: longer than a pod restart, so a live consumer never loses entries
   */
  readonly redisTrimIdleThresholdSeconds?: number;
}

/** {@link PrefectSettingsProps} with defaults applied and checked. */
export interface ResolvedPrefectSettings {
  readonly version: string;
  readonly externalUrl?: URL;
  readonly authSecret?: SecretKeyRef;
  readonly logLevel: string;
  readonly pool: DatabasePool;
  /** `extraEnv` and `extraSecretEnv`, checked, as environment variables. */
  readonly extraEnv: k8s.EnvVar[];
  readonly retention: RetentionSettings;
  readonly user?: number;
  readonly group?: number;
}

/** Settings the stack derives itself; `prefect.extraEnv` may not replace them. */
const MANAGED =
  /^PREFECT_(SERVER_DATABASE_|API_DATABASE_|REDIS_|SERVER_EVENTS_MESSAGING_|SERVER_EVENTS_CAUSAL_ORDERING|SERVER_CONCURRENCY_LEASE_STORAGE|SERVER_DOCKET_URL|SERVER_UI_|SERVER_API_AUTH_STRING|API_AUTH_STRING|HOME|LOGGING_LEVEL|SERVER_METRICS_ENABLED|SERVER_EVENTS_RETENTION_PERIOD|SERVER_SERVICES_DB_VACUUM_(ENABLED|RETENTION_PERIOD|LOOP_SECONDS|BATCH_SIZE|EVENT_RETENTION_OVERRIDES)$)/;

/** Applies the defaults of the `prefect:` section once and checks every value. */
export function resolvePrefectSettings(p: PrefectSettingsProps = {}): ResolvedPrefectSettings {
  const version = checkRelease('prefect.version', p.version ?? DEFAULT_PREFECT_VERSION);
  const [major, minor] = version.split('.').map(Number);
  if (major !== 3 || minor < MIN_PREFECT_MINOR) {
    fail(
      'prefect.version',
      `${version} is not a Prefect 3 release the stack supports`,
      `use 3.${MIN_PREFECT_MINOR}.0 or later 3.x (the stack's settings — Docket, the database vacuum, prefect-redis lease storage — and its tests start there)`,
    );
  }
  const externalUrl = p.externalUrl === undefined ? undefined : checkUrl('prefect.externalUrl', p.externalUrl, ['https', 'http']);
  if (externalUrl && (externalUrl.search || externalUrl.hash)) {
    fail('prefect.externalUrl', `"${p.externalUrl}" has a query or fragment`, 'give only scheme, host and optional path prefix');
  }
  const pool = {
    size: checkInt('prefect.databasePool.size', p.databasePool?.size ?? 5, 1, 100),
    maxOverflow: checkInt('prefect.databasePool.maxOverflow', p.databasePool?.maxOverflow ?? 10, 0, 200),
    timeoutSeconds: checkInt('prefect.databasePool.timeoutSeconds', p.databasePool?.timeoutSeconds ?? 30, 1, 600),
    recycleSeconds: checkInt('prefect.databasePool.recycleSeconds', p.databasePool?.recycleSeconds ?? 3600, 60, 86400),
  };
  const extraEnv = resolveExtraEnv('prefect', p.extraEnv, p.extraSecretEnv, MANAGED);
  const retention = resolveRetention(p.retention);
  const id = (field: string, v: number | null | undefined) => (v === null ? undefined : checkInt(field, v ?? 1001, 1, 2 ** 31 - 1));
  return {
    version,
    externalUrl,
    authSecret: p.authSecret ? checkSecretKeyRef('prefect.authSecret', p.authSecret) : undefined,
    logLevel: p.logLevel ?? 'INFO',
    pool,
    extraEnv,
    retention,
    user: id('prefect.runAsUser', p.runAsUser),
    group: id('prefect.runAsGroup', p.runAsGroup),
  };
}

/** A retention in days: zero would make Prefect delete what it has just written. */
function checkDays(field: string, v: number, max: number): number {
  if (v === 0)
    fail(field, 'is 0: the vacuum service would delete every row as soon as it is written', 'keep at least 1 day (to keep everything longer, raise it)');
  return checkInt(field, v, 1, max);
}

/** Applies the defaults of `prefect.retention:` and checks every value. */
function resolveRetention(r: RetentionProps = {}): RetentionSettings {
  const f = 'prefect.retention';
  const eventsDays = checkDays(`${f}.eventsDays`, r.eventsDays ?? 7, 3650);
  const heartbeatEventsDays = checkDays(`${f}.heartbeatEventsDays`, r.heartbeatEventsDays ?? Math.min(1, eventsDays), 3650);
  if (heartbeatEventsDays > eventsDays) {
    fail(`${f}.heartbeatEventsDays`, `${heartbeatEventsDays} is above eventsDays ${eventsDays}`, 'Prefect caps it at eventsDays: lower it or raise eventsDays');
  }
  if (r.flowRuns !== undefined && typeof r.flowRuns !== 'boolean')
    fail(`${f}.flowRuns`, `${JSON.stringify(r.flowRuns)} is not true or false`, 'write true or false');
  return {
    eventsDays,
    heartbeatEventsDays,
    flowRunsEnabled: r.flowRuns ?? true,
    flowRunsDays: checkDays(`${f}.flowRunsDays`, r.flowRunsDays ?? 90, 36500),
    vacuumIntervalSeconds: checkInt(`${f}.vacuumIntervalSeconds`, r.vacuumIntervalSeconds ?? 3600, 60, 7 * 86400),
    vacuumBatchSize: checkInt(`${f}.vacuumBatchSize`, r.vacuumBatchSize ?? 200, 1, 100000),
    redisTrimEverySeconds: checkInt(`${f}.redisTrimEverySeconds`, r.redisTrimEverySeconds ?? 60, 1, 86400),
    redisTrimIdleThresholdSeconds: checkInt(`${f}.redisTrimIdleThresholdSeconds`, r.redisTrimIdleThresholdSeconds ?? 300, 30, 86400),
  };
}
