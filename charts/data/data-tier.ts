import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { fail } from '../common/validate';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';
import { ExternalDatabaseProps, ExternalRedisProps, externalDatabase, externalRedis } from './external';
import { ConnectionBudget } from './max-connections';
import { Postgres, PostgresOptions } from './postgres';
import { PostgresBackup, PostgresBackupOptions } from './postgres-backup';
import { Redis, RedisOptions } from './redis';

/** The in-cluster PostgreSQL with its backups (`database.inCluster:`). */
export interface InClusterDatabaseProps extends PostgresOptions {
  /**
   * Backups (CronJob into a claim, optional S3 copy) and the restore CronJob.
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
   * A PostgreSQL server outside the stack (a managed service, an operator's cluster). Create pg_trgm there once
   * as an administrator (README "External PostgreSQL and Redis"): the stack has no superuser to do it.
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
   * A Redis server outside the stack (standalone; Prefect supports no Sentinel and no Cluster).
   * @default - none: the in-cluster server
   */
  readonly external?: ExternalRedisProps;
}

/** Props of {@link DataTier}. */
export interface DataTierProps {
  readonly instance: string;
  readonly images: ImageCatalog;
  readonly database?: DatabaseProps;
  readonly redis?: RedisServerProps;
  /** What the Prefect tier will open, for `max_connections`. */
  readonly connectionBudget?: Partial<ConnectionBudget>;
}

/**
 * The data tier: PostgreSQL (with backups) and Redis in the cluster by default, or managed services outside it.
 * It hands the Prefect tier its connection handles, and the migrate Job the init container that ensures the
 * role, database and pg_trgm before migrations.
 */
export class DataTier extends Construct {
  public readonly database: DatabaseConnection;
  public readonly redis: RedisConnection;
  /** The in-cluster PostgreSQL; absent with `database.external`. */
  public readonly postgres?: Postgres;
  /** The backups; absent with an external database or `backups.enabled: false`. */
  public readonly backup?: PostgresBackup;
  /** The in-cluster Redis; absent with `redis.external`. */
  public readonly redisServer?: Redis;
  /** Init containers for the migrate Job (ensure role, database and pg_trgm); empty with an external database. */
  public readonly migrationInitContainers: k8s.Container[];

  constructor(scope: Construct, id: string, props: DataTierProps) {
    super(scope, id);
    const { instance, images } = props;
    if (props.database?.inCluster && props.database.external) {
      fail('database', 'has both inCluster and external', 'keep one: inCluster runs PostgreSQL in the stack, external points at a server outside it');
    }
    if (props.redis?.inCluster && props.redis.external) {
      fail('redis', 'has both inCluster and external', 'keep one: inCluster runs Redis in the stack, external points at a server outside it');
    }

    if (props.database?.external) {
      this.database = externalDatabase(props.database.external);
      this.migrationInitContainers = [];
    } else {
      const { backups, ...options } = props.database?.inCluster ?? {};
      this.postgres = new Postgres(this, 'Postgres', { instance, images, connectionBudget: props.connectionBudget, ...options });
      this.database = this.postgres.connection;
      this.migrationInitContainers = [this.postgres.ensureDatabaseContainer()];
      if (backups?.enabled ?? true) {
        this.backup = new PostgresBackup(this, 'Backup', { instance, images, postgres: this.postgres, ...backups });
      }
    }

    if (props.redis?.external) {
      this.redis = externalRedis(props.redis.external);
    } else {
      this.redisServer = new Redis(this, 'Redis', { instance, images, ...props.redis?.inCluster });
      this.redis = this.redisServer.connection;
    }
  }
}
