import type { ResolvedAlertRulesOptions } from '../resolve';
import { DB_GROWTH, DB_SIZE, GIB, TABLE_BYTES, gib, promSelector } from '../promql';
import { AlertRule, AlertRuleGroup, AlertRulesContext, pct, ruleFactory } from './rule';

/** Seconds a replica may trail the primary's last replayed transaction before it is a poor failover target. */
const REPLICATION_LAG_SECONDS = 30;

/**
 * The CloudNativePG mode's instances (the operator's own metrics, `cnpg_*`): one instance down, no primary, a replica
 * lagging, fewer streaming replicas than configured.
 */
export function cloudNativePgRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  if (!ctx.cloudNativePg) return [];
  const rule = ruleFactory(opts);
  const s = promSelector({ namespace: ctx.namespace, job: ctx.cloudNativePg.job });
  const replicas = ctx.cloudNativePg.instances - 1;
  return [
    {
      name: `${ctx.instance}.postgres-cluster`,
      rules: [
        rule({
          alert: 'PrefectPostgresInstanceDown',
          severity: 'warning',
          expr: `cnpg_collector_up${s} == 0 or up${s} == 0`,
          for: '2m',
          summary: 'PostgreSQL instance {{ $labels.pod }} of {{ $labels.namespace }} is down',
          description:
            'The instance manager of {{ $labels.pod }} reports PostgreSQL down, or Prometheus cannot scrape it, for 2 minutes. The cluster serves from the other instances (the operator promotes a replica if this was the primary), but it has one standby fewer.',
          runbook:
            '`kubectl -n NS get cluster INSTANCE-postgres` (phase, ready instances, current primary) and `kubectl -n NS get pod -l cnpg.io/cluster=INSTANCE-postgres -o wide`; the operator log (`kubectl -n cnpg-system logs deploy/cnpg-controller-manager`) says why it cannot start or rejoin the instance (a full volume, a node that is gone: then delete its claim so the operator recreates the instance elsewhere).',
        }),
        rule({
          alert: 'PrefectPostgresNoPrimary',
          severity: 'critical',
          // in_recovery is 0 on the primary only; a failover leaves no primary for seconds, not a minute.
          expr: `sum by (namespace, job) (cnpg_pg_replication_in_recovery${s} == bool 0) == 0`,
          for: '1m',
          summary: 'The PostgreSQL cluster of {{ $labels.namespace }} has no primary',
          description:
            'No instance has been the primary for a minute: the -rw Service has no endpoint, Prefect cannot write (the API answers 503 on /api/ready) and flow runs cannot change state.',
          runbook:
            '`kubectl -n NS get cluster INSTANCE-postgres -o yaml` (status.phase, phaseReason, currentPrimary, targetPrimary); the operator log tells why it does not promote a replica (no replica ready, a failover delay, a fenced instance). `kubectl cnpg status INSTANCE-postgres -n NS` if the plugin is installed.',
        }),
        rule({
          alert: 'PrefectPostgresReplicationLag',
          severity: 'warning',
          expr: `max by (namespace, job, pod) (cnpg_pg_replication_lag${s}) > ${REPLICATION_LAG_SECONDS}`,
          for: '5m',
          summary: 'PostgreSQL replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind the primary',
          description: `The replica has trailed the primary by more than ${REPLICATION_LAG_SECONDS} s for 5 minutes: a failover to it now would lose the writes it has not replayed (replication is asynchronous).`,
          runbook:
            "Lag grows when the replica cannot keep up (CPU or disk of its node, a long query on it holding back replay) or its WAL receiver is down (`cnpg_pg_replication_is_wal_receiver_up`). Check the pod's node and the postgres log of the replica; a replica far behind can be recreated by deleting its pod and claim (the operator clones it again from the primary).",
        }),
        ...(replicas > 0
          ? [
              rule({
                alert: 'PrefectPostgresReplicasMissing',
                severity: 'warning',
                // streaming_replicas is the primary's count of connected standbys
                expr: `max by (namespace, job) (cnpg_pg_replication_streaming_replicas${s} and on (pod) cnpg_pg_replication_in_recovery${s} == 0) < ${replicas}`,
                for: '10m',
                summary: 'The PostgreSQL primary of {{ $labels.namespace }} streams to {{ $value }} of ${replicas} replicas',
                description: `For 10 minutes fewer than the ${replicas} configured replicas have been streaming from the primary: a failover has fewer (or no) standbys to promote.`,
                runbook:
                  "`kubectl -n NS get pod -l cnpg.io/cluster=INSTANCE-postgres -o wide`: a Pending instance usually means no node satisfies the required spread (one instance per node) or its claim's node is gone; the operator log says which. With `database.cloudNativePG.spread: preferred` instances may share nodes.",
              }),
            ]
          : []),
      ],
    },
  ];
}

