import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkInt, checkRelease, checkUrl, fail } from '../common/validate';
import { DatabasePool } from './settings';

/** The Prefect release this library is tested with. */
export const DEFAULT_PREFECT_VERSION = '3.9.1';

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
   * Further Prefect settings as environment variables (names from Prefect's settings reference), for what the
   * stack does not model. Keys must start with `PREFECT_` and must not replace a setting the stack manages.
   * @default - none
   */
  readonly extraEnv?: { [name: string]: string };
  /**
   * UID and GID of every Prefect container. Set both to null on OpenShift, whose restricted SCC assigns them.
   * @default - 1001 and 1001 (a non-root user, as in prefect-helm)
   */
  readonly runAsUser?: number | null;
  /** @default 1001 */
  readonly runAsGroup?: number | null;
}

/** {@link PrefectSettingsProps} with defaults applied and checked. */
export interface ResolvedPrefectSettings {
  readonly version: string;
  readonly externalUrl?: URL;
  readonly authSecret?: SecretKeyRef;
  readonly logLevel: string;
  readonly pool: DatabasePool;
  readonly extraEnv: Record<string, string>;
  readonly user?: number;
  readonly group?: number;
}

/** Settings the stack derives itself; `prefect.extraEnv` may not replace them. */
const MANAGED = /^PREFECT_(SERVER_DATABASE_|API_DATABASE_|REDIS_|SERVER_EVENTS_MESSAGING_|SERVER_EVENTS_CAUSAL_ORDERING|SERVER_CONCURRENCY_LEASE_STORAGE|SERVER_DOCKET_URL|SERVER_UI_|SERVER_API_AUTH_STRING|API_AUTH_STRING|HOME|LOGGING_LEVEL|SERVER_METRICS_ENABLED)/;

/** Applies the defaults of the `prefect:` section once and checks every value. */
export function resolvePrefectSettings(p: PrefectSettingsProps = {}): ResolvedPrefectSettings {
  const version = checkRelease('prefect.version', p.version ?? DEFAULT_PREFECT_VERSION);
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
  const extraEnv = p.extraEnv ?? {};
  for (const [name, v] of Object.entries(extraEnv)) {
    if (!/^PREFECT_[A-Z0-9_]+$/.test(name)) fail(`prefect.extraEnv.${name}`, 'is not a Prefect setting', 'use the PREFECT_… name from Prefect\'s settings reference');
    if (MANAGED.test(name)) fail(`prefect.extraEnv.${name}`, 'is managed by the stack', 'set it through its own key (database, redis, prefect.*) instead');
    if (typeof v !== 'string') fail(`prefect.extraEnv.${name}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
  }
  const id = (field: string, v: number | null | undefined) => (v === null ? undefined : checkInt(field, v ?? 1001, 1, 2 ** 31 - 1));
  return {
    version,
    externalUrl,
    authSecret: p.authSecret ? checkSecretKeyRef('prefect.authSecret', p.authSecret) : undefined,
    logLevel: p.logLevel ?? 'INFO',
    pool,
    extraEnv,
    user: id('prefect.runAsUser', p.runAsUser),
    group: id('prefect.runAsGroup', p.runAsGroup),
  };
}
