import { checkInt, fail } from '../common/validate';

/** Thresholds of the alerts (the `monitoring.rules:` section). */
export interface AlertRulesOptions {
  /**
   * Emit the PrometheusRule (and load the same groups into the bundled Prometheus).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Fraction of the usable Postgres connections (`max_connections` − reserved) in use that raises an alert.
   * @default 0.8 - leaves room for a rollout's surge pods, whose pools open before the old pods' close
   */
  readonly postgresConnectionsRatio?: number;
  /**
   * Fraction of Redis `maxmemory` in use that raises an alert (silent when `maxmemory` is 0, i.e. unlimited).
   * @default 0.9 - past it Redis evicts or refuses writes, depending on its policy
   */
  readonly redisMemoryRatio?: number;
  /**
   * Entries of a Prefect Redis stream not yet delivered to (lag) or not yet acknowledged by (pending) a consumer
   * group that raise an alert when the backlog keeps growing.
   * @default 1000 - a few minutes of events of a busy server; a healthy consumer drains it within seconds
   */
  readonly streamBacklog?: number;
  /**
   * 95th percentile of API request duration through the ingress, in seconds, that raises an alert.
   * @default 1 - the UI's list pages answer in well under a second on a healthy database
   */
  readonly apiLatencySeconds?: number;
  /**
   * Fraction of API requests answered with 5xx through the ingress that raises an alert.
   * @default 0.05
   */
  readonly apiErrorRatio?: number;
  /**
   * Container restarts of one stack pod within 30 minutes that raise an alert.
   * @default 3 - one restart is a blip (node drain, OOM once); three is a crash loop
   */
  readonly podRestarts?: number;
  /**
   * Hours without a successful backup before the alert.
   * @default 26 - a daily backup plus two hours of slack for a slow run
   */
  readonly backupMaxAgeHours?: number;
  /**
   * Fraction of the in-cluster PostgreSQL volume (`database.inCluster.storage.size`) the Prefect database may fill
   * before PrefectDatabaseLarge fires; the threshold in bytes is computed at synth time from the claim's size. With
   * an external database the stack runs no postgres_exporter and emits no database-growth rules: watch the managed
   * service's own storage metrics.
   * @default 0.8 - the rest of the volume holds WAL, VACUUM's and index builds' temporary copies, and the days it
   * takes to grow the claim or shorten `prefect.retention`
   */
  readonly databaseSizeRatio?: number;
  /**
   * Growth of the Prefect database per day, as a fraction of its size, that raises PrefectDatabaseGrowingFast when
   * it lasts 6 hours (databases under 1 GiB are left alone: young servers always grow fast).
   * @default 0.2 - with `prefect.retention` on, the database levels off once the retention windows fill; 20 % a day
   * doubles it in under 4 days
   */
  readonly databaseGrowthPerDayRatio?: number;
  /**
   * Growth over 3 days of a table that `prefect.retention` bounds (`events`, `event_resources`, `log`) that raises
   * PrefectRetentionNotKeepingUp while the table is still growing (tables under 256 MiB are left alone).
   * @default 1.25 - a table under retention stops growing once its oldest rows age out as fast as new ones come;
   * a quarter more within 3 days means the vacuum deletes much less than is written
   */
  readonly retentionTableGrowthRatio?: number;
  /**
   * Base of the `runbook_url` annotation; each alert appends `#<alert name in lower case>`.
   * @default "https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/README.md" - the Alerts section of the README
   */
  readonly runbookBaseUrl?: string;
  /**
   * Extra labels on every alert, e.g. `{ team: data-platform }` for Alertmanager routing.
   * @default - none
   */
  readonly labels?: { [name: string]: string };
}

/** One alerting rule, as in a Prometheus rule file; `runbook` is the README text for it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: { summary: string; description: string; runbook_url: string };
  /** What to do, for the README's alert table (not emitted into the rule). */
  readonly runbook: string;
}

