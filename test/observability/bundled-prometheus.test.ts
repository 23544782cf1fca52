import { parse } from 'yaml';
import { ofKind as kinds, one, synth, withMonitoring } from '../util';
import { FULL } from './tools';

describe('BundledPrometheus', () => {
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

  test('retention, storage and class follow the configuration', () => {
    const o = withMonitoring({ bundled: { prometheus: { enabled: true, retention: '30d', storage: '50Gi', storageClassName: 'fast' } } });
    const sts = one(o, 'StatefulSet', 'prefect-prometheus');
    expect(sts.spec.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=30d');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '50Gi' } } });
  });

  test("additional scrape configurations are appended after the stack's own jobs", () => {
    const extra = { job_name: 'node', static_configs: [{ targets: ['node-exporter:9100'] }] };
    const o = withMonitoring({ bundled: { prometheus: { enabled: true, additionalScrapeConfigs: [extra] } } });
    const jobs = parse(one(o, 'ConfigMap', 'prefect-prometheus-config').data['prometheus.yml']).scrape_configs;
    expect(jobs[jobs.length - 1]).toEqual(extra);
    expect(jobs.length).toBeGreaterThan(1);
  });
});
