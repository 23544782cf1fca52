import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { DatabaseConnection, RedisConnection } from './connections';
import { PrefectApi } from './prefect-api';
import { PrefectBackgroundServices } from './prefect-background';
import { PrefectMigration } from './prefect-migration';
import { PrefectRuntime } from './prefect-runtime';
import { ResolvedPrefectTier } from './resolve';

/** What the Prefect server tier takes from the data tier. */
export interface PrefectServerData {
  readonly database: DatabaseConnection;
  readonly redis: RedisConnection;
  /** Run by the migrate Job before it migrates (ensure role, database, pg_trgm). */
  readonly migrationInitContainers: k8s.Container[];
}

/** The Prefect server tier: one runtime, and the migrate Job, the API and the background services built from it. */
export class PrefectServer extends Construct {
  public readonly runtime: PrefectRuntime;
  public readonly migration: PrefectMigration;
  public readonly api: PrefectApi;
  public readonly backgroundServices: PrefectBackgroundServices;

  constructor(scope: Construct, id: string, p: ResolvedPrefectTier, data: PrefectServerData) {
    super(scope, id);
    this.runtime = new PrefectRuntime(this, 'Runtime', { settings: p.settings, database: data.database, redis: data.redis });
    this.migration = new PrefectMigration(this, 'Migration', p.migrations, this.runtime, data.migrationInitContainers);
    this.api = new PrefectApi(this, 'Api', p.api, this.runtime);
    this.backgroundServices = new PrefectBackgroundServices(this, 'BackgroundServices', p.backgroundServices, this.runtime);
  }
}