/** A recording rule: a series precomputed for the alerts of its group (and for ad-hoc queries). */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** A rule group: the unit of a PrometheusRule's `spec.groups` and of a Prometheus rule file. */
export interface AlertRuleGroup {
  readonly name: string;
  readonly interval?: string;
  /** Recording rules, evaluated before the alerts of the group (which may use them). */
  readonly records?: RecordingRule[];
  readonly rules: AlertRule[];
}

/** What the rules watch: names of the objects the stack emitted, resolved by the constructs. */
export interface AlertRulesContext {
  readonly instance: string;
  readonly namespace: string;
  /** The API Deployment (and the ingress backend Service). */
  readonly apiDeployment: string;
  readonly apiService: string;
  /** The background-services Deployment. */
  readonly backgroundDeployment: string;
  /** Scrape job of postgres_exporter (= its Service name); absent without an in-cluster Postgres. */
  readonly postgresJob?: string;
  /** Prefect's database (from the stack's database handle): the database-growth rules watch it. */
  readonly database?: string;
  /** Bytes of the in-cluster PostgreSQL data volume: PrefectDatabaseLarge fires at `databaseSizeRatio` of it. */
  readonly databaseVolumeBytes?: number;
  /** Scrape job of redis_exporter (= its Service name); absent without an in-cluster Redis. */
  readonly redisJob?: string;
  /** The backup CronJob; absent without backups. */
  readonly backupCronJob?: string;
  /** Label names of ingress-nginx's metrics that carry the backend's namespace and Service; absent: no ingress rules. */
  readonly ingress?: { readonly namespaceLabel: string; readonly serviceLabel: string };
}

/** Rule thresholds with defaults applied. */
export interface ResolvedAlertRulesOptions {
  readonly enabled: boolean;
  readonly postgresConnectionsRatio: number;
  readonly redisMemoryRatio: number;
  readonly streamBacklog: number;
  readonly apiLatencySeconds: number;
  readonly apiErrorRatio: number;
  readonly podRestarts: number;
  readonly backupMaxAgeHours: number;
  readonly databaseSizeRatio: number;
  readonly databaseGrowthPerDayRatio: number;
  readonly retentionTableGrowthRatio: number;
  readonly runbookBaseUrl: string;
  readonly labels: Record<string, string>;
}

function checkRatio(field: string, v: number): number {
  if (typeof v === 'number' && v > 0 && v < 1) return v;
  return fail(field, `${JSON.stringify(v)} is not a fraction between 0 and 1`, 'write e.g. 0.8 for 80 %');
}

function checkPositive(field: string, v: number): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  return fail(field, `${JSON.stringify(v)} is not a positive number`, 'write a number above 0');
}

function checkGrowth(field: string, v: number): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 1) return v;
  return fail(field, `${JSON.stringify(v)} is not a growth factor above 1`, 'write e.g. 1.25 for a quarter more');
}