/** PostgreSQL's availability and connections, and the Prefect database's growth (with an in-cluster server). */
export function postgresRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  const ns = ctx.namespace;
  const rule = ruleFactory(opts);
  const groups: AlertRuleGroup[] = [];
  if (ctx.postgresJob) {
    const s = promSelector({ namespace: ns, job: ctx.postgresJob });
    groups.push({
      name: `${ctx.instance}.postgres`,
      rules: [
        rule({
          alert: 'PrefectPostgresDown',
          severity: 'critical',
          // pg_up is 0 when the exporter cannot reach the server; up is 0 when Prometheus cannot reach the exporter.
          expr: `pg_up${s} == 0 or up${s} == 0`,
          for: '2m',
          summary: 'PostgreSQL of {{ $labels.namespace }} is down',
          description:
            'postgres_exporter on {{ $labels.pod }} cannot reach PostgreSQL, or Prometheus cannot reach the exporter, for 2 minutes. The Prefect API answers 503 on /api/ready and flow runs cannot change state.',
          runbook:
            '`kubectl -n NS get pod -l app.kubernetes.io/component=postgres`; read the postgres container log (`kubectl logs … -c postgres`) for crash or disk-full messages; check the PersistentVolumeClaim is Bound and has space (`df` in the pod). If only the exporter is down (`up == 0`, `pg_up` absent) read the exporter container log.',
        }),
        rule({
          alert: 'PrefectPostgresConnectionsNearLimit',
          severity: 'warning',
          // Usable connections are max_connections minus those reserved for superusers (and, PostgreSQL 16+,
          // for roles with pg_use_reserved_connections); reserved_connections is absent before 16: count it as 0.
          expr: `sum by (namespace, job) (pg_stat_activity_count${s})\n/ on (namespace, job)\nmax by (namespace, job) (\n  pg_settings_max_connections${s}\n  - pg_settings_superuser_reserved_connections${s}\n  - (pg_settings_reserved_connections${s} or pg_settings_max_connections${s} * 0)\n)\n> ${opts.postgresConnectionsRatio}`,
          for: '5m',
          summary: 'PostgreSQL connections of {{ $labels.namespace }} are {{ $value | humanizePercentage }} of the usable limit',
          description: `More than ${pct(opts.postgresConnectionsRatio)} of max_connections (minus reserved connections) are open for 5 minutes. New Prefect pods (a rollout's surge, the autoscaler) will fail with "too many clients".`,
          runbook:
            'Compare API replicas × processes × (pool size + max overflow) + background services with `max_connections` (the data tier sizes it from `api.replicas`/`api.autoscaling.maxReplicas` and `prefect.databasePool`). Either lower `prefect.databasePool` or raise `max_connections` in the Postgres settings and restart Postgres. `SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3` shows who holds them; many `idle in transaction` rows point at a stuck client.',
        }),
      ],
    });
  }
  if (ctx.postgresJob && ctx.database) {
    // postgres_exporter's `database` collector sizes every database of the server; its `stat_user_tables`
    // collector (both on by default) reports the tables of the database it connects to, which is Prefect's.
    const s = promSelector({ namespace: ns, job: ctx.postgresJob });
    const db = promSelector({ namespace: ns, job: ctx.postgresJob, datname: ctx.database });
    // Tables whose rows prefect.retention deletes: events (eventsDays), and logs with their flow runs (flowRunsDays).
    const bounded = promSelector({ namespace: ns, job: ctx.postgresJob, relname: 'events|event_resources|log' }, { relname: '=~' });
    const rules: AlertRule[] = [];
    if (ctx.databaseVolumeBytes !== undefined) {
      const threshold = Math.floor(ctx.databaseVolumeBytes * opts.databaseSizeRatio);
      rules.push(
        rule({
          alert: 'PrefectDatabaseLarge',
          severity: 'warning',
          expr: `${DB_SIZE}${s} > ${threshold}`,
          for: '30m',
          summary: `Prefect database {{ $labels.datname }} is {{ $value | humanize1024 }}B, over ${pct(opts.databaseSizeRatio)} of its volume`,
          description: `The Prefect database has been larger than ${pct(opts.databaseSizeRatio)} of the ${gib(ctx.databaseVolumeBytes)} PostgreSQL volume (${gib(threshold)}) for 30 minutes. When the volume fills, PostgreSQL stops accepting writes and Prefect stops.`,
          runbook: `The PostgreSQL dashboard's "Largest tables" panel (recording rule \`${TABLE_BYTES}\`) shows what grows: \`events\`/\`event_resources\` are bounded by \`prefect.retention.eventsDays\`, \`log\` and \`flow_run\` by \`prefect.retention.flowRunsDays\`; lower them (the vacuum service deletes the excess within hours; VACUUM makes the space reusable but does not shrink the files). Or grow \`database.inCluster.storage.size\`: if the StorageClass allows volume expansion, edit the claim \`data-INSTANCE-postgres-0\` (the StatefulSet's template cannot change), then set the same size in the configuration.`,
        }),
      );
    }
    rules.push(
      rule({
        alert: 'PrefectDatabaseGrowingFast',
        severity: 'warning',
        // Under 1 GiB a young server grows by large fractions every day; that is no sign of trouble.
        expr: `${DB_GROWTH}${s} > ${opts.databaseGrowthPerDayRatio} * ${DB_SIZE}${s}\nand\n${DB_SIZE}${s} > ${GIB}`,
        for: '6h',
        summary: 'Prefect database {{ $labels.datname }} grows {{ $value | humanize1024 }}B a day',
        description: `For 6 hours the Prefect database has grown faster than ${pct(opts.databaseGrowthPerDayRatio)} of its size a day (the slope over the last 6 hours). Under prefect.retention it should level off; at this rate it fills its volume within days.`,
        runbook: `Find the growing tables on the PostgreSQL dashboard ("Largest tables", \`${TABLE_BYTES}\`). A flood of events (often flow-run heartbeats, or a runaway automation) grows \`events\`/\`event_resources\`; many short flow runs grow \`flow_run\`, \`task_run\` and \`log\`. Check the background services log for the database vacuum (\`db_vacuum\`) deleting rows each \`prefect.retention.vacuumIntervalSeconds\`; shorten \`prefect.retention\` or reduce what flows log. Expected on a new server until its retention windows fill.`,
      }),
      rule({
        alert: 'PrefectRetentionNotKeepingUp',
        severity: 'warning',
        // The table is a quarter bigger than 3 days ago and still growing over the last day.
        expr: `${TABLE_BYTES}${bounded} > ${opts.retentionTableGrowthRatio} * (${TABLE_BYTES}${bounded} offset 3d)\nand\nderiv(${TABLE_BYTES}${bounded}[1d]) > 0\nand\n${TABLE_BYTES}${bounded} > ${256 * 2 ** 20}`,
        for: '6h',
        summary: 'Prefect table {{ $labels.relname }} keeps growing ({{ $value | humanize1024 }}B)',
        description: `The table, whose rows prefect.retention deletes, is more than ${Math.round((opts.retentionTableGrowthRatio - 1) * 100)} % bigger than 3 days ago and still growing: the database vacuum deletes less than Prefect writes, or does not run.`,
        runbook:
          'Check the background services pod runs the vacuum: `kubectl logs deploy/INSTANCE-background-services | grep -i vacuum` (PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED lists `events` and, with `prefect.retention.flowRuns`, `flow_runs`). Errors there (lock timeouts, statement timeouts) stop deletion; a vacuum that runs but falls behind needs a larger `prefect.retention.vacuumBatchSize` or a shorter `vacuumIntervalSeconds`. Dead rows on the PostgreSQL dashboard that never fall mean autovacuum cannot keep up either. On a new server the tables grow until their retention window (eventsDays, flowRunsDays) is full: expected then.',
      }),
    );
    groups.push({
      name: `${ctx.instance}.database-growth`,
      records: [
        // One series per database whatever the pod: a restarted exporter pod must not break the slopes.
        { record: DB_SIZE, expr: `max by (namespace, job, datname) (pg_database_size_bytes${db})` },
        { record: DB_GROWTH, expr: `deriv(${DB_SIZE}${s}[6h]) * 86400` },
        // Table plus its indexes (table_size_bytes already counts TOAST, where events' payloads live).
        {
          record: TABLE_BYTES,
          expr: `max by (namespace, job, datname, relname) (\n  pg_stat_user_tables_table_size_bytes${db}\n  + pg_stat_user_tables_index_size_bytes${db}\n)`,
        },
      ],
      rules,
    });
  }
  return groups;
}
