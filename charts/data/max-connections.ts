import { checkInt } from '../common/validate';

/**
 * Every client of the in-cluster PostgreSQL, as counts. Each Prefect process holds up to `pool.size +
 * pool.maxOverflow` connections (SQLAlchemy's pool), so the Prefect tier's share is processes × that.
 */
export interface ConnectionBudget {
  /** API pods at most: `api.replicas`, or `api.autoscaling.maxReplicas` with an autoscaler. */
  readonly apiReplicas: number;
  /** Extra API pods during a rollout (the Deployment's maxSurge). */
  readonly apiSurge: number;
  /** Prefect server processes per API pod (one: `prefect server start` without workers). */
  readonly apiProcessesPerPod: number;
  /** Background-services pods (one: the task-run recorder deadlocks with two). */
  readonly backgroundReplicas: number;
  /** Migrate Jobs that can run at once (one per release; it overlaps the old pods). */
  readonly migrationJobs: number;
  /** SQLAlchemy pool of each Prefect process (`prefect.databasePool`). */
  readonly pool: { readonly size: number; readonly maxOverflow: number };
  /** The migrate Job's init container (`CREATE EXTENSION IF NOT EXISTS pg_trgm`): one session. */
  readonly migrationInit: number;
  /** postgres_exporter: one session. */
  readonly exporter: number;
  /** The backup (pg_dump, one session) or a restore. */
  readonly backup: number;
  /** Interactive sessions: pgAdmin, psql, a debug pod. */
  readonly headroom: number;
  /** `superuser_reserved_connections`: slots only superusers may take, counted inside max_connections. */
  readonly superuserReserved: number;
}

/** The budget of the default stack; callers replace what their configuration changes. */
export const DEFAULT_CONNECTION_BUDGET: ConnectionBudget = {
  apiReplicas: 3,
  apiSurge: 1,
  apiProcessesPerPod: 1,
  backgroundReplicas: 1,
  migrationJobs: 1,
  pool: { size: 5, maxOverflow: 10 },
  migrationInit: 1,
  exporter: 1,
  backup: 1,
  headroom: 10,
  superuserReserved: 3,
};

/**
 * PostgreSQL `max_connections` for the stack (docs/architecture.md "Sizing max_connections"):
 *
 *   ((apiReplicas + apiSurge) × apiProcessesPerPod + backgroundReplicas + migrationJobs) × (pool.size + pool.maxOverflow)
 *   + migrationInit + exporter + backup + headroom + superuserReserved
 *
 * With the defaults: ((3 + 1) × 1 + 1 + 1) × (5 + 10) + 1 + 1 + 1 + 10 + 3 = 106. Sized for every pool full at
 * once, so a load spike queues in SQLAlchemy (pool timeout) instead of failing with "too many clients".
 */
export function postgresMaxConnections(budget: Partial<ConnectionBudget> = {}): number {
  const b = { ...DEFAULT_CONNECTION_BUDGET, ...budget, pool: { ...DEFAULT_CONNECTION_BUDGET.pool, ...budget.pool } };
  for (const [key, value] of Object.entries(b)) {
    if (key !== 'pool') checkInt(`connection budget ${key}`, value as number, 0, 100000);
  }
  checkInt('connection budget pool.size', b.pool.size, 1, 100000);
  checkInt('connection budget pool.maxOverflow', b.pool.maxOverflow, 0, 100000);
  const prefectProcesses = (b.apiReplicas + b.apiSurge) * b.apiProcessesPerPod + b.backgroundReplicas + b.migrationJobs;
  return prefectProcesses * (b.pool.size + b.pool.maxOverflow) + b.migrationInit + b.exporter + b.backup + b.headroom + b.superuserReserved;
}
