import { PINNED_IMAGES } from '../../charts';
import { envMap, one, synth } from '../util';
import { FULL } from './tools';

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

  test("with basic auth on the API, the flow-run exporter authenticates with the same auth string (as prefect-helm's chart sets it)", () => {
    const objs = synth({
      prefect: { authSecret: { name: 'auth', key: 'auth' } },
      monitoring: { prefectBasicAuthSecret: { name: 'ok' }, prefectExporter: { enabled: true } },
    });
    const exporter = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prefect-prefect-exporter')!;
    expect(exporter.spec.template.spec.containers[0].env).toContainEqual({ name: 'PREFECT_API_AUTH_STRING', valueFrom: { secretKeyRef: expect.any(Object) } });
  });
});
