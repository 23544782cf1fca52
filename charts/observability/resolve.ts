import * as k8s from '../../imports/k8s';
import { frontendComponent, selectorLabels } from '../common/labels';
import { ObjectNames } from '../common/names';
import { ResolvedPod, SchedulingOptions, resolvePod } from '../common/pod-options';
import { ResourceDefaults, resolveResources } from '../common/resources';
import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkCidr, checkDnsLabel, checkDnsSubdomain, checkInt, checkLabels, checkQuantity, fail, isQualifiedName } from '../common/validate';
import { ResolvedEdge } from '../edge/resolve-edge';
import { EdgeRoute, adminRoute } from '../edge/routes';
import { ANY_ADDRESS, Endpoint } from '../network/flow';
import { AlertRulesOptions, BundledGrafanaOptions, BundledPrometheusOptions, MonitoringOptions, PrefectExporterOptions } from './options';
import { AlertRulesContext } from './rules';
import { BasicAuthSecret } from './targets';

/** The exporter's metrics port (its `METRICS_PORT` default). */
export const PREFECT_EXPORTER_PORT = 8000;
/** The Prometheus port. */
export const PROMETHEUS_PORT = 9090;
/** The Grafana port. */
export const GRAFANA_PORT = 3000;

const EXPORTER_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '128Mi', ephemeralStorage: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const PROMETHEUS_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '512Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '2Gi' } };
const GRAFANA_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '128Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

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
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k))
      fail(`monitoring.rules.labels.${k}`, 'is not a Prometheus label name', 'use letters, digits and _ (not starting with a digit)');
    if (['severity', 'alertname', 'namespace'].includes(k)) fail(`monitoring.rules.labels.${k}`, 'is set by the rules themselves', 'choose another label name');
    if (typeof v !== 'string') fail(`monitoring.rules.labels.${k}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
  }
  const runbookBaseUrl = o.runbookBaseUrl ?? 'https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md';
  if (!/^https?:\/\/\S+$/.test(runbookBaseUrl) || runbookBaseUrl.includes('#')) {
    fail(
      'monitoring.rules.runbookBaseUrl',
      `"${runbookBaseUrl}" is not an http(s) URL without a fragment`,
      'give the URL of the page holding the runbooks; the alert name is appended as #fragment',
    );
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

/** The flow-run exporter, resolved. */
export interface ResolvedPrefectExporter {
  readonly name: string;
  /** The API's basic auth string (PREFECT_API_AUTH_STRING, as prefect-helm's exporter chart sets it). */
  readonly authSecret?: SecretKeyRef;
  readonly podSelector: Record<string, string>;
  readonly offsetMinutes: number;
  readonly resources: k8s.ResourceRequirements;
  readonly pod: ResolvedPod;
}

/** The bundled Prometheus, resolved. */
export interface ResolvedBundledPrometheus {
  readonly name: string;
  readonly podSelector: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly retention: string;
  readonly storage: string;
  readonly storageClassName?: string;
  readonly resources: k8s.ResourceRequirements;
  readonly route?: EdgeRoute;
  /** `/`, or the path it is served under. */
  readonly routePrefix: string;
  /** The URL users open, when exposed. */
  readonly externalUrl?: string;
  /** The URL the bundled Grafana queries. */
  readonly url: string;
  readonly apiServerCidrs: string[];
  readonly additionalScrapeConfigs: Array<{ [key: string]: unknown }>;
  readonly additionalScrapeEgress: Array<{ readonly namespace: string; readonly ports: number[] }>;
  readonly pod: ResolvedPod;
}

/** The bundled Grafana, resolved. */
export interface ResolvedBundledGrafana {
  readonly name: string;
  readonly podSelector: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly adminPasswordSecret: SecretKeyRef;
  readonly adminUser: string;
  readonly resources: k8s.ResourceRequirements;
  readonly route?: EdgeRoute;
  readonly rootUrl?: string;
  readonly subPath: boolean;
  readonly pod: ResolvedPod;
}

/** `monitoring:` resolved. */
export interface ResolvedMonitoring {
  readonly serviceMonitors: boolean;
  readonly releaseLabel: string;
  readonly scrapeInterval: string;
  /** The Secret with the Prefect API's basic-auth user and password in two keys, when the API needs auth. */
  readonly apiAuth?: BasicAuthSecret;
  readonly rules: ResolvedAlertRulesOptions;
  /** Names of what the rules and dashboards watch. */
  readonly watched: AlertRulesContext;
  readonly dashboards?: { readonly label: Record<string, string>; readonly folder: string; readonly folderAnnotation: string };
  readonly exporter?: ResolvedPrefectExporter;
  readonly prometheus?: ResolvedBundledPrometheus;
  readonly grafana?: ResolvedBundledGrafana;
}

/** What the monitoring is resolved with. */
export interface MonitoringContext {
  readonly names: ObjectNames;
  readonly namespace: string;
  readonly scheduling: SchedulingOptions;
  readonly edge: ResolvedEdge;
  /** `https` or `http`: how users reach the edge. */
  readonly scheme: string;
  /** The API's basic auth string (`prefect.authSecret`), when the API requires it. */
  readonly authSecret?: SecretKeyRef;
  /** Where the exporter and the bundled Prometheus reach the API. */
  readonly api: Endpoint & { readonly serviceName: string };
  /** The names the rules watch (without the ingress labels, which come from `ingressMetrics`). */
  readonly watched: Omit<AlertRulesContext, 'ingress'>;
}

function resolveExporter(o: PrefectExporterOptions, ctx: MonitoringContext): ResolvedPrefectExporter {
  const f = 'monitoring.prefectExporter';
  return {
    name: ctx.names.of('Service', 'prefect-exporter'),
    podSelector: selectorLabels({ instance: ctx.names.instance, name: 'prometheus-prefect-exporter', component: 'prefect-exporter' }),
    authSecret: ctx.authSecret,
    offsetMinutes: checkInt(`${f}.offsetMinutes`, o.offsetMinutes ?? 60, 1, 60 * 24 * 31),
    resources: resolveResources(`${f}.resources`, o.resources, EXPORTER_RESOURCES),
    pod: resolvePod(f, ctx.scheduling, o),
  };
}

function resolvePrometheus(o: BundledPrometheusOptions, ctx: MonitoringContext, jobs: string[]): ResolvedBundledPrometheus {
  const f = 'monitoring.bundled.prometheus';
  const retention = o.retention ?? '15d';
  if (!/^(\d+(y|w|d|h|m|s|ms))+$/.test(retention)) fail(`${f}.retention`, `"${retention}" is not a Prometheus duration`, 'write e.g. 15d or 720h');
  for (const [i, sc] of (o.additionalScrapeConfigs ?? []).entries()) {
    if (typeof sc?.job_name !== 'string') fail(`${f}.additionalScrapeConfigs[${i}].job_name`, 'is missing', 'give every scrape configuration a job_name');
    if (jobs.includes(sc.job_name)) fail(`${f}.additionalScrapeConfigs[${i}].job_name`, `"${sc.job_name}" is a job of the stack`, 'choose another job_name');
  }
  const { name, podSelector, labels } = frontendComponent(ctx.names, 'prometheus', 'prometheus');
  const route =
    o.expose &&
    adminRoute(f, ctx.edge, o.expose, {
      id: 'prometheus',
      serviceName: name,
      servicePort: PROMETHEUS_PORT,
      podSelector,
      labels,
      why: 'the edge serves Prometheus (with its auth)',
      ownAuth: false,
      pathSupported: true,
    });
  const routePrefix = route && route.path !== '/' ? route.path : '/';
  return {
    name,
    podSelector,
    labels,
    retention,
    storage: checkQuantity(`${f}.storage`, o.storage ?? '20Gi'),
    storageClassName: o.storageClassName === undefined ? undefined : checkDnsSubdomain(`${f}.storageClassName`, o.storageClassName),
    resources: resolveResources(`${f}.resources`, o.resources, PROMETHEUS_RESOURCES),
    route,
    routePrefix,
    externalUrl: route ? `${ctx.scheme}://${route.host}${routePrefix === '/' ? '' : routePrefix}` : undefined,
    url: `http://${name}:${PROMETHEUS_PORT}${routePrefix === '/' ? '' : routePrefix}`,
    apiServerCidrs: (o.apiServerCidrs ?? ANY_ADDRESS).map((cidr, i) => checkCidr(`${f}.apiServerCidrs[${i}]`, cidr)),
    additionalScrapeConfigs: o.additionalScrapeConfigs ?? [],
    additionalScrapeEgress: (o.additionalScrapeEgress ?? []).map((e, i) => ({
      namespace: checkDnsLabel(`${f}.additionalScrapeEgress[${i}].namespace`, e.namespace),
      ports: (e.ports ?? []).length
        ? e.ports.map((p, j) => checkInt(`${f}.additionalScrapeEgress[${i}].ports[${j}]`, p, 1, 65535))
        : fail(`${f}.additionalScrapeEgress[${i}].ports`, 'is empty', 'list the metrics ports, e.g. [8080]'),
    })),
    pod: resolvePod(f, ctx.scheduling, o),
  };
}

