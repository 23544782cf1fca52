import { parse } from 'yaml';
import { MINIMAL, containers, envMap, expectConfigError, ofKind as kinds, one, podTemplates, synth, withMonitoring } from '../util';
import { FULL } from './tools';

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
});

describe('bundled Prometheus and Grafana', () => {
  const objs = synth(FULL);

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
