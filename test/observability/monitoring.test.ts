import { parse } from 'yaml';
import { PINNED_IMAGES, PrefectStackProps, alertRuleGroups, alertsMarkdown, resolveAlertRulesOptions } from '../../charts';
import { MINIMAL, Obj, containers, envMap, expectConfigError, one, podTemplates, synth } from '../util';
import { EXTERNAL, FULL } from './tools';

const kinds = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const withMonitoring = (m: NonNullable<PrefectStackProps['monitoring']>, extra: PrefectStackProps = {}): Obj[] => synth({ ...extra, monitoring: m });
const MONITORING_COMPONENTS = ['prometheus', 'grafana', 'prefect-exporter'];

describe('PrefectMonitoring for kube-prometheus-stack', () => {
  const objs = synth(FULL);

  test('no monitoring objects without the monitoring section', () => {
    const plain = synth(MINIMAL);
    expect(plain.filter((o) => ['ServiceMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
    expect(plain.filter((o) => o.metadata.labels?.grafana_dashboard)).toEqual([]);
  });

  test('one ServiceMonitor per target, labelled for the kube-prometheus-stack release, keeping only its Service', () => {
    const sms = kinds(objs, 'ServiceMonitor');
    expect(sms.map((s) => s.metadata.name).sort()).toEqual(['prefect-api', 'prefect-postgres', 'prefect-prefect-exporter', 'prefect-redis']);
    for (const sm of sms) {
      expect(sm.metadata.labels!.release).toBe('kube-prometheus-stack');
      expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['prefect'] });
      const [ep] = sm.spec.endpoints;
      expect(ep.relabelings).toEqual([{ sourceLabels: ['__meta_kubernetes_service_name'], regex: sm.metadata.name, action: 'keep' }]);
    }
    const api = one(objs, 'ServiceMonitor', 'prefect-api');
    expect(api.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/api/metrics', interval: '30s' });
    expect(api.spec.endpoints[0].basicAuth).toBeUndefined();
    expect(api.spec.selector.matchLabels).toEqual(one(objs, 'Service', 'prefect-api').spec.selector);
    const pg = one(objs, 'ServiceMonitor', 'prefect-postgres');
    expect(pg.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    // The selected Service really has the port the monitor names.
    for (const [sm, svc] of [
      ['prefect-postgres', 'prefect-postgres'],
      ['prefect-redis', 'prefect-redis'],
    ]) {
      const service = one(objs, 'Service', svc);
      expect(service.spec.ports.map((p: any) => p.name)).toContain('metrics');
      for (const [k, v] of Object.entries(one(objs, 'ServiceMonitor', sm).spec.selector.matchLabels)) expect(service.metadata.labels![k]).toBe(v);
    }
  });

  test('the release label and interval are configurable', () => {
    const o = withMonitoring({ releaseLabel: 'monitoring', scrapeInterval: '1m' });
    for (const sm of kinds(o, 'ServiceMonitor')) {
      expect(sm.metadata.labels!.release).toBe('monitoring');
      expect(sm.spec.endpoints[0].interval).toBe('1m');
    }
    expect(one(o, 'PrometheusRule').metadata.labels!.release).toBe('monitoring');
  });

  test('with Prefect auth on, the API monitor uses basic auth from a username/password Secret', () => {
    const o = withMonitoring(
      { prefectBasicAuthSecret: { name: 'metrics-auth', usernameKey: 'user' } },
      { prefect: { authSecret: { name: 'auth', key: 'auth' } } },
    );
    expect(one(o, 'ServiceMonitor', 'prefect-api').spec.endpoints[0].basicAuth).toEqual({
      username: { name: 'metrics-auth', key: 'user' },
      password: { name: 'metrics-auth', key: 'password' },
    });
  });

  test('one PrometheusRule; every alert has severity, summary, description and a runbook link', () => {
    const rule = one(objs, 'PrometheusRule');
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual([
      'prefect.postgres',
      'prefect.database-growth',
      'prefect.redis',
      'prefect.background-services',
      'prefect.api',
      'prefect.backups',
    ]);
    const rules = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert);
    expect(rules.map((r: any) => r.alert)).toEqual([
      'PrefectPostgresDown',
      'PrefectPostgresConnectionsNearLimit',
      'PrefectDatabaseLarge',
      'PrefectDatabaseGrowingFast',
      'PrefectRetentionNotKeepingUp',
      'PrefectRedisDown',
      'PrefectRedisMemoryNearLimit',
      'PrefectRedisRejectedConnections',
      'PrefectStreamConsumerLagGrowing',
      'PrefectStreamPendingGrowing',
      'PrefectBackgroundServicesUnavailable',
      'PrefectApiHighLatency',
      'PrefectApiHighErrorRate',
      'PrefectApiReplicasBelowDesired',
      'PrefectPodsRestarting',
      'PrefectBackupTooOld',
      'PrefectBackupJobFailed',
    ]);
    for (const r of rules) {
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.description.length).toBeGreaterThan(20);
      expect(r.annotations.runbook_url).toBe(`https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md#${r.alert.toLowerCase()}`);
      expect(r.runbook).toBeUndefined();
      // Every query is scoped to the stack's namespace.
      expect(r.expr).toMatch(/namespace="prefect"/);
    }
  });

  test('rules follow the stack: no data-server or backup alerts with external data, no ingress alerts when off', () => {
    const ext = one(synth(EXTERNAL), 'PrometheusRule').spec.groups.map((g: any) => g.name);
    expect(ext).toEqual(['prefect.background-services', 'prefect.api']);
    const noIngress = one(withMonitoring({ ingressMetrics: { enabled: false } }), 'PrometheusRule').spec.groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
    expect(noIngress).not.toContain('PrefectApiHighLatency');
    expect(noIngress).not.toContain('PrefectApiHighErrorRate');
    expect(withMonitoring({ rules: { enabled: false } }).filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
  });

  test('thresholds, extra labels and the ingress label names reach the expressions', () => {
    const o = withMonitoring({
      rules: {
        postgresConnectionsRatio: 0.7,
        apiLatencySeconds: 2.5,
        backupMaxAgeHours: 30,
        labels: { team: 'data' },
        runbookBaseUrl: 'https://wiki.example.com/prefect',
      },
      ingressMetrics: { namespaceLabel: 'namespace', serviceLabel: 'service' },
    });
    const rules = Object.fromEntries(
      one(o, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, r])),
    );
    expect(rules.PrefectPostgresConnectionsNearLimit.expr).toMatch(/> 0\.7$/);
    expect(rules.PrefectApiHighLatency.expr).toMatch(/> 2\.5$/);
    expect(rules.PrefectApiHighLatency.expr).toContain('{namespace="prefect",service="prefect-api",status!="101"}');
    expect(rules.PrefectBackupTooOld.expr).toContain(`> ${30 * 3600}`);
    expect(rules.PrefectBackupTooOld.labels).toEqual({ severity: 'critical', team: 'data' });
    expect(rules.PrefectRedisDown.annotations.runbook_url).toBe('https://wiki.example.com/prefect#prefectredisdown');
  });

  test("database growth: recording rules first, then the alerts built on them, all scoped to the exporter and Prefect's database", () => {
    const group = one(objs, 'PrometheusRule').spec.groups.find((g: any) => g.name === 'prefect.database-growth');
    expect(group.rules.map((r: any) => r.record ?? r.alert)).toEqual([
      'prefect:pg_database_size_bytes',
      'prefect:pg_database_growth_bytes_per_day',
      'prefect:pg_table_total_bytes',
      'PrefectDatabaseLarge',
      'PrefectDatabaseGrowingFast',
      'PrefectRetentionNotKeepingUp',
    ]);
    const [size, growth, tables] = group.rules;
    expect(size.expr).toContain('pg_database_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect"}');
    expect(growth.expr).toMatch(/^deriv\(prefect:pg_database_size_bytes\{[^}]*\}\[6h\]\) \* 86400$/);
    expect(tables.expr).toContain('pg_stat_user_tables_index_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect"}');
    // Default volume 20Gi × 0.8.
    expect(group.rules[3].expr).toMatch(new RegExp(`> ${Math.floor(20 * 2 ** 30 * 0.8)}$`));
    expect(group.rules[3].annotations.description).toContain('80 % of the 20 GiB PostgreSQL volume (16 GiB)');
    expect(group.rules[5].expr).toContain('relname=~"events|event_resources|log"');
  });

  test('database growth follows the stack: volume size, database name and thresholds', () => {
    const o = synth({
      database: { inCluster: { database: 'prefect_db', storage: { size: '50Gi' } } },
      monitoring: { rules: { databaseSizeRatio: 0.9, databaseGrowthPerDayRatio: 0.5, retentionTableGrowthRatio: 2 } },
    });
    const rules = Object.fromEntries(one(o, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => [r.alert ?? r.record, r])));
    expect(rules['prefect:pg_database_size_bytes'].expr).toContain('datname="prefect_db"');
    expect(rules['prefect:pg_table_total_bytes'].expr).toContain('datname="prefect_db"');
    expect(rules.PrefectDatabaseLarge.expr).toMatch(new RegExp(`> ${Math.floor(50 * 2 ** 30 * 0.9)}$`));
    expect(rules.PrefectDatabaseGrowingFast.expr).toContain('> 0.5 * prefect:pg_database_size_bytes');
    expect(rules.PrefectRetentionNotKeepingUp.expr).toContain('> 2 * (prefect:pg_table_total_bytes');
    // The exporter connects to that database: stat_user_tables reports only the tables of its own database.
    const exporter = one(o, 'StatefulSet', 'prefect-postgres').spec.template.spec.containers.find((c: any) => c.name === 'exporter');
    expect(envMap(exporter).DATA_SOURCE_NAME).toContain(' dbname=prefect_db ');
    const panels = JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels;
    const size = panels.find((p: any) => p.title === 'Prefect database size');
    expect(size.targets.map((t: any) => t.expr)).toEqual([
      'max by (datname) (pg_database_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect_db"})',
      `vector(${50 * 2 ** 30})`,
    ]);
  });

  test('with rules off the growth panels remain (they query the exporter, not the recording rules)', () => {
    const o = withMonitoring({ rules: { enabled: false } });
    const titles = JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels.map((p: any) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Prefect database size',
        'Growth per day (slope over 6 h)',
        'Largest tables (with indexes and TOAST)',
        'Dead rows (before autovacuum reclaims them)',
      ]),
    );
    for (const p of JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels) {
      for (const t of p.targets ?? []) expect(t.expr).not.toContain('prefect:');
    }
  });

  test('one dashboard ConfigMap each, with the sidecar label and folder annotation', () => {
    const cms = objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    expect(cms.map((c) => c.metadata.name).sort()).toEqual([
      'prefect-dashboard-backups',
      'prefect-dashboard-flow-runs',
      'prefect-dashboard-overview',
      'prefect-dashboard-postgres',
      'prefect-dashboard-redis',
    ]);
    for (const cm of cms) {
      expect(cm.metadata.annotations).toEqual({ 'k8s-sidecar-target-directory': 'Prefect' });
      expect(Object.keys(cm.data)).toHaveLength(1);
    }
    const custom = withMonitoring({ dashboards: { label: { grafana_dashboard: 'prefect' }, folder: 'Data platform', folderAnnotation: 'grafana_folder' } });
    const cm = one(custom, 'ConfigMap', 'prefect-dashboard-overview');
    expect(cm.metadata.labels!.grafana_dashboard).toBe('prefect');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Data platform' });
    expect(withMonitoring({ dashboards: { enabled: false } }).filter((o) => o.metadata.name.includes('-dashboard-'))).toEqual([]);
  });

  test('dashboards query through a datasource variable, never a hard-coded datasource UID', () => {
    for (const cm of objs.filter((o) => o.metadata.labels?.grafana_dashboard === '1')) {
      const d = JSON.parse(Object.values(cm.data as Record<string, string>)[0]);
      expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      const uids = new Set<string>();
      JSON.stringify(d, (k, v) => {
        if (k === 'datasource' && v && typeof v === 'object') uids.add(v.uid);
        return v;
      });
      expect([...uids]).toEqual(['${datasource}']);
      expect(d.uid).toMatch(/^prefect-/);
      for (const p of d.panels.filter((x: any) => x.type !== 'row')) expect(p.targets.length).toBeGreaterThan(0);
    }
  });

  test('the overview shows API traffic, latency and errors, replicas and restarts', () => {
    const d = JSON.parse(one(objs, 'ConfigMap', 'prefect-dashboard-overview').data['prefect-overview.json']);
    const titles = d.panels.map((p: any) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Requests per second by status',
        'Latency (websocket upgrades excluded)',
        '5xx ratio',
        'API replicas',
        'Container restarts (1 h)',
      ]),
    );
    // Panels never overlap on Grafana's 24-column grid.
    const cells = new Set<string>();
    for (const p of d.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });
});

