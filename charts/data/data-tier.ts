import { Construct } from 'constructs';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';
import { CloudNativePgCluster } from './cloudnative-pg';
import { Postgres } from './postgres';
import { PostgresBackup } from './postgres-backup';
import { Redis } from './redis';
import { ResolvedDataTier } from './resolve';

/**
 * The data tier: PostgreSQL (with backups) and Redis in the cluster by default, PostgreSQL as a CloudNativePG
 * Cluster with failover, or managed services outside it.
 * Its resolved configuration holds the handles the Prefect tier takes (`database`, `redis`).
 */
export class DataTier extends Construct {
  public readonly database: DatabaseConnection;
  public readonly redis: RedisConnection;
  /** The in-cluster PostgreSQL StatefulSet; absent with `database.cloudNativePG` or `database.external`. */
  public readonly postgres?: Postgres;
  /** The CloudNativePG Cluster; present with `database.cloudNativePG`. */
  public readonly cloudNativePg?: CloudNativePgCluster;
  /** The backups; absent with an external database or `backups.enabled: false`. */
  public readonly backup?: PostgresBackup;
  /** The in-cluster Redis; absent with `redis.external`. */
  public readonly redisServer?: Redis;

  constructor(scope: Construct, id: string, data: ResolvedDataTier) {
    super(scope, id);
    this.database = data.database;
    this.redis = data.redis;
    if (data.postgres) this.postgres = new Postgres(this, 'Postgres', data.postgres);
    if (data.cloudNativePg) this.cloudNativePg = new CloudNativePgCluster(this, 'CloudNativePg', data.cloudNativePg);
    if (data.backup) this.backup = new PostgresBackup(this, 'Backup', data.backup);
    if (data.redisServer) this.redisServer = new Redis(this, 'Redis', data.redisServer);
  }
}
