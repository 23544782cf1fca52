import { AlertRulesContext, resolveAlertRulesOptions } from '../../../charts';

/** What the rules watch in a stack that runs everything (in-cluster PostgreSQL with backups, Redis, an edge). */
export const WATCHED: AlertRulesContext = {
  instance: 'prefect',
  namespace: 'prefect',
  apiDeployment: 'prefect-api',
  apiService: 'prefect-api',
  backgroundDeployment: 'prefect-background-services',
  postgresJob: 'prefect-postgres',
  database: 'prefect',
  databaseVolumeBytes: 20 * 2 ** 30,
  redisJob: 'prefect-redis',
  backupCronJob: 'prefect-postgres-backup',
  ingress: { namespaceLabel: 'exported_namespace', serviceLabel: 'exported_service' },
};

/** The rule options with their defaults. */
export const OPTIONS = resolveAlertRulesOptions();

/** The alert names of rule groups. */
export const alerts = (groups: Array<{ rules: Array<{ alert: string }> }>) => groups.flatMap((g) => g.rules.map((r) => r.alert));