function resolveGrafana(o: BundledGrafanaOptions, ctx: MonitoringContext): ResolvedBundledGrafana {
  const f = 'monitoring.bundled.grafana';
  if (!o.adminPasswordSecret) fail(`${f}.adminPasswordSecret`, 'is missing', 'create a Secret with the admin password and give { name, key }');
  const adminUser = o.adminUser ?? 'admin';
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(adminUser))
    fail(`${f}.adminUser`, `"${adminUser}" is not a plain user name`, 'use letters, digits, ".", "_", "@" or "-"');
  const { name, podSelector, labels } = frontendComponent(ctx.names, 'grafana', 'grafana');
  const route =
    o.expose &&
    adminRoute(f, ctx.edge, o.expose, {
      id: 'grafana',
      serviceName: name,
      servicePort: GRAFANA_PORT,
      podSelector,
      labels,
      why: 'the edge serves Grafana',
      ownAuth: true,
      pathSupported: true,
    });
  const subPath = route !== undefined && route.path !== '/';
  return {
    name,
    podSelector,
    labels,
    adminPasswordSecret: checkSecretKeyRef(`${f}.adminPasswordSecret`, o.adminPasswordSecret),
    adminUser,
    resources: resolveResources(`${f}.resources`, o.resources, GRAFANA_RESOURCES),
    route,
    rootUrl: route ? `${ctx.scheme}://${route.host}${subPath ? route.path : ''}/` : undefined,
    subPath,
    pod: resolvePod(f, ctx.scheduling, o),
  };
}

