import { PodOptions } from '../common/pod-options';
import { ResourcesProps } from '../common/resources';
import { SecretKeyRef } from '../common/secrets';
import { StorageProps } from '../common/storage';

/** The in-cluster PostgreSQL (the `database.inCluster:` section of the configuration file). */
export interface PostgresOptions extends PodOptions {
  /**
   * The database Prefect uses; created on a fresh server, and on an existing one before every migration.
   * @default "prefect"
   */
  readonly database?: string;
  /**
   * The superuser's name (POSTGRES_USER of the official image). For an existing data directory give the
   * superuser it was created with.
   * @default "postgres"
   */
  readonly superuser?: string;
  /**
   * The Secret key holding the superuser's password (POSTGRES_PASSWORD; only read when the data directory is created).
   * @default - Secret "<instance>-postgres", key "postgres-password"
   */
  readonly superuserPasswordSecret?: SecretKeyRef;
  /**
   * The Secret key holding the name of Prefect's role (owner of its database, not a superuser).
   * @default - Secret "<instance>-postgres", key "username"
   */
  readonly userSecret?: SecretKeyRef;
  /**
   * The Secret key holding Prefect's password; re-applied to the role before every migration, so rotating it is
   * "change the Secret, run the migrate Job, restart the pods".
   * @default - Secret "<instance>-postgres", key "password"
   */
  readonly passwordSecret?: SecretKeyRef;
  /**
   * The data claim (`volumeClaimTemplates`).
   * @default - 20Gi of the default StorageClass: Prefect's events and logs grow about 1 GiB a week on a busy server
   */
  readonly storage?: StorageProps;
  /**
   * Container resources of PostgreSQL; `shared_buffers` is a quarter of the memory limit.
   * @default - requests cpu 250m / memory 1Gi, limits cpu 2 / memory 2Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * `max_connections`. It must cover every pool of the Prefect tier (docs/architecture.md "Sizing max_connections").
   * @default - derived from the API replicas (or maxReplicas) and `prefect.databasePool` by postgresMaxConnections()
   */
  readonly maxConnections?: number;
  /**
   * Further server settings, passed as `postgres -c name=value` (e.g. `work_mem: 8MB`).
   * @default - none
   */
  readonly parameters?: { [name: string]: string };
  /**
   * Container resources of the postgres_exporter sidecar.
   * @default - requests cpu 10m / memory 32Mi, limits cpu 200m / memory 128Mi
   */
  readonly exporterResources?: ResourcesProps;
}

/** Retention of dumps, like postgres-backup-local: the newest dump of each of the last N days, ISO weeks and months. */
export interface BackupRetention {
  /** @default 7 */
  readonly daily?: number;
  /** @default 4 */
  readonly weekly?: number;
  /** @default 6 */
  readonly monthly?: number;
}

/** A copy of every new dump in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, GCS's XML API, …). */
export interface BackupS3Options {
  /** The bucket (it must exist). */
  readonly bucket: string;
  /**
   * A key prefix inside the bucket, e.g. `prefect/`.
   * @default "" - the bucket's root
   */
  readonly prefix?: string;
  /**
   * The endpoint URL of a non-AWS service, e.g. `https://minio.example.com`.
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * The region.
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * The Secret key holding the access key id.
   * @default - no static keys: credentials from the environment (the backup ServiceAccount's cloud identity, e.g.
   * IRSA's `eks.amazonaws.com/role-arn` in `backups.serviceAccount.annotations`)
   */
  readonly accessKeyIdSecret?: SecretKeyRef;
  /**
   * The Secret key holding the secret access key (with `accessKeyIdSecret`).
   * @default - no static keys
   */
  readonly secretAccessKeySecret?: SecretKeyRef;
  /**
   * Where the object store is, for the backup pods' NetworkPolicy egress (TCP 443, or the endpoint's port).
   * @default - any address
   */
  readonly cidrs?: string[];
}

