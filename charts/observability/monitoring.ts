import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction, ServiceMonitorSpecEndpointsScheme } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ImageCatalog } from '../common/images';
import { componentLabels } from '../common/labels';
import { checkDnsSubdomain, fail } from '../common/validate';
import { EdgeRoute, ResolvedEdge } from '../edge/edge-options';
import { Flow, FlowPeer, PeerSelector, cidrPeer, namespaceNamed, namespacePeer, podsPeer } from '../network/flows';
import { BundledGrafana, BundledGrafanaOptions, GRAFANA_PORT } from './bundled-grafana';
import { BundledPrometheus, BundledPrometheusOptions, PROMETHEUS_PORT } from './bundled-prometheus';
import { DashboardSpec, dashboardJson, dashboardSpecs } from './dashboards';
import { PREFECT_EXPORTER_PORT, PrefectExporter, PrefectExporterOptions } from './prefect-exporter';
import { AlertRuleGroup, AlertRulesOptions, alertRuleGroups, resolveAlertRulesOptions, ruleFileGroups } from './rules';
import { BasicAuthSecret, ScrapeTarget } from './targets';

/** Argo CD: sync the stack even before the prometheus-operator CRDs are installed (they come with the operator). */
const SKIP_DRY_RUN = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };

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
   * @default - see AlertRulesOptions
   */
  readonly rules?: AlertRulesOptions;
  /**
   * Dashboard ConfigMaps.
   * @default - see DashboardsOptions
   */
  readonly dashboards?: DashboardsOptions;
  /**
   * ingress-nginx metrics used by the API rules.
   * @default - see IngressMetricsOptions
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
  readonly bundled?: {
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
  };
}

/** A scrape endpoint of an in-cluster data server, handed over by the data tier. */
export interface MonitoredService {
  /** The Service with the exporter's `metrics` port. */
  readonly service: string;
  /** Labels the Service carries. */
  readonly labels: Record<string, string>;
}

/** postgres_exporter of the in-cluster PostgreSQL, with what the database-growth rules need. */
export interface MonitoredPostgres extends MonitoredService {
  /** Prefect's database, from the stack's database handle (the exporter connects to it for per-table metrics). */
  readonly database?: string;
  /** Size of the data volume in bytes (`database.inCluster.storage.size`), for PrefectDatabaseLarge. */
  readonly volumeBytes?: number;
}

/** Props of {@link PrefectMonitoring}. */
export interface PrefectMonitoringProps extends MonitoringOptions {
  readonly instance: string;
  readonly namespace: string;
  readonly images: ImageCatalog;
  /** The API: its Service (port `http`, /api/metrics), pod-selecting labels of the Service, and Deployment. */
  readonly api: { readonly service: string; readonly labels: Record<string, string>; readonly deployment: string; readonly port: number };
  /** The background services Deployment. */
  readonly backgroundDeployment: string;
  /** Whether the API requires basic auth (prefect.authSecret is set). */
  readonly apiAuth: boolean;
  /** postgres_exporter of an in-cluster Postgres. */
  readonly postgres?: MonitoredPostgres;
  /** redis_exporter of an in-cluster Redis (run with --check-streams for the stream rules). */
  readonly redis?: MonitoredService;
  /** The backup CronJob. */
  readonly backupCronJob?: string;
  /** The resolved edge (for exposing the bundled Prometheus and Grafana). */
  readonly edge: ResolvedEdge;
  /** `https` or `http`: how users reach the edge. */
  readonly scheme: string;
}

/** Who reaches the monitoring pods from outside the stack, for {@link PrefectMonitoring.flows}. */
export interface MonitoringFlowPeers {
  /** The edge's proxies (absent without an edge). */
  readonly edgeFrom?: PeerSelector;
  /** The cluster's Prometheus (kube-prometheus-stack). */
  readonly prometheusFrom: PeerSelector;
  /** The API pods and port (the exporter and the bundled Prometheus call them). */
  readonly api: { readonly podLabels: Record<string, string>; readonly port: number };
  /** In-cluster data servers' pods and exporter ports. */
  readonly postgres?: { readonly podLabels: Record<string, string>; readonly metricsPort: number };
  readonly redis?: { readonly podLabels: Record<string, string>; readonly metricsPort: number };
}

