import type { ResolvedAlertRulesOptions } from '../resolve';

/** One alerting rule, as in a Prometheus rule file; `runbook` is its text in docs/alerts.md. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: { summary: string; description: string; runbook_url: string };
  /** What to do, for docs/alerts.md (not emitted into the rule). */
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
  /** The CloudNativePG instances' scrape job (= the metrics Service's name) and their number; absent in the other modes. */
  readonly cloudNativePg?: { readonly job: string; readonly instances: number };
  /** Scrape job of redis_exporter (= its Service name); absent without an in-cluster Redis. */
  readonly redisJob?: string;
  /** The backup CronJob; absent without backups. */
  readonly backupCronJob?: string;
  /** Label names of ingress-nginx's metrics that carry the backend's namespace and Service; absent: no ingress rules. */
  readonly ingress?: { readonly namespaceLabel: string; readonly serviceLabel: string };
}

/** An alert as the rule catalogue writes it: the severity and texts, from which labels and annotations follow. */
export type AlertRuleSpec = Omit<AlertRule, 'labels' | 'annotations'> & { severity: 'critical' | 'warning'; summary: string; description: string };

/** The rule factory of a configuration: severity and extra labels, summary, description and runbook link. */
export function ruleFactory(opts: ResolvedAlertRulesOptions): (r: AlertRuleSpec) => AlertRule {
  return (r) => ({
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels: { severity: r.severity, ...opts.labels },
    annotations: { summary: r.summary, description: r.description, runbook_url: `${opts.runbookBaseUrl}#${r.alert.toLowerCase()}` },
    runbook: r.runbook,
  });
}

/** A fraction as the alerts' text writes it: `80 %`. */
export function pct(r: number): string {
  return `${Math.round(r * 100)} %`;
}

/** The groups as a Prometheus rule file / PrometheusRule `spec`: recording rules first, the `runbook` text left out. */
export function ruleFileGroups(groups: AlertRuleGroup[]): Array<{ name: string; interval?: string; rules: Array<Omit<AlertRule, 'runbook'> | RecordingRule> }> {
  return groups.map((g) => ({
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: [...(g.records ?? []), ...g.rules.map(({ runbook: _runbook, ...r }) => r)],
  }));
}
