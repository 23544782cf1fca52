import { parse } from 'yaml';
import { envMap, one, synth } from '../util';
import { FULL } from './tools';

describe('BundledGrafana', () => {
  const objs = synth(FULL);

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

  test('not exposed: no root URL or sub-path setting, no route; Grafana reads Prometheus at its root', () => {
    const spec = one(objs, 'Deployment', 'prefect-grafana').spec.template.spec;
    const env = envMap(spec.containers[0]);
    expect(env).not.toHaveProperty('GF_SERVER_ROOT_URL');
    expect(env).not.toHaveProperty('GF_SERVER_SERVE_FROM_SUB_PATH');
    expect(objs.filter((o) => o.kind === 'Ingress' && o.metadata.name === 'prefect-grafana')).toEqual([]);
    expect(parse(one(objs, 'ConfigMap', 'prefect-grafana-provisioning').data['datasources.yaml']).datasources[0].url).toBe('http://prefect-prometheus:9090');
  });

  test('on its own host: served from the root of that host', () => {
    const o = synth({
      prefect: { externalUrl: 'https://prefect.example.com' },
      edge: { allowUnauthenticated: true },
      monitoring: {
        bundled: {
          prometheus: { enabled: true },
          grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' }, expose: { host: 'grafana.example.com' } },
        },
      },
    });
    const env = envMap(one(o, 'Deployment', 'prefect-grafana').spec.template.spec.containers[0]);
    expect(env.GF_SERVER_ROOT_URL).toBe('https://grafana.example.com/');
    expect(env).not.toHaveProperty('GF_SERVER_SERVE_FROM_SUB_PATH');
    expect(one(o, 'Ingress', 'prefect-grafana').spec.rules[0].host).toBe('grafana.example.com');
  });
});