/** Backups of the in-cluster PostgreSQL (the `database.inCluster.backups:` section of the configuration file). */
export interface PostgresBackupOptions extends PodOptions {
  /**
   * Emit the backup CronJob, its claim and the restore CronJob.
   * @default true - a database without backups is one disk failure from losing every flow run
   */
  readonly enabled?: boolean;
  /**
   * When backups run, five-field cron.
   * @default "15 2 * * *" - daily at 02:15, outside the usual office-hours load
   */
  readonly schedule?: string;
  /**
   * Time zone of the schedule (IANA name).
   * @default "Etc/UTC" - the dump names are UTC too
   */
  readonly timeZone?: string;
  /**
   * How many dumps to keep.
   * @default - 7 daily, 4 weekly, 6 monthly
   */
  readonly keep?: BackupRetention;
  /**
   * The backup claim.
   * @default - 20Gi of the default StorageClass: about 17 dumps of a database that compresses to 1 GiB
   */
  readonly storage?: StorageProps;
  /**
   * How long one backup (dump, check, prune, upload) may run before it is stopped.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
  /**
   * How long a restore may run before it is stopped.
   * @default 7200
   */
  readonly restoreTimeoutSeconds?: number;
  /**
   * Container resources of the backup and restore containers.
   * @default - requests cpu 100m / memory 128Mi, limits cpu 1 / memory 512Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Also copy each new dump to S3-compatible storage (retention there is the bucket's lifecycle rules').
   * @default - local claim only
   */
  readonly s3?: BackupS3Options;
  /**
   * Emit the restore CronJob (suspended, never scheduled: a template for `kubectl create job --from`).
   * @default true
   */
  readonly restore?: boolean;
}

/** The in-cluster Redis (the `redis.inCluster:` section of the configuration file). */
export interface RedisOptions extends PodOptions {
  /**
   * The Secret key holding the password (`requirepass`). Prefect puts it into a `redis://` URL: use URL-safe
   * characters (letters, digits, `-`, `_`, `.`, `~`).
   * @default - Secret "<instance>-redis", key "password"
   */
  readonly passwordSecret?: SecretKeyRef;
  /**
   * `maxmemory`, as a Kubernetes quantity; the policy is `noeviction` (Prefect's streams must never be evicted:
   * a full Redis fails writes loudly instead). At least 64Mi, and at most 75% of the memory limit (an AOF rewrite
   * forks and copies pages).
   * @default "512Mi"
   */
  readonly maxmemory?: string;
  /**
   * The AOF claim (`volumeClaimTemplates`).
   * @default - 4Gi of the default StorageClass: the AOF holds a few times maxmemory between rewrites
   */
  readonly storage?: StorageProps;
  /**
   * Container resources of Redis.
   * @default - requests cpu 100m / memory 768Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Container resources of the redis_exporter sidecar.
   * @default - requests cpu 10m / memory 32Mi, limits cpu 200m / memory 128Mi
   */
  readonly exporterResources?: ResourcesProps;
}

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

/**
 * A Redis outside the stack: one standalone server (`host`), or a Sentinel group (`sentinel`) that names the current
 * primary. Prefect (prefect-redis 0.3.0, Docket) speaks both; Redis Cluster it does not.
 */
export interface ExternalRedisProps {
  /**
   * Host name of the standalone server. Give `host` or `sentinel`, not both.
   * @default - none: required unless `sentinel` is given
   */
  readonly host?: string;
  /**
   * The TCP port of the Redis server(s): the standalone server's, or the port of the servers the Sentinels name
   * (the NetworkPolicies' egress port to them).
   * @default 6379
   */
  readonly port?: number;
  /**
   * A Sentinel group instead of one server: Prefect asks the Sentinels for the current primary and follows it
   * through failovers (`redis+sentinel://` URLs, with 5 s socket timeouts so a frozen primary is left, not waited on).
   * @default - none: the standalone server at `host`
   */
  readonly sentinel?: ExternalRedisSentinelProps;
  /**
   * The Secret key holding the password; it goes into a redis:// URL, so use URL-safe characters.
   * @default - no password
   */
  readonly passwordSecret?: SecretKeyRef;
  /** @default false */
  readonly tls?: boolean;
}

/** The Sentinels of an external Redis (`redis.external.sentinel:`). */
export interface ExternalRedisSentinelProps {
  /**
   * The Sentinels, each `host` or `host:port` (port 26379 when left out). Three or more on separate machines is what
   * makes failover safe; Prefect needs only one to answer.
   */
  readonly hosts: string[];
  /**
   * The name the Sentinels monitor the primary by (`sentinel monitor <name> …`).
   * @default "mymaster" - the name in Redis' own sentinel.conf and most charts
   */
  readonly masterName?: string;
  /**
   * The Secret key holding the Sentinels' own password (their `requirepass`), when they require one. It goes into
   * a URL unencoded: use URL-safe characters (letters, digits, `-`, `_`, `.`, `~`).
   * @default - Sentinels without a password
   */
  readonly passwordSecret?: SecretKeyRef;
}

