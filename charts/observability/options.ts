import { PodOptions } from '../common/pod-options';
import { ResourcesProps } from '../common/resources';
import { SecretKeyRef } from '../common/secrets';
import { AdminExposeOptions } from '../edge/edge-options';
import { BasicAuthSecret } from './targets';

/** Where dashboards go (the `monitoring.dashboards:` section). */
export interface DashboardsOptions {
  /**
   * Emit the dashboards as ConfigMaps.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Label Grafana's dashboard sidecar selects ConfigMaps by, as `name: value`.
   * @default { grafana_dashboard: "1" } - kube-prometheus-stack's sidecar default
   */
  readonly label?: { [name: string]: string };
  /**
   * Folder the dashboards appear in.
   * @default "Prefect"
   */
  readonly folder?: string;
  /**
   * Annotation that carries the folder; kube-prometheus-stack reads it when
   * `grafana.sidecar.dashboards.folderAnnotation` is set to the same name.
   * @default "k8s-sidecar-target-directory" - the sidecar's own default annotation
   */
  readonly folderAnnotation?: string;
}

/** How ingress-nginx's metrics name the backend (the `monitoring.ingressMetrics:` section). */
export interface IngressMetricsOptions {
  /**
   * Emit the API latency and 5xx rules and panels from ingress-nginx's request metrics.
   * @default true - the stack's Ingress is served by ingress-nginx; turn off behind another controller
   */
  readonly enabled?: boolean;
  /**
   * Label holding the Ingress' namespace. A ServiceMonitor without `honorLabels` renames the controller's own
   * `namespace` label to `exported_namespace`; with `honorLabels: true` (or a static scrape) it stays `namespace`.
   * @default "exported_namespace"
   */
  readonly namespaceLabel?: string;
  /**
   * Label holding the backend Service (`service`, renamed like the namespace label).
   * @default "exported_service"
   */
  readonly serviceLabel?: string;
}

/** The stack's monitoring (the `monitoring:` section of the configuration file). */
export interface MonitoringOptions {
  /**
   * Emit ServiceMonitors, a PrometheusRule and dashboard ConfigMaps for a cluster running kube-prometheus-stack
   * (the prometheus-operator CRDs must be installed).
   * @default true
   */
  readonly serviceMonitors?: boolean;
  /**
   * Value of the `release` label kube-prometheus-stack selects ServiceMonitors and rules by (its Helm release).
   * @default "kube-prometheus-stack"
   */
  readonly releaseLabel?: string;
  /**
   * Scrape interval of every target.
   * @default "30s"
   */
  readonly scrapeInterval?: string;
  /**
   * When `prefect.authSecret` is set, /api/metrics needs basic auth: a Secret with the user name and password in
   * two keys (ServiceMonitor basicAuth cannot split the `user:pass` string of prefect.authSecret).
   * @default - none: required when prefect.authSecret is set
   */
  readonly prefectBasicAuthSecret?: BasicAuthSecret;
  /**
   * Alert rules and thresholds.
   * @default - each key's own default (below)
   */
  readonly rules?: AlertRulesOptions;
  /**
   * Dashboard ConfigMaps.
   * @default - each key's own default (below)
   */
  readonly dashboards?: DashboardsOptions;
  /**
   * ingress-nginx metrics used by the API rules.
   * @default - each key's own default (below)
   */
  readonly ingressMetrics?: IngressMetricsOptions;
  /**
   * PrefectHQ's prometheus-prefect-exporter for flow-run metrics.
   * @default - off
   */
  readonly prefectExporter?: PrefectExporterOptions;
  /**
   * The stack's own Prometheus and Grafana, for clusters without kube-prometheus-stack.
   * @default - off
   */
  readonly bundled?: BundledMonitoringOptions;
}