/** Applies the defaults of `monitoring.rules` once and checks every value. */
export function resolveAlertRulesOptions(o: AlertRulesOptions = {}): ResolvedAlertRulesOptions {
  const labels = o.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) fail(`monitoring.rules.labels.${k}`, 'is not a Prometheus label name', 'use letters, digits and _ (not starting with a digit)');
    if (['severity', 'alertname', 'namespace'].includes(k)) fail(`monitoring.rules.labels.${k}`, 'is set by the rules themselves', 'choose another label name');
    if (typeof v !== 'string') fail(`monitoring.rules.labels.${k}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
  }
  const runbookBaseUrl = o.runbookBaseUrl ?? 'https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/README.md';
  if (!/^https?:\/\/\S+$/.test(runbookBaseUrl) || runbookBaseUrl.includes('#')) {
    fail('monitoring.rules.runbookBaseUrl', `"${runbookBaseUrl}" is not an http(s) URL without a fragment`, 'give the URL of the page holding the runbooks; the alert name is appended as #fragment');
  }
  return {
    enabled: o.enabled ?? true,
    postgresConnectionsRatio: checkRatio('monitoring.rules.postgresConnectionsRatio', o.postgresConnectionsRatio ?? 0.8),
    redisMemoryRatio: checkRatio('monitoring.rules.redisMemoryRatio', o.redisMemoryRatio ?? 0.9),
    streamBacklog: checkInt('monitoring.rules.streamBacklog', o.streamBacklog ?? 1000, 1),
    apiLatencySeconds: checkPositive('monitoring.rules.apiLatencySeconds', o.apiLatencySeconds ?? 1),
    apiErrorRatio: checkRatio('monitoring.rules.apiErrorRatio', o.apiErrorRatio ?? 0.05),
    podRestarts: checkInt('monitoring.rules.podRestarts', o.podRestarts ?? 3, 1),
    backupMaxAgeHours: checkInt('monitoring.rules.backupMaxAgeHours', o.backupMaxAgeHours ?? 26, 1),
    databaseSizeRatio: checkRatio('monitoring.rules.databaseSizeRatio', o.databaseSizeRatio ?? 0.8),
    databaseGrowthPerDayRatio: checkPositive('monitoring.rules.databaseGrowthPerDayRatio', o.databaseGrowthPerDayRatio ?? 0.2),
    retentionTableGrowthRatio: checkGrowth('monitoring.rules.retentionTableGrowthRatio', o.retentionTableGrowthRatio ?? 1.25),
    runbookBaseUrl,
    labels,
  };
}

/** Series the database-growth group records (level:metric form; the labels tell stacks apart). */
export const DB_SIZE = 'prefect:pg_database_size_bytes';
export const DB_GROWTH = 'prefect:pg_database_growth_bytes_per_day';
export const TABLE_BYTES = 'prefect:pg_table_total_bytes';
const GIB = 2 ** 30;

/** `20 GiB`, `1.5 GiB`: sizes in the alerts' text. */
function gib(bytes: number): string {
  return `${Number((bytes / GIB).toFixed(1))} GiB`;
}

/** `{a="b",c="d"}` from pairs; values are escaped as PromQL strings. */
export function promSelector(matchers: Record<string, string>, op: Record<string, string> = {}): string {
  return `{${Object.entries(matchers).map(([k, v]) => `${k}${op[k] ?? '='}${JSON.stringify(v)}`).join(',')}}`;
}

/** Regex-escapes a literal for a PromQL `=~` matcher. */
export function promRegexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The alert rule groups of the stack: the one source for the PrometheusRule objects, the bundled Prometheus'
 * rule file and the promtool unit tests. Groups whose component the stack does not run are left out.
 */
export function alertRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  const ns = ctx.namespace;
  const pct = (r: number) => `${Math.round(r * 100)} %`;
  const rule = (r: Omit<AlertRule, 'labels' | 'annotations'> & { severity: 'critical' | 'warning'; summary: string; description: string }): AlertRule => ({
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { severity: r.severity, ...opts.labels },
    annotations: { summary: r.summary, description: r.description, runbook_url: `${opts.runbookBaseUrl}#${r.alert.toLowerCase()}` },
    runbook: r.runbook,
  });
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
          description: 'postgres_exporter on {{ $labels.pod }} cannot reach PostgreSQL, or Prometheus cannot reach the exporter, for 2 minutes. The Prefect API answers 503 on /api/ready and flow runs cannot change state.',
          runbook: '`kubectl -n NS get pod -l app.kubernetes.io/component=postgres`; read the postgres container log (`kubectl logs … -c postgres`) for crash or disk-full messages; check the PersistentVolumeClaim is Bound and has space (`df` in the pod). If only the exporter is down (`up == 0`, `pg_up` absent) read the exporter container log.',
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
          runbook: 'Compare API replicas × processes × (pool size + max overflow) + background services with `max_connections` (the data tier sizes it from `api.replicas`/`api.autoscaling.maxReplicas` and `prefect.databasePool`). Either lower `prefect.databasePool` or raise `max_connections` in the Postgres settings and restart Postgres. `SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3` shows who holds them; many `idle in transaction` rows point at a stuck client.',
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
      rules.push(rule({
        alert: 'PrefectDatabaseLarge',
        severity: 'warning',
        expr: `${DB_SIZE}${s} > ${threshold}`,
        for: '30m',
        summary: `Prefect database {{ $labels.datname }} is {{ $value | humanize1024 }}B, over ${pct(opts.databaseSizeRatio)} of its volume`,
        description: `The Prefect database has been larger than ${pct(opts.databaseSizeRatio)} of the ${gib(ctx.databaseVolumeBytes)} PostgreSQL volume (${gib(threshold)}) for 30 minutes. When the volume fills, PostgreSQL stops accepting writes and Prefect stops.`,
        runbook: `The PostgreSQL dashboard's "Largest tables" panel (recording rule \`${TABLE_BYTES}\`) shows what grows: \`events\`/\`event_resources\` are bounded by \`prefect.retention.eventsDays\`, \`log\` and \`flow_run\` by \`prefect.retention.flowRunsDays\`; lower them (the vacuum service deletes the excess within hours; VACUUM makes the space reusable but does not shrink the files). Or grow \`database.inCluster.storage.size\`: if the StorageClass allows volume expansion, edit the claim \`data-INSTANCE-postgres-0\` (the StatefulSet's template cannot change), then set the same size in the configuration.`,
      }));
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
        runbook: 'Check the background services pod runs the vacuum: `kubectl logs deploy/INSTANCE-background-services | grep -i vacuum` (PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED lists `events` and, with `prefect.retention.flowRuns`, `flow_runs`). Errors there (lock timeouts, statement timeouts) stop deletion; a vacuum that runs but falls behind needs a larger `prefect.retention.vacuumBatchSize` or a shorter `vacuumIntervalSeconds`. Dead rows on the PostgreSQL dashboard that never fall mean autovacuum cannot keep up either. On a new server the tables grow until their retention window (eventsDays, flowRunsDays) is full: expected then.',
      }),
    );
    groups.push({
      name: `${ctx.instance}.database-growth`,
      records: [
        // One series per database whatever the pod: a restarted exporter pod must not break the slopes.
        { record: DB_SIZE, expr: `max by (namespace, job, datname) (pg_database_size_bytes${db})` },
        { record: DB_GROWTH, expr: `deriv(${DB_SIZE}${s}[6h]) * 86400` },
        // Table plus its indexes (table_size_bytes already counts TOAST, where events' payloads live).
        { record: TABLE_BYTES, expr: `max by (namespace, job, datname, relname) (\n  pg_stat_user_tables_table_size_bytes${db}\n  + pg_stat_user_tables_index_size_bytes${db}\n)` },
      ],
      rules,
    });
  }

  if (ctx.redisJob) {
    const s = promSelector({ namespace: ns, job: ctx.redisJob });
    groups.push({
      name: `${ctx.instance}.redis`,
      rules: [
        rule({
          alert: 'PrefectRedisDown',
          severity: 'critical',
          expr: `redis_up${s} == 0 or up${s} == 0`,
          for: '2m',
          summary: 'Redis of {{ $labels.namespace }} is down',
          description: 'redis_exporter on {{ $labels.pod }} cannot reach Redis, or Prometheus cannot reach the exporter, for 2 minutes. Prefect events, automations and the background services\' coordination stop.',
          runbook: '`kubectl -n NS get pod -l app.kubernetes.io/component=redis`; read the redis container log (OOM, "Can\'t save in background", AOF errors); check the claim has space. After Redis returns, the API and background pods reconnect on their own; restart the background services Deployment if the scheduler stays idle (Prefect #22436).',
        }),
        rule({
          alert: 'PrefectRedisMemoryNearLimit',
          severity: 'warning',
          // maxmemory 0 means unlimited: the division is +Inf then, so the guard keeps those servers silent.
          expr: `(redis_memory_used_bytes${s} / redis_memory_max_bytes${s} > ${opts.redisMemoryRatio})\nand on (namespace, job, pod)\n(redis_memory_max_bytes${s} > 0)`,
          for: '10m',
          summary: 'Redis of {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of maxmemory',
          description: `Redis memory has been above ${pct(opts.redisMemoryRatio)} of maxmemory for 10 minutes. At the limit Redis evicts keys or refuses writes, and Prefect loses events.`,
          runbook: 'Look at the Redis dashboard: a growing stream length (`events`, `actions`…) means trimming does not keep up or a consumer group holds old entries (Prefect #18606, #20104). `XINFO GROUPS <stream>` in redis-cli shows groups with large pending counts; delete groups of consumers that no longer exist. Otherwise raise `maxmemory` and the container memory limit together.',
        }),
        rule({
          alert: 'PrefectRedisRejectedConnections',
          severity: 'warning',
          expr: `increase(redis_rejected_connections_total${s}[5m]) > 0`,
          for: '0m',
          summary: 'Redis of {{ $labels.namespace }} rejected connections',
          description: 'Redis refused {{ $value | humanize }} client connections in the last 5 minutes because maxclients was reached. Prefect processes that cannot connect drop events or fail requests.',
          runbook: 'Compare `redis_connected_clients` with `redis_config_maxclients` on the Redis dashboard. A connection leak shows as a steady climb after each rollout: restart the leaking Deployment. Otherwise raise `maxclients` (and the pod\'s file-descriptor limit follows it).',
        }),
      ],
    });
  }

  const bgRules: AlertRule[] = [];
  if (ctx.redisJob) {
    const s = promSelector({ namespace: ns, job: ctx.redisJob });
    bgRules.push(
      rule({
        alert: 'PrefectStreamConsumerLagGrowing',
        severity: 'warning',
        // lag: entries added to the stream that the group has not read yet (Redis 7+ XINFO GROUPS).
        expr: `redis_stream_group_lag${s} > ${opts.streamBacklog}\nand\nderiv(redis_stream_group_lag${s}[15m]) > 0`,
        for: '15m',
        summary: 'Consumer group {{ $labels.group }} of stream {{ $labels.stream }} falls behind',
        description: `More than ${opts.streamBacklog} entries of the Redis stream have not been read by the consumer group, and the backlog has grown for 15 minutes. The Prefect background service behind the group (event persister, triggers, …) is stopped or too slow: events, automations and task-run records are delayed.`,
        runbook: 'Check the background services pod is Running and its log shows the service consuming (`kubectl logs deploy/INSTANCE-background-services`). A single task-run recorder tops out near one core (Prefect #16299): look at its CPU. If the pod is healthy but idle, restart it; if the group belongs to a service that no longer runs, delete the group (`XGROUP DESTROY`).',
      }),
      rule({
        alert: 'PrefectStreamPendingGrowing',
        severity: 'warning',
        // pending: entries delivered to a consumer but never acknowledged, i.e. consumers that died mid-message.
        expr: `redis_stream_group_messages_pending${s} > ${opts.streamBacklog}\nand\nderiv(redis_stream_group_messages_pending${s}[15m]) > 0`,
        for: '15m',
        summary: 'Unacknowledged messages of group {{ $labels.group }} on stream {{ $labels.stream }} keep growing',
        description: `More than ${opts.streamBacklog} messages were delivered to consumers of the group and never acknowledged, and the number has grown for 15 minutes. Consumers crash or restart mid-message; the entries also keep the stream from being trimmed, so Redis memory grows.`,
        runbook: '`XINFO CONSUMERS <stream> <group>` lists consumers with their idle time: many long-idle consumers are pods that are gone. Check background services restarts (PrefectPodsRestarting). Prefect reclaims pending messages of dead consumers after a timeout; if they stay, delete the dead consumers (`XGROUP DELCONSUMER`).',
      }),
    );
  }
  const bg = promSelector({ namespace: ns, deployment: ctx.backgroundDeployment });
  bgRules.push(rule({
    alert: 'PrefectBackgroundServicesUnavailable',
    severity: 'critical',
    expr: `kube_deployment_status_replicas_available${bg} == 0\nand on (namespace, deployment)\nkube_deployment_spec_replicas${bg} > 0`,
    for: '5m',
    summary: 'Prefect background services of {{ $labels.namespace }} are not running',
    description: 'The background services Deployment has had no available replica for 5 minutes: the scheduler, late-run marking, automations, event persistence and cancellation cleanup are all stopped.',
    runbook: '`kubectl -n NS describe deploy/INSTANCE-background-services` and its pod: Pending (resources, node selectors), CrashLoopBackOff (log: database or Redis unreachable, migrations not applied), or failing liveness probe (services-alive.py). Fix the cause; the Deployment recovers on its own.',
  }));
  groups.push({ name: `${ctx.instance}.background-services`, rules: bgRules });

  const api = promSelector({ namespace: ns, deployment: ctx.apiDeployment });
  const apiRules: AlertRule[] = [];
  if (ctx.ingress) {
    const is = promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService });
    // Websocket upgrades (101) last as long as the connection; they would swamp the latency percentile.
    const isHttp = promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService, status: '101' }, { status: '!=' });
    apiRules.push(
      rule({
        alert: 'PrefectApiHighLatency',
        severity: 'warning',
        expr: `histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket${isHttp}[5m])))\n> ${opts.apiLatencySeconds}`,
        for: '10m',
        summary: 'Prefect API p95 latency is {{ $value | humanizeDuration }}',
        description: `The 95th percentile of API request duration through the ingress has been above ${opts.apiLatencySeconds} s for 10 minutes (websocket upgrades excluded).`,
        runbook: 'On the overview dashboard, check API CPU (throttling at the limit: raise `api.resources.limits.cpu` or replicas) and the Postgres dashboard (connections at the limit, TPS spike, long transactions). Slow list pages on big `flow_run`/`log`/`events` tables point at retention: shorten PREFECT_SERVER_EVENTS_RETENTION_PERIOD and enable the database vacuum service (`prefect.extraEnv`).',
      }),
      rule({
        alert: 'PrefectApiHighErrorRate',
        severity: 'critical',
        // Below 0.1 request/s a single error is a large ratio: stay silent.
        expr: `sum(rate(nginx_ingress_controller_requests${promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService, status: '5..' }, { status: '=~' })}[5m]))\n/ sum(rate(nginx_ingress_controller_requests${is}[5m]))\n> ${opts.apiErrorRatio}\nand\nsum(rate(nginx_ingress_controller_requests${is}[5m])) > 0.1`,
        for: '5m',
        summary: '{{ $value | humanizePercentage }} of Prefect API requests fail with 5xx',
        description: `More than ${pct(opts.apiErrorRatio)} of requests to the API Service through the ingress have answered 5xx for 5 minutes.`,
        runbook: '502/503 with no ready API pods: see PrefectApiReplicasBelowDesired. 500s: read the API logs (`kubectl logs -l app.kubernetes.io/component=api --tail=200`) for database errors (connections exhausted, statement timeouts) or Redis errors. 504: the request exceeded the ingress timeout; compare with PrefectApiHighLatency.',
      }),
    );
  }
  apiRules.push(
    rule({
      alert: 'PrefectApiReplicasBelowDesired',
      severity: 'warning',
      expr: `kube_deployment_status_replicas_available${api}\n< on (namespace, deployment)\nkube_deployment_spec_replicas${api}`,
      for: '10m',
      summary: 'Prefect API of {{ $labels.namespace }} runs fewer replicas than desired',
      description: 'Fewer API replicas than the Deployment (or its autoscaler) asks for have been available for 10 minutes; the remaining ones carry all traffic and one more failure may take the API down.',
      runbook: '`kubectl -n NS get pods -l app.kubernetes.io/component=api`: Pending pods lack node resources or cannot satisfy the spread constraints (`api.spread: required` on too few nodes); pods stuck in the init container wait for migrations (see the migrate Job); unready pods fail /api/ready because Postgres is unreachable.',
    }),
    rule({
      alert: 'PrefectPodsRestarting',
      severity: 'warning',
      expr: `increase(kube_pod_container_status_restarts_total${promSelector({ namespace: ns, pod: `${promRegexEscape(ctx.instance)}-.+` }, { pod: '=~' })}[30m])\n>= ${opts.podRestarts}`,
      for: '0m',
      summary: 'Container {{ $labels.container }} of {{ $labels.pod }} restarted {{ $value | humanize }} times in 30 minutes',
      description: `A container of the stack restarted at least ${opts.podRestarts} times within 30 minutes: it is crash-looping, being OOM-killed or failing its liveness probe.`,
      runbook: '`kubectl -n NS describe pod POD` shows the last state: `OOMKilled` means raise the memory limit of that component; a liveness failure shows in events. `kubectl logs POD -c CONTAINER --previous` has the crash.',
    }),
  );
  groups.push({ name: `${ctx.instance}.api`, rules: apiRules });

  if (ctx.backupCronJob) {
    const s = promSelector({ namespace: ns, cronjob: ctx.backupCronJob });
    const maxAge = opts.backupMaxAgeHours * 3600;
    groups.push({
      name: `${ctx.instance}.backups`,
      rules: [
        rule({
          alert: 'PrefectBackupTooOld',
          severity: 'critical',
          // A CronJob that never succeeded has no last-successful time: count its age from creation instead.
          expr: `time() - kube_cronjob_status_last_successful_time${s} > ${maxAge}\nor\n(time() - kube_cronjob_created${s} > ${maxAge}\n  unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${s})`,
          for: '10m',
          summary: `No successful Prefect database backup for more than ${opts.backupMaxAgeHours} hours`,
          description: `The backup CronJob {{ $labels.cronjob }} has not completed successfully for more than ${opts.backupMaxAgeHours} hours (or ever, ${opts.backupMaxAgeHours} hours after it was created). A restore now would lose more than a day of flow-run history.`,
          runbook: '`kubectl -n NS get cronjob,jobs -l app.kubernetes.io/component=postgres-backup`: a suspended CronJob, jobs that fail (see PrefectBackupJobFailed), or jobs never created (missed schedules beyond startingDeadlineSeconds, e.g. after controller downtime). Run one now with `kubectl create job --from=cronjob/CRONJOB manual-backup` and watch it finish.',
        }),
        rule({
          alert: 'PrefectBackupJobFailed',
          severity: 'warning',
          // The last run was scheduled after the last success and nothing is running: that run failed.
          expr: `(\n  kube_cronjob_status_last_schedule_time${s} > on (namespace, cronjob) kube_cronjob_status_last_successful_time${s}\n  or\n  (kube_cronjob_status_last_schedule_time${s} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${s})\n)\nand on (namespace, cronjob)\nkube_cronjob_status_active${s} == 0`,
          for: '5m',
          summary: 'The last Prefect database backup failed',
          description: 'The most recent run of the backup CronJob {{ $labels.cronjob }} ended without success; the previous good backup is getting older.',
          runbook: '`kubectl -n NS logs job/<latest backup job>` (failed jobs are kept: `failedJobsHistoryLimit`). Typical causes: the backup claim is full (retention too long for its size), the database password Secret changed, `pg_dump` version older than the server. Fix, then run `kubectl create job --from=cronjob/CRONJOB manual-backup`.',
        }),
      ],
    });
  }
  return groups;
}

