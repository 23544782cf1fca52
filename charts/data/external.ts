import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkHostname, checkInt, checkDnsSubdomain, fail } from '../common/validate';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';

/** A PostgreSQL server outside the stack (a managed service, an operator's cluster). */
export interface ExternalDatabaseProps {
  /**
   * A Secret key holding the whole URL `postgresql+asyncpg://user:password@host:5432/prefect`.
   * Give either this or host with userSecret and passwordSecret.
   * @default - the URL is built from the parts
   */
  readonly urlSecret?: SecretKeyRef;
  /**
   * Host name of the server (a DNS name, or a Service name in the cluster).
   * @default - none: required unless urlSecret is given
   */
  readonly host?: string;
  /** @default 5432 */
  readonly port?: number;
  /** @default "prefect" */
  readonly database?: string;
  /**
   * The Secret key holding the user name.
   * @default - none: required with host
   */
  readonly userSecret?: SecretKeyRef;
  /**
   * The Secret key holding the password.
   * @default - none: required with host
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
  const parts = p.host !== undefined || p.userSecret !== undefined || p.passwordSecret !== undefined;
  if (p.urlSecret) {
    if (parts) fail(field, 'has both urlSecret and host/userSecret/passwordSecret', 'give the whole URL in urlSecret, or the parts, not both');
    return { urlSecret: checkSecretKeyRef(`${field}.urlSecret`, p.urlSecret) };
  }
  if (p.host === undefined) fail(`${field}.host`, 'is missing', 'give the database host (or a urlSecret holding the whole URL)');
  const host = p.host.includes('.') ? checkHostname(`${field}.host`, p.host) : checkDnsSubdomain(`${field}.host`, p.host);
  if (!p.userSecret) fail(`${field}.userSecret`, 'is missing', 'name the Secret key holding the user name');
  if (!p.passwordSecret) fail(`${field}.passwordSecret`, 'is missing', 'name the Secret key holding the password');
  return {
    host,
    port: checkInt(`${field}.port`, p.port ?? 5432, 1, 65535),
    database: p.database ?? 'prefect',
    userSecret: checkSecretKeyRef(`${field}.userSecret`, p.userSecret),
    passwordSecret: checkSecretKeyRef(`${field}.passwordSecret`, p.passwordSecret),
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
