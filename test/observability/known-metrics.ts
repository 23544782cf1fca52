/**
 * Metric names the rules and dashboards may use, per producer, each with where it is documented or defined.
 * Written from the producers' sources and docs, not from the stack's output: a metric typed wrong in a rule or a
 * panel (or one a producer does not have) fails the metric-name test.
 */
export interface MetricSource {
  /** Who exposes the metrics, at which version. */
  readonly producer: string;
  /** Where the names are defined or documented. */
  readonly source: string;
  readonly metrics: string[];
}

export const KNOWN_METRICS: MetricSource[] = [
  {
    producer: 'Prometheus itself (every scrape target)',
    source: 'prometheus.io/docs/concepts/jobs_instances ("Automatically generated labels and time series": up)',
    metrics: ['up'],
  },
  {
    producer: 'postgres_exporter v0.18.1 (quay.io/prometheuscommunity/postgres-exporter, the data tier sidecar)',
    source:
      'prometheus-community/postgres_exporter: cmd/postgres_exporter (pg_up); collector/pg_stat_activity.go (pg_stat_activity_count); ' +
      'collector/pg_setting.go (pg_settings_<name> for every numeric pg_settings row: max_connections, superuser_reserved_connections, ' +
      'reserved_connections on PostgreSQL 16+); collector/pg_stat_database.go (pg_stat_database_xact_commit, _xact_rollback); ' +
      'collector/pg_database.go (pg_database_size_bytes{datname}, every database of the server, collector `database` on by default); ' +
      'collector/pg_stat_user_tables.go (pg_stat_user_tables_table_size_bytes = pg_table_size, _index_size_bytes = pg_indexes_size, ' +
      '_n_dead_tup, labels datname/schemaname/relname, collector `stat_user_tables` on by default; only the tables of the database ' +
      'the exporter connects to, hence DATA_SOURCE_URI …/<Prefect database>; the two sizes come from PR #1149, ' +
      'CHANGELOG 0.18.0)',
    metrics: [
      'pg_up',
      'pg_stat_activity_count',
      'pg_settings_max_connections',
      'pg_settings_superuser_reserved_connections',
      'pg_settings_reserved_connections',
      'pg_stat_database_xact_commit',
      'pg_stat_database_xact_rollback',
      'pg_database_size_bytes',
      'pg_stat_user_tables_table_size_bytes',
      'pg_stat_user_tables_index_size_bytes',
      'pg_stat_user_tables_n_dead_tup',
    ],
  },
  {
    producer: "CloudNativePG v1.30.0 instance manager (each instance's metrics port 9187, the CloudNativePG mode)",
    source:
      'cloudnative-pg/cloudnative-pg v1.30.0: pkg/management/postgres/webserver/metricserver/pg_collector.go (namespace cnpg, ' +
      'subsystem collector: cnpg_collector_up{cluster}); config/manager/default-monitoring.yaml (the default queries, prefixed cnpg_: ' +
      'pg_replication → cnpg_pg_replication_lag, _in_recovery, _is_wal_receiver_up, _streaming_replicas)',
    metrics: ['cnpg_collector_up', 'cnpg_pg_replication_lag', 'cnpg_pg_replication_in_recovery', 'cnpg_pg_replication_streaming_replicas'],
  },
  {
    producer: 'redis_exporter v1.80.0 (oliver006/redis_exporter, the data tier sidecar, run with --check-streams)',
    source:
      'oliver006/redis_exporter: exporter/exporter.go metricMapGauges/metricMapCounters (redis_up, memory_used_bytes ← used_memory, ' +
      'memory_max_bytes ← maxmemory, connected_clients, rejected_connections_total, commands_processed_total, config_maxclients); ' +
      'exporter/streams.go (stream_length, stream_group_lag, stream_group_messages_pending)',
    metrics: [
      'redis_up',
      'redis_memory_used_bytes',
      'redis_memory_max_bytes',
      'redis_connected_clients',
      'redis_config_maxclients',
      'redis_rejected_connections_total',
      'redis_commands_processed_total',
      'redis_stream_length',
      'redis_stream_group_lag',
      'redis_stream_group_messages_pending',
    ],
  },
  {
    producer: 'kube-state-metrics v2 (kube-prometheus-stack dependency; bundled mode: add it with additionalScrapeConfigs)',
    source: 'kubernetes/kube-state-metrics docs/metrics/workload/deployment-metrics.md, pod-metrics.md, cronjob-metrics.md',
    metrics: [
      'kube_deployment_status_replicas_available',
      'kube_deployment_spec_replicas',
      'kube_pod_container_status_restarts_total',
      'kube_cronjob_status_last_successful_time',
      'kube_cronjob_status_last_schedule_time',
      'kube_cronjob_status_active',
      'kube_cronjob_created',
    ],
  },
  {
    producer: "ingress-nginx controller (the edge; scraped by the cluster's monitoring)",
    source:
      'kubernetes/ingress-nginx docs/user-guide/monitoring.md "Request metrics" (nginx_ingress_controller_requests, ' +
      'nginx_ingress_controller_request_duration_seconds histogram)',
    metrics: ['nginx_ingress_controller_requests', 'nginx_ingress_controller_request_duration_seconds_bucket'],
  },
  {
    producer: 'Prefect 3.9.1 API /api/metrics (prometheus_client registry: process and Python collectors, Prefect client counters)',
    source:
      'measured 2026-11-29: `prefect server start --no-services` 3.9.1 with PREFECT_SERVER_METRICS_ENABLED=true, `curl /api/metrics` ' +
      '(# TYPE lines: python_gc_*, python_info, process_*, prefect_events_*, prefect_logs_observed_total, prefect_worker_channel_*); ' +
      'prometheus/client_python prometheus_client/process_collector.py',
    metrics: ['process_resident_memory_bytes', 'process_cpu_seconds_total'],
  },
  {
    producer: 'PrefectHQ/prometheus-prefect-exporter 1.6.0',
    source: 'PrefectHQ/prometheus-prefect-exporter metrics/metrics.py (GaugeMetricFamily names)',
    metrics: [
      'prefect_info_flow_runs',
      'prefect_info_work_queues',
      'prefect_info_work_pools',
      'prefect_deployments_total',
      'prefect_flows_total',
      'prefect_work_pools_total',
      'prefect_work_queues_total',
    ],
  },
];

/** Every known name → its producer. */
export function knownMetricNames(): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of KNOWN_METRICS) for (const n of s.metrics) m.set(n, s.producer);
  return m;
}
