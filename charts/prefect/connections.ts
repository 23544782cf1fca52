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

/** How Prefect reaches Redis (prefect-redis messaging, lease storage, and the Docket URL). */
export interface RedisConnection {
  /** Host name of the server. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** The Secret key holding the password (`requirepass`); absent for a server without auth. */
  readonly passwordSecret?: SecretKeyRef;
  /** TLS (`rediss://`). */
  readonly tls?: boolean;
  /** Where clients connect (NetworkPolicies). */
  readonly endpoint: Endpoint;
}
