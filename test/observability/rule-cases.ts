/**
 * promtool unit tests of every alert, as data: input series (promtool's expanding notation, one sample per
 * minute from t=0, or per `interval`) and whether the alert fires at `at`. Each alert has cases that fire and cases that must stay
 * silent. The label sets are those the stack's targets carry (job = Service name, namespace, pod).
 */
export interface RuleCase {
  readonly alert: string;
  /** What the case shows. */
  readonly name: string;
  readonly series: Array<[string, Record<string, string>, string]>;
  /** Evaluation time, e.g. `20m`. */
  readonly at: string;
  /** Time between samples and between rule evaluations (days-long cases sample like a slow scrape). @default 1m */
  readonly interval?: string;
  /** Label sets of the expected alerts (without alertname and severity); empty: silent. */
  readonly fires: Array<Record<string, string>>;
}

const NS = 'prefect';
const PG = { namespace: NS, job: 'prefect-postgres', pod: 'prefect-postgres-0' };
const REDIS = { namespace: NS, job: 'prefect-redis', pod: 'prefect-redis-0' };
/** The CloudNativePG instances as the metrics Service's endpoints label them. */
const CNPG = (i: number) => ({ namespace: NS, job: 'prefect-postgres-metrics', pod: `prefect-postgres-${i}`, cluster: 'prefect-postgres' });
const CNPG_JOB = { namespace: NS, job: 'prefect-postgres-metrics' };
const KSM = { job: 'kube-state-metrics', namespace: NS };
const API = { ...KSM, deployment: 'prefect-api' };
const BG = { ...KSM, deployment: 'prefect-background-services' };
const CRON = { ...KSM, cronjob: 'prefect-postgres-backup' };
const ING = { exported_namespace: NS, exported_service: 'prefect-api', namespace: 'ingress-nginx', job: 'ingress-nginx-controller-metrics' };
const STREAM = { ...REDIS, db: 'db0', stream: 'events', group: 'event-persister' };
/** The recording rules keep namespace, job and datname (and relname for tables): the alerts carry those. */
const PREFECT_DB = { namespace: NS, job: 'prefect-postgres', datname: 'prefect' };
const GIB = 2 ** 30;

/** A table of Prefect's database as postgres_exporter's stat_user_tables reports it (table and index sizes). */
function table(relname: string, tableBytes: string, samples: number): Array<[string, Record<string, string>, string]> {
  const labels = { ...PG, datname: 'prefect', schemaname: 'public', relname };
  return [
    ['pg_stat_user_tables_table_size_bytes', labels, tableBytes],
    ['pg_stat_user_tables_index_size_bytes', labels, `0x${samples}`],
  ];
}
/** 3728270 bytes per 5 minutes: about 1 GiB a day. */
const GIB_A_DAY = 3728270;
/** 621378 bytes per 5 minutes: about 170 MiB a day. */
const TABLE_RATE = 621378;

/** Cumulative histogram buckets of ingress-nginx: per-minute increments per bucket upper bound. */
function buckets(labels: Record<string, string>, perMinute: Record<string, number>, minutes = 40): Array<[string, Record<string, string>, string]> {
  return Object.entries(perMinute).map(([le, n]) => ['nginx_ingress_controller_request_duration_seconds_bucket', { ...labels, le }, `0+${n}x${minutes}`]);
}