describe('prometheus-prefect-exporter', () => {
  const objs = synth(FULL);

  test('a pinned Deployment polling the API in-cluster, and its Service', () => {
    const d = one(objs, 'Deployment', 'prefect-prefect-exporter');
    const [c] = d.spec.template.spec.containers;
    const p = PINNED_IMAGES.prefectExporter;
    expect(c.image).toBe(`${p.registry}/${p.repository}:${p.tag}`);
    expect(envMap(c)).toMatchObject({ PREFECT_API_URL: 'http://prefect-api:4200/api', METRICS_PORT: '8000', OFFSET_MINUTES: '60' });
    expect(c.readinessProbe.tcpSocket).toBeDefined();
    expect(one(objs, 'Service', 'prefect-prefect-exporter').spec.ports).toEqual([{ name: 'metrics', port: 8000, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  test('off by default', () => {
    expect(synth({ monitoring: {} }).filter((o) => o.metadata.name.includes('exporter'))).toEqual([]);
  });
});

describe('bundled Prometheus and Grafana', () => {
  const objs = synth(FULL);

  test('Prometheus scrapes the same targets as the ServiceMonitors and loads the same rule groups', () => {
    const cm = one(objs, 'ConfigMap', 'prefect-prometheus-config');
    const config = parse(cm.data['prometheus.yml']);
    const jobs = config.scrape_configs.map((s: any) => s.job_name).sort();
    expect(jobs).toEqual(
      kinds(objs, 'ServiceMonitor')
        .map((s) => s.metadata.name.replace(/^prefect-/, ''))
        .sort(),
    );
    for (const sc of config.scrape_configs) {
      const sm = one(objs, 'ServiceMonitor', `prefect-${sc.job_name}`);
      const relabel = Object.fromEntries(sc.relabel_configs.filter((r: any) => r.action === 'keep').map((r: any) => [r.source_labels[0], r.regex]));
      expect(relabel).toEqual({ __meta_kubernetes_service_name: sm.metadata.name, __meta_kubernetes_endpointslice_port_name: sm.spec.endpoints[0].port });
      expect(sc.metrics_path).toBe(sm.spec.endpoints[0].path);
      // The job label is the Service name, as the operator sets it: the rules select on it.
      expect(sc.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' });
    }
    expect(parse(cm.data['rules.yaml']).groups).toEqual(one(objs, 'PrometheusRule').spec.groups);
    expect(config.rule_files).toEqual(['/etc/prometheus/config/rules.yaml']);
  });

  test('Prometheus keeps its data on a claim, rolls on config changes and reads only its namespace', () => {
    const sts = one(objs, 'StatefulSet', 'prefect-prometheus');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    const [c] = sts.spec.template.spec.containers;
    expect(c.args).toContain('--storage.tsdb.retention.time=15d');
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/prometheus' });
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(one(objs, 'Role', 'prefect-prometheus').rules.flatMap((r: any) => r.verbs)).not.toContain('create');
    expect(kinds(objs, 'ClusterRole')).toEqual([]);
  });

  test('with auth on, the bundled Prometheus reads the basic-auth Secret from files', () => {
    const o = withMonitoring(
      { prefectBasicAuthSecret: { name: 'metrics-auth' }, bundled: { prometheus: { enabled: true } } },
      { prefect: { authSecret: { name: 'auth', key: 'auth' } } },
    );
    const api = parse(one(o, 'ConfigMap', 'prefect-prometheus-config').data['prometheus.yml']).scrape_configs.find((s: any) => s.job_name === 'api');
    expect(api.basic_auth).toEqual({
      username_file: '/etc/prometheus/secrets/metrics-auth/username',
      password_file: '/etc/prometheus/secrets/metrics-auth/password',
    });
    const spec = one(o, 'StatefulSet', 'prefect-prometheus').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'auth-0', secret: { secretName: 'metrics-auth' } });
  });

  test('Grafana: admin password from the existing Secret as a file, datasource and the same dashboards provisioned', () => {
    const d = one(objs, 'Deployment', 'prefect-grafana');
    const spec = d.spec.template.spec;
    const env = envMap(spec.containers[0]);
    expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/etc/grafana-admin/password');
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
    expect(spec.volumes).toContainEqual({ name: 'admin', secret: { secretName: 'grafana-admin', items: [{ key: 'password', path: 'password' }] } });
    const projected = spec.volumes
      .find((v: any) => v.name === 'dashboards')
      .projected.sources.map((s: any) => s.configMap.name)
      .sort();
    expect(projected).toEqual(
      objs
        .filter((o) => o.metadata.labels?.grafana_dashboard === '1')
        .map((o) => o.metadata.name)
        .sort(),
    );
    const ds = parse(one(objs, 'ConfigMap', 'prefect-grafana-provisioning').data['datasources.yaml']);
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prefect-prometheus:9090' });
  });

  test('both pods are PSS restricted with pinned images', () => {
    const pods = podTemplates(objs).filter(({ owner }) => MONITORING_COMPONENTS.includes(owner.metadata.labels?.['app.kubernetes.io/component'] ?? ''));
    expect(pods).toHaveLength(3);
    for (const { owner, template } of pods) {
      const s = template.spec;
      expect(s.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(s.enableServiceLinks).toBe(false);
      if (owner.metadata.name !== 'prefect-prometheus') expect(s.automountServiceAccountToken).toBe(false);
      for (const c of containers(template)) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
  });

  test('exposed at the edge: Prometheus only with edge auth, Grafana with its own login, each with its path', () => {
    const o = synth({
      prefect: { externalUrl: 'https://prefect.example.com' },
      edge: { allowUnauthenticated: true },
      monitoring: {
        bundled: {
          prometheus: { enabled: true, expose: { path: '/prometheus', basicAuthSecret: 'prometheus-htpasswd' } },
          grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' }, expose: { path: '/grafana' } },
        },
      },
    });
    const prom = one(o, 'Ingress', 'prefect-prometheus');
    expect(prom.metadata.annotations!['nginx.ingress.kubernetes.io/auth-secret']).toBe('prometheus-htpasswd');
    expect(prom.spec.rules[0].http.paths[0].path).toBe('/prometheus');
    expect(one(o, 'StatefulSet', 'prefect-prometheus').spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--web.external-url=https://prefect.example.com/prometheus', '--web.route-prefix=/prometheus']),
    );
    expect(one(o, 'StatefulSet', 'prefect-prometheus').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/prometheus/-/ready');
    expect(one(o, 'Ingress', 'prefect-grafana').spec.rules[0].http.paths[0].path).toBe('/grafana');
    expect(envMap(one(o, 'Deployment', 'prefect-grafana').spec.template.spec.containers[0])).toMatchObject({
      GF_SERVER_ROOT_URL: 'https://prefect.example.com/grafana/',
      GF_SERVER_SERVE_FROM_SUB_PATH: 'true',
    });
    // Grafana reads the bundled Prometheus under its route prefix.
    expect(parse(one(o, 'ConfigMap', 'prefect-grafana-provisioning').data['datasources.yaml']).datasources[0].url).toBe(
      'http://prefect-prometheus:9090/prometheus',
    );
    expectConfigError(
      () =>
        synth({
          prefect: { externalUrl: 'https://prefect.example.com' },
          edge: { allowUnauthenticated: true },
          monitoring: { bundled: { prometheus: { enabled: true, expose: { path: '/prometheus' } } } },
        }),
      'monitoring.bundled.prometheus.expose',
      /without authentication/,
    );
  });

  test('network flows: the exporter, Prometheus and Grafana get exactly their connections', () => {
    const o = synth({
      prefect: { externalUrl: 'https://prefect.example.com' },
      edge: { allowUnauthenticated: true },
      monitoring: {
        ...FULL.monitoring,
        bundled: {
          ...FULL.monitoring!.bundled,
          grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' }, expose: { host: 'grafana.example.com' } },
        },
      },
    });
    const policies = kinds(o, 'NetworkPolicy');
    const ingressTo = (component: string) =>
      policies.filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === component).flatMap((p) => p.spec.ingress ?? []);
    expect(JSON.stringify(ingressTo('grafana'))).toContain('3000');
    expect(JSON.stringify(ingressTo('prometheus'))).toContain('9090');
    expect(JSON.stringify(ingressTo('prefect-exporter'))).toContain('8000');
    const egressOf = (component: string) =>
      policies.filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === component).flatMap((p) => p.spec.egress ?? []);
    expect(JSON.stringify(egressOf('prometheus'))).toContain('9187');
    expect(JSON.stringify(egressOf('prometheus'))).toContain('6443');
    expect(JSON.stringify(egressOf('prefect-exporter'))).toContain('4200');
    const ksm = synth({ monitoring: { bundled: { prometheus: { enabled: true, additionalScrapeEgress: [{ namespace: 'kube-system', ports: [8080] }] } } } });
    const promEgress = JSON.stringify(
      ksm
        .filter((p) => p.kind === 'NetworkPolicy' && p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === 'prometheus')
        .flatMap((p) => p.spec.egress ?? []),
    );
    expect(promEgress).toContain('kube-system');
    expect(promEgress).toContain('8080');
  });

  test('Argo CD may sync the monitors before the operator CRDs exist', () => {
    for (const o of objs.filter((x) => ['ServiceMonitor', 'PrometheusRule'].includes(x.kind))) {
      expect(o.metadata.annotations!['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
    }
  });
});

describe('alerts reference', () => {
  test('one docs/alerts.md heading per alert, whose anchor is the runbook URL fragment', () => {
    const groups = alertRuleGroups(
      {
        instance: 'prefect',
        namespace: 'prefect',
        apiDeployment: 'a',
        apiService: 'a',
        backgroundDeployment: 'b',
        postgresJob: 'p',
        database: 'prefect',
        databaseVolumeBytes: 2 ** 34,
        redisJob: 'r',
        backupCronJob: 'c',
        ingress: { namespaceLabel: 'n', serviceLabel: 's' },
      },
      resolveAlertRulesOptions(),
    );
    const md = alertsMarkdown(groups);
    for (const r of groups.flatMap((g) => g.rules)) {
      expect(md).toContain(`## ${r.alert}\n`);
      // GitHub's heading anchor is the lower-cased text.
      expect(r.annotations.runbook_url.endsWith(`#${r.alert.toLowerCase()}`)).toBe(true);
    }
    expect(md).toContain('## PrefectRetentionNotKeepingUp\n');
    expect(md).not.toContain('{{');
  });
});

describe('bad input', () => {
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

  test("with basic auth on the API, the flow-run exporter authenticates with the same auth string (as prefect-helm's chart sets it)", () => {
    const objs = m({ prefectBasicAuthSecret: { name: 'ok' }, prefectExporter: { enabled: true } }, auth)();
    const exporter = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prefect-prefect-exporter')!;
    expect(exporter.spec.template.spec.containers[0].env).toContainEqual({ name: 'PREFECT_API_AUTH_STRING', valueFrom: { secretKeyRef: expect.any(Object) } });
  });
});