/** The groups as a Prometheus rule file / PrometheusRule `spec`: recording rules first, the `runbook` README text left out. */
export function ruleFileGroups(groups: AlertRuleGroup[]): Array<{ name: string; interval?: string; rules: Array<Omit<AlertRule, 'runbook'> | RecordingRule> }> {
  return groups.map((g) => ({
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: [...(g.records ?? []), ...g.rules.map(({ runbook: _runbook, ...r }) => r)],
  }));
}

/**
 * The README's alert reference: one heading per alert (its anchor is the `runbook_url` fragment) with severity,
 * summary, meaning and runbook. Templated values appear as the label name in capitals or N.
 */
export function alertsMarkdown(groups: AlertRuleGroup[]): string {
  const cell = (s: string) => s.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => l.toUpperCase()).replace(/\{\{[^}]*\}\}/g, 'N').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return groups.flatMap((g) => g.rules).map((r) => [
    `#### ${r.alert}`,
    '',
    '| | |',
    '|---|---|',
    `| Severity | ${r.labels.severity} (after ${r.for === '0m' ? 'the first evaluation' : r.for}) |`,
    `| Summary | ${cell(r.annotations.summary)} |`,
    `| What it means | ${cell(r.annotations.description)} |`,
    `| Runbook | ${cell(r.runbook)} |`,
    '',
  ].join('\n')).join('\n');
}