export const RULE_CASES: RuleCase[] = [
  {
    alert: 'PrefectPostgresInstanceDown',
    name: 'fires for the one instance whose PostgreSQL is down for 2 minutes',
    at: '5m',
    series: [
      ['cnpg_collector_up', CNPG(1), '1x10'],
      ['cnpg_collector_up', CNPG(2), '0x10'],
      ['up', CNPG(1), '1x10'],
      ['up', CNPG(2), '1x10'],
    ],
    fires: [CNPG(2)],
  },
  {
    alert: 'PrefectPostgresInstanceDown',
    name: 'fires when Prometheus cannot scrape an instance',
    at: '5m',
    series: [['up', CNPG(3), '0x10']],
    fires: [CNPG(3)],
  },
  {
    alert: 'PrefectPostgresInstanceDown',
    name: 'stays silent for a restart shorter than 2 minutes',
    at: '6m',
    series: [
      ['cnpg_collector_up', CNPG(1), '1 1 0 0 1 1 1 1'],
      ['up', CNPG(1), '1x10'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPostgresNoPrimary',
    name: 'fires when every instance has been in recovery for a minute',
    at: '5m',
    series: [
      ['cnpg_pg_replication_in_recovery', CNPG(1), '0 0 1 1 1 1 1 1'],
      ['cnpg_pg_replication_in_recovery', CNPG(2), '1x10'],
      ['cnpg_pg_replication_in_recovery', CNPG(3), '1x10'],
    ],
    fires: [CNPG_JOB],
  },
  {
    alert: 'PrefectPostgresNoPrimary',
    name: 'stays silent through a failover (the primary moves within a minute)',
    at: '5m',
    series: [
      ['cnpg_pg_replication_in_recovery', CNPG(1), '0 0 0 1 1 1 1 1'],
      ['cnpg_pg_replication_in_recovery', CNPG(2), '1 1 1 1 0 0 0 0'],
      ['cnpg_pg_replication_in_recovery', CNPG(3), '1x10'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPostgresReplicationLag',
    name: 'fires for a replica 45 s behind for 5 minutes',
    at: '8m',
    series: [
      ['cnpg_pg_replication_lag', CNPG(1), '0x10'],
      ['cnpg_pg_replication_lag', CNPG(2), '45x10'],
    ],
    fires: [{ namespace: NS, job: 'prefect-postgres-metrics', pod: 'prefect-postgres-2' }],
  },
  {
    alert: 'PrefectPostgresReplicationLag',
    name: 'stays silent at 10 s, and for a spike of 2 minutes',
    at: '8m',
    series: [
      ['cnpg_pg_replication_lag', CNPG(2), '10x10'],
      ['cnpg_pg_replication_lag', CNPG(3), '0 0 0 60 60 0 0 0 0 0'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPostgresReplicasMissing',
    name: 'fires when the primary streams to 1 of 2 replicas for 10 minutes',
    at: '15m',
    series: [
      ['cnpg_pg_replication_in_recovery', CNPG(1), '0x20'],
      ['cnpg_pg_replication_streaming_replicas', CNPG(1), '1x20'],
      ['cnpg_pg_replication_in_recovery', CNPG(2), '1x20'],
      ['cnpg_pg_replication_streaming_replicas', CNPG(2), '0x20'],
    ],
    fires: [CNPG_JOB],
  },
  {
    alert: 'PrefectPostgresReplicasMissing',
    name: 'stays silent with both replicas streaming (the replicas report 0 themselves)',
    at: '15m',
    series: [
      ['cnpg_pg_replication_in_recovery', CNPG(1), '0x20'],
      ['cnpg_pg_replication_streaming_replicas', CNPG(1), '2x20'],
      ['cnpg_pg_replication_in_recovery', CNPG(2), '1x20'],
      ['cnpg_pg_replication_streaming_replicas', CNPG(2), '0x20'],
    ],
    fires: [],
  },
  // Postgres
  {
    alert: 'PrefectPostgresDown',
    name: 'fires when postgres_exporter reports pg_up 0 for 2 minutes',
    at: '5m',
    series: [
      ['pg_up', PG, '0x10'],
      ['up', PG, '1x10'],
    ],
    fires: [PG],
  },
  {
    alert: 'PrefectPostgresDown',
    name: 'fires when Prometheus cannot scrape the exporter (up 0, no pg_up)',
    at: '5m',
    series: [['up', PG, '0x10']],
    fires: [PG],
  },
  {
    alert: 'PrefectPostgresDown',
    name: 'stays silent for a 1-minute blip',
    at: '5m',
    series: [
      ['pg_up', PG, '1 1 0 1 1 1 1 1'],
      ['up', PG, '1x10'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPostgresConnectionsNearLimit',
    name: 'fires at 90 of 97 usable connections (PostgreSQL 17: reserved_connections 0)',
    at: '10m',
    series: [
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'active' }, '50x15'],
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'idle' }, '40x15'],
      ['pg_settings_max_connections', PG, '100x15'],
      ['pg_settings_superuser_reserved_connections', PG, '3x15'],
      ['pg_settings_reserved_connections', PG, '0x15'],
    ],
    fires: [{ namespace: NS, job: 'prefect-postgres' }],
  },
  {
    alert: 'PrefectPostgresConnectionsNearLimit',
    name: 'fires on PostgreSQL < 16, which has no reserved_connections',
    at: '10m',
    series: [
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'active' }, '85x15'],
      ['pg_settings_max_connections', PG, '100x15'],
      ['pg_settings_superuser_reserved_connections', PG, '3x15'],
    ],
    fires: [{ namespace: NS, job: 'prefect-postgres' }],
  },
  {
    alert: 'PrefectPostgresConnectionsNearLimit',
    name: 'counts reserved_connections: 70 of 100 − 3 − 20 = 77 usable is above 80 %',
    at: '10m',
    series: [
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'active' }, '70x15'],
      ['pg_settings_max_connections', PG, '100x15'],
      ['pg_settings_superuser_reserved_connections', PG, '3x15'],
      ['pg_settings_reserved_connections', PG, '20x15'],
    ],
    fires: [{ namespace: NS, job: 'prefect-postgres' }],
  },
  {
    alert: 'PrefectPostgresConnectionsNearLimit',
    name: 'stays silent at 60 of 97',
    at: '10m',
    series: [
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'active' }, '60x15'],
      ['pg_settings_max_connections', PG, '100x15'],
      ['pg_settings_superuser_reserved_connections', PG, '3x15'],
      ['pg_settings_reserved_connections', PG, '0x15'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPostgresConnectionsNearLimit',
    name: 'stays silent when the peak lasted under 5 minutes',
    at: '10m',
    series: [
      ['pg_stat_activity_count', { ...PG, datname: 'prefect', state: 'active' }, '60 60 60 60 60 60 95 95 95 60 60 60'],
      ['pg_settings_max_connections', PG, '100x15'],
      ['pg_settings_superuser_reserved_connections', PG, '3x15'],
    ],
    fires: [],
  },
  // Database growth (default in-cluster volume 20Gi: PrefectDatabaseLarge at 80 % = 16 GiB)
  {
    alert: 'PrefectDatabaseLarge',
    name: "fires at 18 GiB of a 20 GiB volume for 30 minutes, for Prefect's database only",
    at: '60m',
    interval: '5m',
    series: [
      ['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${18 * GIB}x20`],
      ['pg_database_size_bytes', { ...PG, datname: 'postgres' }, `${18 * GIB}x20`],
    ],
    fires: [PREFECT_DB],
  },
  {
    alert: 'PrefectDatabaseLarge',
    name: 'stays silent before 30 minutes have passed',
    at: '20m',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${18 * GIB}x20`]],
    fires: [],
  },
  {
    alert: 'PrefectDatabaseLarge',
    name: 'stays silent at 10 GiB',
    at: '90m',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${10 * GIB}x20`]],
    fires: [],
  },
  {
    alert: 'PrefectDatabaseGrowingFast',
    name: 'fires when a 2 GiB database grows 1 GiB a day for 6 hours',
    at: '13h',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${2 * GIB}+${GIB_A_DAY}x400`]],
    fires: [PREFECT_DB],
  },
  {
    alert: 'PrefectDatabaseGrowingFast',
    name: 'stays silent before the growth lasted 6 hours',
    at: '5h',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${2 * GIB}+${GIB_A_DAY}x400`]],
    fires: [],
  },
  {
    alert: 'PrefectDatabaseGrowingFast',
    name: 'stays silent for a flat database',
    at: '13h',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${2 * GIB}x400`]],
    fires: [],
  },
  {
    alert: 'PrefectDatabaseGrowingFast',
    name: 'stays silent for a young database under 1 GiB, however fast it grows',
    at: '13h',
    interval: '5m',
    series: [['pg_database_size_bytes', { ...PG, datname: 'prefect' }, `${100 * 2 ** 20}+${GIB_A_DAY}x400`]],
    fires: [],
  },
  {
    alert: 'PrefectRetentionNotKeepingUp',
    name: 'fires when the log table grows steadily for days',
    at: '110h',
    interval: '5m',
    series: [...table('log', `${512 * 2 ** 20}+${TABLE_RATE}x1400`, 1400)],
    fires: [{ ...PREFECT_DB, relname: 'log' }],
  },
  {
    alert: 'PrefectRetentionNotKeepingUp',
    name: 'stays silent once the events table levelled off (retention deletes what is written)',
    at: '110h',
    interval: '5m',
    series: [...table('events', `${512 * 2 ** 20}+${TABLE_RATE}x576 ${512 * 2 ** 20 + 576 * TABLE_RATE}x824`, 1400)],
    fires: [],
  },
  {
    alert: 'PrefectRetentionNotKeepingUp',
    name: 'stays silent for a growing table it does not watch (flow_run)',
    at: '110h',
    interval: '5m',
    series: [...table('flow_run', `${512 * 2 ** 20}+${TABLE_RATE}x1400`, 1400)],
    fires: [],
  },
  // Redis
  {
    alert: 'PrefectRedisDown',
    name: 'fires when redis_up is 0 for 2 minutes',
    at: '5m',
    series: [
      ['redis_up', REDIS, '0x10'],
      ['up', REDIS, '1x10'],
    ],
    fires: [REDIS],
  },
  {
    alert: 'PrefectRedisDown',
    name: 'fires when the exporter cannot be scraped',
    at: '5m',
    series: [['up', REDIS, '0x10']],
    fires: [REDIS],
  },
  {
    alert: 'PrefectRedisDown',
    name: 'stays silent while Redis is up',
    at: '5m',
    series: [
      ['redis_up', REDIS, '1x10'],
      ['up', REDIS, '1x10'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectRedisMemoryNearLimit',
    name: 'fires at 95 % of maxmemory for 10 minutes',
    at: '15m',
    series: [
      ['redis_memory_used_bytes', REDIS, '950x20'],
      ['redis_memory_max_bytes', REDIS, '1000x20'],
    ],
    fires: [REDIS],
  },
  {
    alert: 'PrefectRedisMemoryNearLimit',
    name: 'stays silent without maxmemory (0 = unlimited)',
    at: '15m',
    series: [
      ['redis_memory_used_bytes', REDIS, '5000000000x20'],
      ['redis_memory_max_bytes', REDIS, '0x20'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectRedisMemoryNearLimit',
    name: 'stays silent at 50 %',
    at: '15m',
    series: [
      ['redis_memory_used_bytes', REDIS, '500x20'],
      ['redis_memory_max_bytes', REDIS, '1000x20'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectRedisRejectedConnections',
    name: 'fires when the rejected-connections counter rises',
    at: '6m',
    series: [['redis_rejected_connections_total', REDIS, '0 0 0 0 0 5 12 12 12 12']],
    fires: [REDIS],
  },
  {
    alert: 'PrefectRedisRejectedConnections',
    name: 'stays silent while the counter is flat (old rejections)',
    at: '6m',
    series: [['redis_rejected_connections_total', REDIS, '40x10']],
    fires: [],
  },
  // Background services
  {
    alert: 'PrefectStreamConsumerLagGrowing',
    name: "fires when a group's lag is above 1000 and growing for 15 minutes",
    at: '30m',
    series: [['redis_stream_group_lag', STREAM, '1000+100x40']],
    fires: [STREAM],
  },
  {
    alert: 'PrefectStreamConsumerLagGrowing',
    name: 'stays silent when the lag is high but shrinking',
    at: '30m',
    series: [['redis_stream_group_lag', STREAM, '9000-100x40']],
    fires: [],
  },
  {
    alert: 'PrefectStreamConsumerLagGrowing',
    name: 'stays silent when the lag grows below the threshold',
    at: '30m',
    series: [['redis_stream_group_lag', STREAM, '0+10x40']],
    fires: [],
  },
  {
    alert: 'PrefectStreamPendingGrowing',
    name: 'fires when unacknowledged messages exceed 1000 and keep growing',
    at: '30m',
    series: [['redis_stream_group_messages_pending', STREAM, '1200+50x40']],
    fires: [STREAM],
  },
  {
    alert: 'PrefectStreamPendingGrowing',
    name: 'stays silent for a high but constant pending count',
    at: '30m',
    series: [['redis_stream_group_messages_pending', STREAM, '5000x40']],
    fires: [],
  },
  {
    alert: 'PrefectBackgroundServicesUnavailable',
    name: 'fires when no background replica is available for 5 minutes',
    at: '8m',
    series: [
      ['kube_deployment_status_replicas_available', BG, '0x10'],
      ['kube_deployment_spec_replicas', BG, '1x10'],
    ],
    fires: [BG],
  },
  {
    alert: 'PrefectBackgroundServicesUnavailable',
    name: 'stays silent when scaled to 0 on purpose',
    at: '8m',
    series: [
      ['kube_deployment_status_replicas_available', BG, '0x10'],
      ['kube_deployment_spec_replicas', BG, '0x10'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectBackgroundServicesUnavailable',
    name: 'stays silent while the replica is available',
    at: '8m',
    series: [
      ['kube_deployment_status_replicas_available', BG, '1x10'],
      ['kube_deployment_spec_replicas', BG, '1x10'],
    ],
    fires: [],
  },
  // API
  {
    alert: 'PrefectApiHighLatency',
    name: 'fires when p95 through the ingress is above 1 s for 10 minutes',
    at: '20m',
    series: buckets({ ...ING, status: '200' }, { '0.5': 10, '1': 20, '2.5': 100, '+Inf': 100 }),
    fires: [{}],
  },
  {
    alert: 'PrefectApiHighLatency',
    name: 'stays silent when requests are fast, however long websocket upgrades (101) last',
    at: '20m',
    series: [
      ...buckets({ ...ING, status: '200' }, { '0.5': 100, '1': 100, '2.5': 100, '+Inf': 100 }),
      ...buckets({ ...ING, status: '101' }, { '0.5': 0, '1': 0, '2.5': 0, '+Inf': 50 }),
    ],
    fires: [],
  },
  {
    alert: 'PrefectApiHighLatency',
    name: 'stays silent for another Service behind the same controller',
    at: '20m',
    series: buckets({ ...ING, exported_service: 'other-app', status: '200' }, { '0.5': 10, '1': 20, '2.5': 100, '+Inf': 100 }),
    fires: [],
  },
  {
    alert: 'PrefectApiHighErrorRate',
    name: 'fires at 10 % 5xx with 5 requests/s',
    at: '12m',
    series: [
      ['nginx_ingress_controller_requests', { ...ING, status: '200' }, '0+270x20'],
      ['nginx_ingress_controller_requests', { ...ING, status: '503' }, '0+30x20'],
    ],
    fires: [{}],
  },
  {
    alert: 'PrefectApiHighErrorRate',
    name: 'stays silent at 1 % 5xx',
    at: '12m',
    series: [
      ['nginx_ingress_controller_requests', { ...ING, status: '200' }, '0+297x20'],
      ['nginx_ingress_controller_requests', { ...ING, status: '500' }, '0+3x20'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectApiHighErrorRate',
    name: 'stays silent at low traffic (1 request/min, half of them 5xx)',
    at: '12m',
    series: [
      ['nginx_ingress_controller_requests', { ...ING, status: '200' }, '0+1x20'],
      ['nginx_ingress_controller_requests', { ...ING, status: '500' }, '0+1x20'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectApiReplicasBelowDesired',
    name: 'fires with 2 of 3 replicas available for 10 minutes',
    at: '15m',
    series: [
      ['kube_deployment_status_replicas_available', API, '2x20'],
      ['kube_deployment_spec_replicas', API, '3x20'],
    ],
    // A comparison matched `on (namespace, deployment)` keeps only those labels.
    fires: [{ namespace: NS, deployment: 'prefect-api' }],
  },
  {
    alert: 'PrefectApiReplicasBelowDesired',
    name: 'stays silent during a short rollout dip',
    at: '15m',
    series: [
      ['kube_deployment_status_replicas_available', API, '3 3 3 3 3 3 3 3 2 2 3 3 3 3 3 3 3 3'],
      ['kube_deployment_spec_replicas', API, '3x20'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectPodsRestarting',
    name: 'fires at 3 restarts of a stack container within 30 minutes',
    at: '20m',
    series: [
      ['kube_pod_container_status_restarts_total', { ...KSM, pod: 'prefect-api-7d9c-x2x', container: 'api' }, '0 0 0 0 0 1 1 1 2 2 2 3 3 3 4 4 4 4 4 4 4 4'],
    ],
    fires: [{ ...KSM, pod: 'prefect-api-7d9c-x2x', container: 'api' }],
  },
  {
    alert: 'PrefectPodsRestarting',
    name: 'stays silent for one restart, and for pods of other apps',
    at: '20m',
    series: [
      ['kube_pod_container_status_restarts_total', { ...KSM, pod: 'prefect-api-7d9c-x2x', container: 'api' }, '0 0 0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1'],
      ['kube_pod_container_status_restarts_total', { ...KSM, pod: 'other-app-5f-abc', container: 'app' }, '0+1x22'],
    ],
    fires: [],
  },
  // Backups (promtool's clock starts at the Unix epoch: times are seconds from 0)
  {
    alert: 'PrefectBackupTooOld',
    name: 'fires when the last success is more than 26 hours old',
    at: '20m',
    series: [
      ['kube_cronjob_status_last_successful_time', CRON, '-100000x30'],
      ['kube_cronjob_created', CRON, '-900000x30'],
    ],
    fires: [CRON],
  },
  {
    alert: 'PrefectBackupTooOld',
    name: 'fires when a CronJob created 27 hours ago never succeeded',
    at: '20m',
    series: [['kube_cronjob_created', CRON, '-97200x30']],
    fires: [CRON],
  },
  {
    alert: 'PrefectBackupTooOld',
    name: 'stays silent after a success 2 hours ago',
    at: '20m',
    series: [
      ['kube_cronjob_status_last_successful_time', CRON, '-7200x30'],
      ['kube_cronjob_created', CRON, '-900000x30'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectBackupTooOld',
    name: 'stays silent for a new CronJob that has not run yet',
    at: '20m',
    series: [['kube_cronjob_created', CRON, '0x30']],
    fires: [],
  },
  {
    alert: 'PrefectBackupJobFailed',
    name: 'fires when the last scheduled run is newer than the last success and nothing runs',
    at: '10m',
    series: [
      ['kube_cronjob_status_last_schedule_time', CRON, '1000x15'],
      ['kube_cronjob_status_last_successful_time', CRON, '-80000x15'],
      ['kube_cronjob_status_active', CRON, '0x15'],
    ],
    fires: [{ namespace: NS, cronjob: 'prefect-postgres-backup' }],
  },
  {
    alert: 'PrefectBackupJobFailed',
    name: 'fires when the first run ever failed',
    at: '10m',
    series: [
      ['kube_cronjob_status_last_schedule_time', CRON, '1000x15'],
      ['kube_cronjob_status_active', CRON, '0x15'],
    ],
    fires: [CRON],
  },
  {
    alert: 'PrefectBackupJobFailed',
    name: 'stays silent while the run is still active',
    at: '10m',
    series: [
      ['kube_cronjob_status_last_schedule_time', CRON, '1000x15'],
      ['kube_cronjob_status_last_successful_time', CRON, '-80000x15'],
      ['kube_cronjob_status_active', CRON, '1x15'],
    ],
    fires: [],
  },
  {
    alert: 'PrefectBackupJobFailed',
    name: 'stays silent when the last run succeeded',
    at: '10m',
    series: [
      ['kube_cronjob_status_last_schedule_time', CRON, '1000x15'],
      ['kube_cronjob_status_last_successful_time', CRON, '1300x15'],
      ['kube_cronjob_status_active', CRON, '0x15'],
    ],
    fires: [],
  },
];

/** `name{a="b",…}` in promtool's series syntax. */
export function seriesSelector(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}
