import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkHostname, checkInt, checkDnsSubdomain, fail } from '../common/validate';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';

/**
 * A PostgreSQL server outside the stack (a managed service, an operator's cluster). Either a whole-URL Secret, or
 * the parts: each of host, port, database and user as a literal or a key of a Secret, and the password from a
 * Secret. CloudNativePG's `<cluster>-app` Secret, for one, holds `host`, `port`, `dbname`, `username` and `password`.
 */
export interface ExternalDatabaseProps {
  /**
   * A Secret key holding the whole URL `postgresql+asyncpg://user:password@host:5432/prefect` (the password
   * percent-encoded). Give either this or the parts, not both.
   * @default - the URL is built by Prefect from the parts
   */
  readonly urlSecret?: SecretKeyRef;
  /**
   * Host name of the server (a DNS name, or a Service name in the cluster).
   * @default - none: required unless hostSecret or urlSecret is given
   */
  readonly host?: string;
  /**
   * The Secret key holding the host name, instead of `host`.
   * @default - none
   */
  readonly hostSecret?: SecretKeyRef;
  /** @default 5432 */
  readonly port?: number;
  /**
   * The Secret key holding the port, instead of `port`.
   * @default - none
   */
  readonly portSecret?: SecretKeyRef;
  /** @default "prefect" */
  readonly database?: string;
  /**
   * The Secret key holding the database name, instead of `database`.
   * @default - none
   */
  readonly databaseSecret?: SecretKeyRef;
  /**
   * The user name, instead of `userSecret`.
   * @default - none: userSecret is required
   */
  readonly user?: string;
  /**
   * The Secret key holding the user name.
   * @default - none: required unless `user` is given
   */
  readonly userSecret?: SecretKeyRef;
  /**
   * The Secret key holding the password (any characters: Prefect encodes it when it builds the URL).
   * @default - none: required with the parts
   */
  readonly passwordSecret?: SecretKeyRef;
}

/** A Redis server outside the stack. Prefect supports standalone Redis only (no Sentinel, no Cluster). */
export interface ExternalRedisProps {
  /** Host name of the server. */
  readonly host: string;
  /** @default 6379 */
  readonly port?: number;
  /**
   * The Secret key holding the password; it goes into a redis:// URL, so use URL-safe characters.
   * @default - no password
   */
  readonly passwordSecret?: SecretKeyRef;
  /** @default false */
  readonly tls?: boolean;
}

/** Turns `database.external` into the handle the Prefect tier takes. */
export function externalDatabase(p: ExternalDatabaseProps): DatabaseConnection {
  const field = 'database.external';
  const partKeys = ['host', 'hostSecret', 'port', 'portSecret', 'database', 'databaseSecret', 'user', 'userSecret', 'passwordSecret'] as const;
  const given = partKeys.filter((k) => p[k] !== undefined);
  if (p.urlSecret) {
    if (given.length) fail(field, `has both urlSecret and ${given.join(', ')}`, 'give the whole URL in urlSecret, or the parts, not both');
    return { urlSecret: checkSecretKeyRef(`${field}.urlSecret`, p.urlSecret) };
  }
  for (const k of ['host', 'port', 'database', 'user'] as const) {
    if (p[k] !== undefined && p[`${k}Secret`] !== undefined) fail(`${field}.${k}`, `is given twice (${k} and ${k}Secret)`, `keep one: the literal ${k} or the Secret key ${k}Secret`);
  }
  const secret = (k: 'hostSecret' | 'portSecret' | 'databaseSecret' | 'userSecret' | 'passwordSecret') => p[k] && checkSecretKeyRef(`${field}.${k}`, p[k]);
  if (p.host === undefined && !p.hostSecret) fail(`${field}.host`, 'is missing', 'give the database host, a hostSecret, or a urlSecret holding the whole URL');
  if (p.user === undefined && !p.userSecret) fail(`${field}.userSecret`, 'is missing', 'name the Secret key holding the user name (or give user)');
  if (!p.passwordSecret) fail(`${field}.passwordSecret`, 'is missing', 'name the Secret key holding the password');
  const host = p.host === undefined ? undefined
    : p.host.includes('.') ? checkHostname(`${field}.host`, p.host) : checkDnsSubdomain(`${field}.host`, p.host);
  if (p.database !== undefined && !/^[^\s/?#]{1,63}$/.test(p.database)) fail(`${field}.database`, `"${p.database}" is not a database name`, 'use at most 63 characters without spaces, / ? or #');
  if (p.user !== undefined && !/^[^\s:@/]{1,63}$/.test(p.user)) fail(`${field}.user`, `"${p.user}" is not a user name`, 'use at most 63 characters without spaces, : @ or /');
  return {
    host,
    hostSecret: secret('hostSecret'),
    port: p.portSecret ? undefined : checkInt(`${field}.port`, p.port ?? 5432, 1, 65535),
    portSecret: secret('portSecret'),
    database: p.databaseSecret ? undefined : p.database ?? 'prefect',
    databaseSecret: secret('databaseSecret'),
    user: p.user,
    userSecret: secret('userSecret'),
    passwordSecret: secret('passwordSecret'),
  };
}

/** Turns `redis.external` into the handle the Prefect tier takes. */
export function externalRedis(p: ExternalRedisProps): RedisConnection {
  const field = 'redis.external';
  if (p.host === undefined) fail(`${field}.host`, 'is missing', 'give the Redis host');
  return {
    host: p.host.includes('.') ? checkHostname(`${field}.host`, p.host) : checkDnsSubdomain(`${field}.host`, p.host),
    port: checkInt(`${field}.port`, p.port ?? 6379, 1, 65535),
    passwordSecret: p.passwordSecret && checkSecretKeyRef(`${field}.passwordSecret`, p.passwordSecret),
    tls: p.tls ?? false,
  };
}