/** The in-cluster PostgreSQL with its backups (`database.inCluster:`). */
export interface InClusterDatabaseProps extends PostgresOptions {
  /**
   * Backups (CronJob into a claim, optional S3 copy) and the restore CronJob.
   * @default - daily at 02:15 UTC, keeping 7 daily, 4 weekly and 6 monthly dumps
   */
  readonly backups?: PostgresBackupOptions;
}

/**
 * PostgreSQL as a CloudNativePG `Cluster` (`database.cloudNativePG:`): a primary and streaming replicas that the
 * operator fails over automatically. The operator (v1.30) must run in the cluster; the stack emits the Cluster,
 * points Prefect at its `-rw` Service with the operator's `<cluster>-app` Secret, and keeps its own pg_dump backups.
 */
export interface CloudNativePgOptions extends PodOptions {
  /**
   * How many PostgreSQL instances: one primary, the rest streaming replicas the operator promotes on a failure.
   * @default 3 - a primary and two replicas: one instance (or its node) can be lost with a replica still standing by
   */
  readonly instances?: number;
  /**
   * How the instances are spread over nodes (as `api.spread`): `required` puts each on its own node, so a node's loss
   * costs at most one, and needs as many schedulable nodes as instances; `preferred` shares nodes when they are short.
   * @default "required" - a failover must find its replica on another node
   */
  readonly spread?: 'preferred' | 'required';
  /**
   * The database Prefect uses, created with pg_trgm when the cluster is bootstrapped.
   * @default "prefect"
   */
  readonly database?: string;
  /**
   * Prefect's role, owner of the database; the operator writes its password into the `<cluster>-app` Secret.
   * @default "prefect"
   */
  readonly owner?: string;
  /**
   * Each instance's data claim.
   * @default - 20Gi of the default StorageClass: Prefect's events and logs grow about 1 GiB a week on a busy server
   */
  readonly storage?: StorageProps;
  /**
   * Container resources of each instance; `shared_buffers` is a quarter of the memory limit.
   * @default - requests cpu 250m / memory 1Gi, limits cpu 2 / memory 2Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * `max_connections`. It must cover every pool of the Prefect tier (docs/architecture.md "Sizing max_connections").
   * @default - derived from the API replicas (or maxReplicas) and `prefect.databasePool` by postgresMaxConnections()
   */
  readonly maxConnections?: number;
  /**
   * Further server settings (`spec.postgresql.parameters`, e.g. `work_mem: 8MB`).
   * @default - none
   */
  readonly parameters?: { [name: string]: string };
  /**
   * UID and GID the image runs PostgreSQL as.
   * @default 999 - the `postgres` user of the official image the stack pins (CloudNativePG's own images use 26)
   */
  readonly postgresUid?: number;
  /**
   * The stack's pg_dump backups (CronJob into a claim, optional S3 copy) and the restore CronJob, against the
   * primary. They need the superuser (a restore creates and swaps databases), so enabled backups turn on the
   * operator's `<cluster>-superuser` Secret.
   * @default - daily at 02:15 UTC, keeping 7 daily, 4 weekly and 6 monthly dumps
   */
  readonly backups?: PostgresBackupOptions;
}

/** Where Prefect's PostgreSQL is: in the cluster (the default) or outside it. Give at most one. */
export interface DatabaseProps {
  /**
   * PostgreSQL in the cluster: a StatefulSet, its Services, postgres_exporter, backups.
   * @default - in the cluster with every default, unless `external` is given
   */
  readonly inCluster?: InClusterDatabaseProps;
  /**
   * PostgreSQL as a CloudNativePG Cluster with automatic failover (the operator must be installed).
   * @default - none: the in-cluster StatefulSet
   */
  readonly cloudNativePG?: CloudNativePgOptions;
  /**
   * A PostgreSQL server outside the stack (a managed service, an operator's cluster). Create pg_trgm there once
   * as an administrator (docs/deploying.md "External PostgreSQL and Redis"): the stack has no superuser to do it.
   * @default - none: the in-cluster server
   */
  readonly external?: ExternalDatabaseProps;
}

/** Where Prefect's Redis is: in the cluster (the default) or outside it. Give at most one. */
export interface RedisServerProps {
  /**
   * Redis in the cluster: a StatefulSet, its Services, redis_exporter.
   * @default - in the cluster with every default, unless `external` is given
   */
  readonly inCluster?: RedisOptions;
  /**
   * A Redis outside the stack: a standalone server or a Sentinel group (Redis Cluster is not supported by Prefect).
   * @default - none: the in-cluster server
   */
  readonly external?: ExternalRedisProps;
}