/** The stack's own Prometheus and Grafana (the `monitoring.bundled:` section). */
export interface BundledMonitoringOptions {
  /**
   * The stack's Prometheus: scrape configuration from the same targets, the same rule groups, a storage claim.
   * @default - not deployed
   */
  readonly prometheus?: BundledPrometheusOptions;
  /**
   * The stack's Grafana: the bundled Prometheus as datasource, the same dashboards (needs the bundled Prometheus).
   * @default - not deployed
   */
  readonly grafana?: BundledGrafanaOptions;
}

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
   * @default "https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md" - the runbooks of this library's docs/alerts.md
   */
  readonly runbookBaseUrl?: string;
  /**
   * Extra labels on every alert, e.g. `{ team: data-platform }` for Alertmanager routing.
   * @default - none
   */
  readonly labels?: { [name: string]: string };
}

/** Options of the flow-run exporter (the `monitoring.prefectExporter:` section). */
export interface PrefectExporterOptions extends PodOptions {
  /**
   * Run PrefectHQ's prometheus-prefect-exporter: flow runs by state, late runs, work pools and queues.
   * @default false - it polls the API on every scrape; turn it on when you want the Flow runs dashboard
   */
  readonly enabled?: boolean;
  /**
   * Window of flow runs the exporter reports, in minutes (its `OFFSET_MINUTES`): runs created within it.
   * @default 60 - an hour of runs by state without listing the whole history on each scrape
   */
  readonly offsetMinutes?: number;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 128Mi, limits cpu 500m / memory 256Mi (one Python process polling the API)
   */
  readonly resources?: ResourcesProps;
}

/** Options of the stack's own Prometheus (the `monitoring.bundled.prometheus:` section). */
export interface BundledPrometheusOptions extends PodOptions {
  /**
   * Deploy a Prometheus of the stack's own, for clusters without kube-prometheus-stack.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * How long samples are kept (`--storage.tsdb.retention.time`).
   * @default "15d" - two weeks of history covers a sprint of incidents; raise storage with it
   */
  readonly retention?: string;
  /**
   * Size of the storage claim.
   * @default "20Gi" - about 15 days of the stack's few thousand series at 30 s, with room for the cluster jobs you add
   */
  readonly storage?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Container resources.
   * @default - requests cpu 100m / memory 512Mi, limits cpu 1 / memory 2Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish Prometheus at the edge. Prometheus has no login of its own, so the edge must authenticate
   * (`basicAuthSecret` with Ingress-NGINX, `authFilter` with Gateway API). A `path` becomes its route prefix.
   * @default - not exposed: `kubectl port-forward svc/<instance>-prometheus 9090`
   */
  readonly expose?: AdminExposeOptions;
  /**
   * Addresses of the Kubernetes API server, which service discovery calls (NetworkPolicy egress on 443 and 6443).
   * @default - any address: the API server's address differs per cluster
   */
  readonly apiServerCidrs?: string[];
  /**
   * Further scrape configurations, verbatim (Prometheus `scrape_configs` entries), e.g. the cluster's
   * kube-state-metrics and ingress controller, which the Deployment, API and backup rules need.
   * @default - none: only the stack's own targets
   */
  readonly additionalScrapeConfigs?: Array<{ [key: string]: unknown }>;
  /**
   * Namespaces and ports the additional scrape targets listen on, for the NetworkPolicy egress of Prometheus.
   * @default - none: with NetworkPolicies on, list e.g. kube-state-metrics' namespace and port 8080 here
   */
  readonly additionalScrapeEgress?: Array<{ readonly namespace: string; readonly ports: number[] }>;
}

/** Options of the stack's own Grafana (the `monitoring.bundled.grafana:` section). */
export interface BundledGrafanaOptions extends PodOptions {
  /**
   * Deploy a Grafana of the stack's own with the bundled Prometheus as datasource and the stack's dashboards.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Secret key holding the admin password (read through GF_SECURITY_ADMIN_PASSWORD__FILE; never in a manifest).
   * @default - none: required when enabled
   */
  readonly adminPasswordSecret?: SecretKeyRef;
  /**
   * The admin user name.
   * @default "admin"
   */
  readonly adminUser?: string;
  /**
   * Publish Grafana at the edge (Grafana's own login applies; edge auth may be added). A `path` is served as
   * Grafana's sub-path.
   * @default - not exposed: `kubectl port-forward svc/<instance>-grafana 3000`
   */
  readonly expose?: AdminExposeOptions;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 128Mi, limits cpu 500m / memory 512Mi
   */
  readonly resources?: ResourcesProps;
}
