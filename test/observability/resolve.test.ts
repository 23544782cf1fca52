import { PrefectStackProps, resolveAlertRulesOptions, resolveStack } from '../../charts';
import { MINIMAL, expectConfigError, synth } from '../util';

describe('resolveMonitoring: bad input, naming the key', () => {
  const m =
    (monitoring: NonNullable<PrefectStackProps['monitoring']>, extra: PrefectStackProps = {}) =>
    () =>
      synth({ ...extra, monitoring });
  const auth: PrefectStackProps = { prefect: { authSecret: { name: 'auth', key: 'auth' } } };

  test.each([
    ['monitoring.releaseLabel', { releaseLabel: 'not valid!' }],
    ['monitoring.scrapeInterval', { scrapeInterval: '30' }],
    ['monitoring.rules.postgresConnectionsRatio', { rules: { postgresConnectionsRatio: 80 } }],
    ['monitoring.rules.redisMemoryRatio', { rules: { redisMemoryRatio: 0 } }],
    ['monitoring.rules.apiErrorRatio', { rules: { apiErrorRatio: 1.5 } }],
    ['monitoring.rules.apiLatencySeconds', { rules: { apiLatencySeconds: -1 } }],
    ['monitoring.rules.streamBacklog', { rules: { streamBacklog: 0.5 } }],
    ['monitoring.rules.podRestarts', { rules: { podRestarts: 0 } }],
    ['monitoring.rules.backupMaxAgeHours', { rules: { backupMaxAgeHours: 0 } }],
    ['monitoring.rules.databaseSizeRatio', { rules: { databaseSizeRatio: 1 } }],
    ['monitoring.rules.databaseGrowthPerDayRatio', { rules: { databaseGrowthPerDayRatio: 0 } }],
    ['monitoring.rules.retentionTableGrowthRatio', { rules: { retentionTableGrowthRatio: 0.9 } }],
    ['monitoring.rules.runbookBaseUrl', { rules: { runbookBaseUrl: 'README.md#alerts' } }],
    ['monitoring.rules.labels.bad-name', { rules: { labels: { 'bad-name': 'x' } } }],
    ['monitoring.rules.labels.severity', { rules: { labels: { severity: 'page' } } }],
    ['monitoring.ingressMetrics.namespaceLabel', { ingressMetrics: { namespaceLabel: 'exported-namespace' } }],
    ['monitoring.dashboards.label.grafana dashboard', { dashboards: { label: { 'grafana dashboard': '1' } } }],
    ['monitoring.dashboards.folderAnnotation', { dashboards: { folderAnnotation: 'not valid!' } }],
    ['monitoring.dashboards.folder', { dashboards: { folder: 'a/b' } }],
    ['monitoring.prefectExporter.offsetMinutes', { prefectExporter: { enabled: true, offsetMinutes: 0 } }],
    ['monitoring.prefectExporter.resources.limits.memory', { prefectExporter: { enabled: true, resources: { limits: { memory: '1GB' } } } }],
    ['monitoring.bundled.grafana.enabled', { bundled: { grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' } } } }],
    ['monitoring.bundled.grafana.adminPasswordSecret', { bundled: { prometheus: { enabled: true }, grafana: { enabled: true } } }],
    [
      'monitoring.bundled.grafana.adminUser',
      { bundled: { prometheus: { enabled: true }, grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' }, adminUser: 'a b' } } },
    ],
    ['monitoring.bundled.prometheus.retention', { bundled: { prometheus: { enabled: true, retention: '15 days' } } }],
    ['monitoring.bundled.prometheus.storage', { bundled: { prometheus: { enabled: true, storage: '20GB' } } }],
    ['monitoring.bundled.prometheus.storageClassName', { bundled: { prometheus: { enabled: true, storageClassName: 'Fast_SSD' } } }],
    ['monitoring.bundled.prometheus.apiServerCidrs[0]', { bundled: { prometheus: { enabled: true, apiServerCidrs: ['10.0.0.1'] } } }],
    [
      'monitoring.bundled.prometheus.additionalScrapeConfigs[0].job_name',
      { bundled: { prometheus: { enabled: true, additionalScrapeConfigs: [{ static_configs: [] }] } } },
    ],
    [
      'monitoring.bundled.prometheus.additionalScrapeConfigs[0].job_name',
      { bundled: { prometheus: { enabled: true, additionalScrapeConfigs: [{ job_name: 'api' }] } } },
    ],
    [
      'monitoring.bundled.prometheus.additionalScrapeEgress[0].namespace',
      { bundled: { prometheus: { enabled: true, additionalScrapeEgress: [{ namespace: 'Kube_System', ports: [8080] }] } } },
    ],
    [
      'monitoring.bundled.prometheus.additionalScrapeEgress[0].ports',
      { bundled: { prometheus: { enabled: true, additionalScrapeEgress: [{ namespace: 'kube-system', ports: [] }] } } },
    ],
    [
      'monitoring.bundled.prometheus.additionalScrapeEgress[0].ports[0]',
      { bundled: { prometheus: { enabled: true, additionalScrapeEgress: [{ namespace: 'kube-system', ports: [70000] }] } } },
    ],
  ] as Array<[string, NonNullable<PrefectStackProps['monitoring']>]>)('%s', (field, monitoring) => {
    expectConfigError(m(monitoring), field);
  });

  test('auth on without a username/password Secret for the API monitor', () => {
    expectConfigError(m({}, auth), 'monitoring.prefectBasicAuthSecret', /username.*password/);
    expectConfigError(m({ prefectBasicAuthSecret: { name: 'Bad_Name' } }, auth), 'monitoring.prefectBasicAuthSecret.name');
    expectConfigError(m({ prefectBasicAuthSecret: { name: 'ok', passwordKey: 'a b' } }, auth), 'monitoring.prefectBasicAuthSecret.passwordKey');
  });
});

describe('resolveMonitoring', () => {
  test('absent without the monitoring section; ServiceMonitors for kube-prometheus-stack every 30 s by default', () => {
    expect(resolveStack(MINIMAL).monitoring).toBeUndefined();
    expect(resolveStack({ ...MINIMAL, monitoring: {} }).monitoring).toMatchObject({ releaseLabel: 'kube-prometheus-stack', scrapeInterval: '30s' });
  });

  test('the rule defaults, and labels the rules set themselves refused', () => {
    expect(resolveAlertRulesOptions()).toMatchObject({ enabled: true, postgresConnectionsRatio: 0.8, backupMaxAgeHours: 26, labels: {} });
    for (const k of ['severity', 'alertname', 'namespace'])
      expectConfigError(() => resolveAlertRulesOptions({ labels: { [k]: 'x' } }), `monitoring.rules.labels.${k}`, /set by the rules themselves/);
    expectConfigError(() => resolveAlertRulesOptions({ labels: { team: 5 as any } }), 'monitoring.rules.labels.team', /not a string/);
  });
});
