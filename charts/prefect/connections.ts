import { SecretKeyRef } from '../common/secrets';

/**
 * How Prefect reaches PostgreSQL: the handle the data tier (or an external database) hands the Prefect tier.
 * Either a Secret holding the whole SQLAlchemy URL, or the parts with user and password from Secrets.
 */
export interface DatabaseConnection {
  /** A Secret key holding the whole URL, `postgresql+asyncpg://user:pass@host:5432/db`. Excludes the parts. */
  readonly urlSecret?: SecretKeyRef;
  /** Host name of the server. */
  readonly host?: string;
  /** TCP port. */
  readonly port?: number;
  /** Database name. */
  readonly database?: string;
  /** The Secret key holding the user name. */
  readonly userSecret?: SecretKeyRef;
  /** The Secret key holding the password. */
  readonly passwordSecret?: SecretKeyRef;
  /** Pod labels of an in-cluster server, for the NetworkPolicies; absent for an external one. */
  readonly podLabels?: Record<string, string>;
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
  /** Pod labels of an in-cluster server, for the NetworkPolicies; absent for an external one. */
  readonly podLabels?: Record<string, string>;
}