/** Applies the defaults of `monitoring:` once and checks every value; undefined without the section. */
export function resolveMonitoring(o: MonitoringOptions | undefined, ctx: MonitoringContext): ResolvedMonitoring | undefined {
  if (!o) return undefined;
  const releaseLabel = o.releaseLabel ?? 'kube-prometheus-stack';
  if (typeof releaseLabel !== 'string' || !/^[a-z0-9A-Z]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/.test(releaseLabel)) {
    fail('monitoring.releaseLabel', `"${releaseLabel}" is not a label value`, 'give the Helm release name of kube-prometheus-stack');
  }
  const scrapeInterval = o.scrapeInterval ?? '30s';
  if (!/^\d+(s|m)$/.test(scrapeInterval))
    fail('monitoring.scrapeInterval', `"${scrapeInterval}" is not an interval`, 'write seconds or minutes, e.g. 30s or 1m');
  const dash = o.dashboards ?? {};
  const folder = dash.folder ?? 'Prefect';
  const folderAnnotation = dash.folderAnnotation ?? 'k8s-sidecar-target-directory';
  if (!isQualifiedName(folderAnnotation))
    fail(
      'monitoring.dashboards.folderAnnotation',
      `"${folderAnnotation}" is not an annotation name`,
      'use e.g. k8s-sidecar-target-directory or grafana_folder',
    );
  if (typeof folder !== 'string' || !folder.trim() || folder.includes('/'))
    fail('monitoring.dashboards.folder', `${JSON.stringify(folder)} is not a folder name`, 'give a name without "/", e.g. Prefect');
  const ingress =
    (o.ingressMetrics?.enabled ?? true)
      ? { namespaceLabel: o.ingressMetrics?.namespaceLabel ?? 'exported_namespace', serviceLabel: o.ingressMetrics?.serviceLabel ?? 'exported_service' }
      : undefined;
  for (const [k, v] of Object.entries(ingress ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(v)) fail(`monitoring.ingressMetrics.${k}`, `"${v}" is not a Prometheus label name`, 'use letters, digits and _');
  }
  const bundledProm = o.bundled?.prometheus?.enabled ?? false;
  const bundledGrafana = o.bundled?.grafana?.enabled ?? false;
  if (bundledGrafana && !bundledProm) {
    fail(
      'monitoring.bundled.grafana.enabled',
      'needs the bundled Prometheus',
      "set monitoring.bundled.prometheus.enabled: true as well (or use your cluster's Grafana with the dashboard ConfigMaps)",
    );
  }
  let apiAuth: BasicAuthSecret | undefined;
  if (ctx.authSecret) {
    const s = o.prefectBasicAuthSecret;
    if (!s) {
      fail(
        'monitoring.prefectBasicAuthSecret',
        'is missing while prefect.authSecret is set',
        'create a Secret with keys "username" and "password" (the same credentials as prefect.authSecret) and give { name } (and usernameKey/passwordKey if the keys differ)',
      );
    }
    checkDnsSubdomain('monitoring.prefectBasicAuthSecret.name', s.name);
    for (const k of ['usernameKey', 'passwordKey'] as const) {
      if (s[k] !== undefined && !/^[-._a-zA-Z0-9]{1,253}$/.test(s[k]!))
        fail(`monitoring.prefectBasicAuthSecret.${k}`, `"${s[k]}" is not a Secret key`, "use letters, digits, '-', '_' and '.'");
    }
    apiAuth = { name: s.name, usernameKey: s.usernameKey ?? 'username', passwordKey: s.passwordKey ?? 'password' };
  }
  const exporter = o.prefectExporter?.enabled ? resolveExporter(o.prefectExporter, ctx) : undefined;
  const jobs = ['api', 'postgres', 'redis', ...(exporter ? ['prefect-exporter'] : [])];
  return {
    serviceMonitors: o.serviceMonitors ?? true,
    releaseLabel,
    scrapeInterval,
    apiAuth,
    rules: resolveAlertRulesOptions(o.rules),
    watched: { ...ctx.watched, ingress },
    dashboards:
      (dash.enabled ?? true)
        ? { label: checkLabels('monitoring.dashboards.label', dash.label ?? { grafana_dashboard: '1' }), folder, folderAnnotation }
        : undefined,
    exporter,
    prometheus: bundledProm ? resolvePrometheus(o.bundled!.prometheus!, ctx, jobs) : undefined,
    grafana: bundledGrafana ? resolveGrafana(o.bundled!.grafana!, ctx) : undefined,
  };
}
