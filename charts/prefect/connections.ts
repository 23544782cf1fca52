import { SecretKeyRef } from '../common/secrets';
import { Endpoint } from '../network/flow';

/**
 * How Prefect reaches PostgreSQL: the handle the data tier (or an external database) hands the Prefect tier.
 * Either a Secret holding the whole SQLAlchemy URL, or the parts: each of host, port, database and user as a
 * literal or a Secret key (an operator's Secret such as CloudNativePG's `<cluster>-app` holds them all), and the
 * password from a Secret key.
 */
export interface DatabaseConnection {
  /** A Secret key holding the whole URL, `postgresql+asyncpg://user:pass@host:5432/db`. Excludes the parts. */
  readonly urlSecret?: SecretKeyRef;
  /** Host name of the server (or `hostSecret`). */
  readonly host?: string;
  /** The Secret key holding the host name (instead of `host`). */
  readonly hostSecret?: SecretKeyRef;
  /** TCP port (or `portSecret`). */
  readonly port?: number;
  /** The Secret key holding the port (instead of `port`). */
  readonly portSecret?: SecretKeyRef;
  /** Database name (or `databaseSecret`). */
  readonly database?: string;
  /** The Secret key holding the database name (instead of `database`). */
  readonly databaseSecret?: SecretKeyRef;
  /** The user name (or `userSecret`). */
  readonly user?: string;
  /** The Secret key holding the user name (instead of `user`). */
  readonly userSecret?: SecretKeyRef;
  /** The Secret key holding the password. */
  readonly passwordSecret?: SecretKeyRef;
  /** Where clients connect: the in-cluster server's pods, or an external server's addresses (NetworkPolicies). */
  readonly endpoint: Endpoint;
}

/** A Sentinel group naming the current Redis primary. */
export interface RedisSentinelConnection {
  /** The Sentinels' addresses. */
  readonly members: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** The name they monitor the primary by. */
  readonly masterName: string;
  /** The Secret key holding the Sentinels' password; absent for Sentinels without one. */
  readonly passwordSecret?: SecretKeyRef;
  /** Where clients reach the Sentinels (NetworkPolicies): one per distinct port. */
  readonly endpoints: Endpoint[];
}

/** How Prefect reaches Redis (prefect-redis messaging, lease storage, and the Docket URL). */
export interface RedisConnection {
  /** Host name of a standalone server; absent with `sentinel` (the Sentinels name the primary). */
  readonly host?: string;
  /** TCP port of the Redis server(s). */
  readonly port: number;
  /** The Secret key holding the password (`requirepass`); absent for a server without auth. */
  readonly passwordSecret?: SecretKeyRef;
  /** TLS (`rediss://`). */
  readonly tls?: boolean;
  /** Where clients connect to the Redis server(s) (NetworkPolicies). */
  readonly endpoint: Endpoint;
  /** The Sentinel group to ask for the primary, instead of `host`. */
  readonly sentinel?: RedisSentinelConnection;
}

/** Every endpoint a Redis client connects to: the server(s), and the Sentinels when there are any. */
export function redisEndpoints(r: RedisConnection): Endpoint[] {
  return [r.endpoint, ...(r.sentinel?.endpoints ?? [])];
}
