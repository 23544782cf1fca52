import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { componentLabels } from '../common/labels';
import { StackContext } from '../common/stack-context';
import { Endpoint } from '../network/flow';
import { BundledGrafana } from './bundled-grafana';
import { BundledPrometheus } from './bundled-prometheus';
import { DashboardSpec, dashboardJson, dashboardSpecs } from './dashboards';
import { PrefectExporter } from './prefect-exporter';
import { ResolvedMonitoring } from './resolve';
import { AlertRuleGroup, alertRuleGroups, ruleFileGroups } from './rules';
import { ScrapeTarget } from './targets';

/** Argo CD: sync the stack even before the prometheus-operator CRDs are installed (they come with the operator). */
const SKIP_DRY_RUN = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };

/** Seconds of a `30s`/`1m` interval. */
function seconds(interval: string): number {
  return parseInt(interval, 10) * (interval.endsWith('m') ? 60 : 1);
}

/**
 * The stack's monitoring, from three sources of truth: the scrape targets the tiers declared (→ ServiceMonitors
 * and the bundled Prometheus' scrape configuration), the rule groups (→ PrometheusRule, the bundled rule file,
 * promtool tests) and the dashboard specs (→ one ConfigMap each). Build it after the tiers it watches.
 */
export class PrefectMonitoring extends Construct {
  /** What is scraped, with the interval and auth of each. */
  public readonly targets: ScrapeTarget[];
  public readonly ruleGroups: AlertRuleGroup[];
  public readonly dashboards: DashboardSpec[];

  constructor(scope: Construct, id: string, m: ResolvedMonitoring, api: Endpoint & { readonly serviceName: string }) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const { instance, namespace } = ctx;
    if (m.exporter) new PrefectExporter(this, 'PrefectExporter', m.exporter, api);

    // A target may ask for a longer interval than the stack's (the exporter polls the API on each scrape).
    this.targets = ctx.scrapeTargets.map((t) => ({
      ...t,
      interval: t.interval && seconds(t.interval) > seconds(m.scrapeInterval) ? t.interval : m.scrapeInterval,
      ...(t.prefectAuth && m.apiAuth ? { basicAuth: m.apiAuth } : {}),
    }));
    this.ruleGroups = m.rules.enabled ? alertRuleGroups(m.watched, m.rules) : [];
    this.dashboards = m.dashboards ? dashboardSpecs({ ...m.watched, apiJob: m.watched.apiService, exporterJob: m.exporter?.name }) : [];

    const labels = (extra: Record<string, string> = {}) => ({ ...componentLabels({ instance, name: 'prefect-stack', component: 'monitoring' }), ...extra });
    if (m.serviceMonitors) {
      for (const t of this.targets) {
        new ServiceMonitor(this, `ServiceMonitor-${t.name}`, {
          metadata: { name: `${instance}-${t.name}`, labels: labels({ release: m.releaseLabel }), annotations: SKIP_DRY_RUN },
          spec: {
            selector: { matchLabels: t.podSelector },
            namespaceSelector: { matchNames: [namespace] },
            endpoints: [
              {
                port: t.port,
                path: t.path,
                interval: t.interval,
                scheme: ServiceMonitorSpecEndpointsScheme.HTTP,
                ...(t.basicAuth
                  ? {
                      basicAuth: {
                        username: { name: t.basicAuth.name, key: t.basicAuth.usernameKey ?? 'username' },
                        password: { name: t.basicAuth.name, key: t.basicAuth.passwordKey ?? 'password' },
                      },
                    }
                  : {}),
                // Labels select Services of a component; several (e.g. a headless twin) may match: keep this one.
                relabelings: [
                  { sourceLabels: ['__meta_kubernetes_service_name'], regex: t.service, action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP },
                ],
              },
            ],
          },
        });
      }
      if (this.ruleGroups.length) {
        new PrometheusRule(this, 'PrometheusRule', {
          metadata: { name: `${instance}-alerts`, labels: labels({ release: m.releaseLabel }), annotations: SKIP_DRY_RUN },
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
        metadata: { name: cm, labels: labels(m.dashboards!.label), annotations: { [m.dashboards!.folderAnnotation]: m.dashboards!.folder } },
        data: { [`${instance}-${d.key}.json`]: JSON.stringify(dashboardJson(d), null, 1) },
      });
    }

    if (m.prometheus) {
      new BundledPrometheus(this, 'Prometheus', m.prometheus, this.targets, this.ruleGroups);
      if (m.grafana) new BundledGrafana(this, 'Grafana', m.grafana, m.prometheus, dashboardConfigMaps, m.dashboards?.folder ?? 'Prefect');
    }
  }
}