/**
 * The stack's monitoring, from three sources of truth: the scrape targets (→ ServiceMonitors and the bundled
 * Prometheus' scrape configuration), the rule groups (→ PrometheusRule, the bundled rule file, promtool tests)
 * and the dashboard specs (→ one ConfigMap each).
 */
export class PrefectMonitoring extends Construct {
  public readonly targets: ScrapeTarget[];
  public readonly ruleGroups: AlertRuleGroup[];
  public readonly dashboards: DashboardSpec[];
  /** Edge routes of the bundled Prometheus and Grafana (when deployed with `expose`), for the StackEdge. */
  public readonly routes: EdgeRoute[] = [];
  private readonly exporter?: PrefectExporter;
  private readonly prometheus?: BundledPrometheus;
  private readonly grafana?: BundledGrafana;

  constructor(scope: Construct, id: string, props: PrefectMonitoringProps) {
    super(scope, id);
    const { instance, namespace } = props;
    const serviceMonitors = props.serviceMonitors ?? true;
    const release = props.releaseLabel ?? 'kube-prometheus-stack';
    if (typeof release !== 'string' || !/^[a-z0-9A-Z]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/.test(release)) {
      fail('monitoring.releaseLabel', `"${release}" is not a label value`, 'give the Helm release name of kube-prometheus-stack');
    }
    const interval = props.scrapeInterval ?? '30s';
    if (!/^\d+(s|m)$/.test(interval)) fail('monitoring.scrapeInterval', `"${interval}" is not an interval`, 'write seconds or minutes, e.g. 30s or 1m');
    const rulesOpts = resolveAlertRulesOptions(props.rules);
    const dash = props.dashboards ?? {};
    const dashLabel = dash.label ?? { grafana_dashboard: '1' };
    const folder = dash.folder ?? 'Prefect';
    const folderAnnotation = dash.folderAnnotation ?? 'k8s-sidecar-target-directory';
    const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
    for (const [k, v] of Object.entries(dashLabel)) {
      if (!LABEL_KEY.test(k)) fail(`monitoring.dashboards.label.${k}`, 'is not a Kubernetes label name', 'use e.g. grafana_dashboard');
      if (typeof v !== 'string' || !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(v)) fail(`monitoring.dashboards.label.${k}`, `${JSON.stringify(v)} is not a label value`, 'quote it, e.g. "1"');
    }
    if (!LABEL_KEY.test(folderAnnotation)) fail('monitoring.dashboards.folderAnnotation', `"${folderAnnotation}" is not an annotation name`, 'use e.g. k8s-sidecar-target-directory or grafana_folder');
    if (typeof folder !== 'string' || !folder.trim() || folder.includes('/')) fail('monitoring.dashboards.folder', `${JSON.stringify(folder)} is not a folder name`, 'give a name without "/", e.g. Prefect');
    const ingress = props.ingressMetrics?.enabled ?? true
      ? { namespaceLabel: props.ingressMetrics?.namespaceLabel ?? 'exported_namespace', serviceLabel: props.ingressMetrics?.serviceLabel ?? 'exported_service' }
      : undefined;
    for (const [k, v] of Object.entries(ingress ?? {})) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(v)) fail(`monitoring.ingressMetrics.${k}`, `"${v}" is not a Prometheus label name`, 'use letters, digits and _');
    }
    const bundledProm = props.bundled?.prometheus?.enabled ?? false;
    const bundledGrafana = props.bundled?.grafana?.enabled ?? false;
    if (bundledGrafana && !bundledProm) {
      fail('monitoring.bundled.grafana.enabled', 'needs the bundled Prometheus', 'set monitoring.bundled.prometheus.enabled: true as well (or use your cluster\'s Grafana with the dashboard ConfigMaps)');
    }

    let apiAuth: BasicAuthSecret | undefined;
    if (props.apiAuth) {
      const s = props.prefectBasicAuthSecret;
      if (!s) {
        fail('monitoring.prefectBasicAuthSecret', 'is missing while prefect.authSecret is set',
          'create a Secret with keys "username" and "password" (the same credentials as prefect.authSecret) and give { name } (and usernameKey/passwordKey if the keys differ)');
      }
      checkDnsSubdomain('monitoring.prefectBasicAuthSecret.name', s.name);
      for (const k of ['usernameKey', 'passwordKey'] as const) {
        if (s[k] !== undefined && !/^[-._a-zA-Z0-9]{1,253}$/.test(s[k]!)) fail(`monitoring.prefectBasicAuthSecret.${k}`, `"${s[k]}" is not a Secret key`, "use letters, digits, '-', '_' and '.'");
      }
      apiAuth = { name: s.name, usernameKey: s.usernameKey ?? 'username', passwordKey: s.passwordKey ?? 'password' };
    }

    // One list of targets.
    const targets: ScrapeTarget[] = [
      { name: 'api', service: props.api.service, serviceLabels: props.api.labels, port: 'http', path: '/api/metrics', interval, ...(apiAuth ? { basicAuth: apiAuth } : {}) },
    ];
    if (props.postgres) targets.push({ name: 'postgres', service: props.postgres.service, serviceLabels: props.postgres.labels, port: 'metrics', path: '/metrics', interval });
    if (props.redis) targets.push({ name: 'redis', service: props.redis.service, serviceLabels: props.redis.labels, port: 'metrics', path: '/metrics', interval });
    let exporter: PrefectExporter | undefined;
    if (props.prefectExporter?.enabled) {
      if (props.apiAuth) {
        // The exporter sends PREFECT_API_KEY as a bearer token; the self-hosted server's basic auth is not supported.
        fail('monitoring.prefectExporter.enabled', 'cannot authenticate to an API with basic auth (prefect.authSecret)', 'leave the exporter off, or move auth from prefect.authSecret to the edge');
      }
      exporter = new PrefectExporter(this, 'PrefectExporter', { instance, images: props.images, apiService: props.api.service, apiPort: props.api.port, ...props.prefectExporter });
      targets.push({ name: 'prefect-exporter', service: exporter.serviceName, serviceLabels: exporter.serviceLabels, port: 'metrics', path: '/metrics', interval: interval === '30s' ? '60s' : interval });
    }
    this.targets = targets;

    const names = {
      instance,
      namespace,
      apiDeployment: props.api.deployment,
      apiService: props.api.service,
      backgroundDeployment: props.backgroundDeployment,
      postgresJob: props.postgres?.service,
      database: props.postgres?.database,
      databaseVolumeBytes: props.postgres?.volumeBytes,
      redisJob: props.redis?.service,
      backupCronJob: props.backupCronJob,
      ingress,
    };
    this.ruleGroups = rulesOpts.enabled ? alertRuleGroups(names, rulesOpts) : [];
    this.dashboards = dash.enabled ?? true ? dashboardSpecs({ ...names, apiJob: props.api.service, exporterJob: exporter?.serviceName }) : [];

    const labels = (extra: Record<string, string> = {}) => ({ ...componentLabels({ instance, name: 'prefect-stack', component: 'monitoring' }), ...extra });

    if (serviceMonitors) {
      for (const t of targets) {
        new ServiceMonitor(this, `ServiceMonitor-${t.name}`, {
          metadata: { name: `${instance}-${t.name}`, labels: labels({ release }), annotations: SKIP_DRY_RUN },
          spec: {
            selector: { matchLabels: t.serviceLabels },
            namespaceSelector: { matchNames: [namespace] },
            endpoints: [{
              port: t.port,
              path: t.path,
              interval: t.interval,
              scheme: ServiceMonitorSpecEndpointsScheme.HTTP,
              ...(t.basicAuth ? {
                basicAuth: {
                  username: { name: t.basicAuth.name, key: t.basicAuth.usernameKey ?? 'username' },
                  password: { name: t.basicAuth.name, key: t.basicAuth.passwordKey ?? 'password' },
                },
              } : {}),
              // Labels select Services of a component; several (e.g. a headless twin) may match: keep this one.
              relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: t.service, action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP }],
            }],
          },
        });
      }
      if (this.ruleGroups.length) {
        new PrometheusRule(this, 'PrometheusRule', {
          metadata: { name: `${instance}-alerts`, labels: labels({ release }), annotations: SKIP_DRY_RUN },
          spec: {
            groups: ruleFileGroups(this.ruleGroups).map((g) => ({
              name: g.name,
              rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
            })),
          },
        });
      }
    }

    const dashboardConfigMaps: string[] = [];
    for (const d of this.dashboards) {
      const cm = `${instance}-dashboard-${d.key}`;
      dashboardConfigMaps.push(cm);
      new k8s.KubeConfigMap(this, `Dashboard-${d.key}`, {
        metadata: { name: cm, labels: labels(dashLabel), annotations: { [folderAnnotation]: folder } },
        data: { [`${instance}-${d.key}.json`]: JSON.stringify(dashboardJson(d), null, 1) },
      });
    }

    this.exporter = exporter;
    if (bundledProm) {
      this.prometheus = new BundledPrometheus(this, 'Prometheus', {
        instance, namespace, images: props.images, targets, ruleGroups: this.ruleGroups, edge: props.edge, scheme: props.scheme, ...props.bundled!.prometheus,
      });
      if (this.prometheus.route) this.routes.push(this.prometheus.route);
      if (bundledGrafana) {
        this.grafana = new BundledGrafana(this, 'Grafana', {
          instance, images: props.images, prometheusUrl: this.prometheus.url, dashboardConfigMaps, folder, edge: props.edge, scheme: props.scheme, ...props.bundled!.grafana,
        });
        if (this.grafana.route) this.routes.push(this.grafana.route);
      }
    }
  }

  /** The network flows the monitoring pods need, for the stack's NetworkPolicies (`extraFlows`). */
  public flows(p: MonitoringFlowPeers): Flow[] {
    const flows: Flow[] = [];
    const add = (from: FlowPeer, to: FlowPeer, ports: number[], why: string) => flows.push({ from, to, ports: ports.map((port) => ({ port, protocol: 'TCP' as const })), why });
    const api = podsPeer(p.api.podLabels);
    if (this.exporter) {
      const exporter = podsPeer(this.exporter.serviceLabels);
      add(exporter, api, [p.api.port], 'the flow-run exporter polls the API');
      add(namespacePeer(p.prometheusFrom), exporter, [PREFECT_EXPORTER_PORT], 'Prometheus scrapes the flow-run exporter');
    }
    if (this.prometheus) {
      const prom = podsPeer(this.prometheus.podSelector);
      add(prom, api, [p.api.port], 'the bundled Prometheus scrapes /api/metrics');
      if (p.postgres) add(prom, podsPeer(p.postgres.podLabels), [p.postgres.metricsPort], 'the bundled Prometheus scrapes postgres_exporter');
      if (p.redis) add(prom, podsPeer(p.redis.podLabels), [p.redis.metricsPort], 'the bundled Prometheus scrapes redis_exporter');
      if (this.exporter) add(prom, podsPeer(this.exporter.serviceLabels), [PREFECT_EXPORTER_PORT], 'the bundled Prometheus scrapes the flow-run exporter');
      add(prom, cidrPeer(this.prometheus.apiServerCidrs), [443, 6443], 'the bundled Prometheus discovers targets through the Kubernetes API');
      for (const e of this.prometheus.additionalScrapeEgress) {
        add(prom, namespacePeer({ namespaceLabels: namespaceNamed(e.namespace) }), e.ports, `the bundled Prometheus scrapes targets in ${e.namespace} (additionalScrapeConfigs)`);
      }
      if (this.prometheus.route && p.edgeFrom) add(namespacePeer(p.edgeFrom), prom, [PROMETHEUS_PORT], 'the edge serves Prometheus (with its auth)');
      if (this.grafana) {
        const grafana = podsPeer(this.grafana.podSelector);
        add(grafana, prom, [PROMETHEUS_PORT], 'Grafana queries the bundled Prometheus');
        if (this.grafana.route && p.edgeFrom) add(namespacePeer(p.edgeFrom), grafana, [GRAFANA_PORT], 'the edge serves Grafana');
      }
    }
    return flows;
  }
}
